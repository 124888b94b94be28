import { useState } from 'react';
import { request } from '../api/client';
import { MarkNotificationsReadDocument, NotificationsDocument } from '../api/operations';
import { ErrorMessage } from '../components/ErrorMessage';
import { formatInstant } from '../format';
import type { MarkNotificationsReadMutationVariables } from '../gql/graphql';
import { useLiveEvents, useQuery } from '../hooks';

/** The newest notifications (budget alerts, goal milestones, achievements, ...), updated live. */
export function Notifications() {
  const [first, setFirst] = useState(20);
  const { data, error, refetch } = useQuery(NotificationsDocument, { first });
  const [actionError, setActionError] = useState<unknown>();
  useLiveEvents(['notification'], refetch);

  const markRead = async (variables: MarkNotificationsReadMutationVariables) => {
    try {
      await request(MarkNotificationsReadDocument, variables);
      setActionError(undefined);
      await refetch();
      // The unread badge in the header listens for the same event.
      window.dispatchEvent(new Event('smartsave:notifications-read'));
    } catch (e) {
      setActionError(e);
    }
  };

  if (!data) return error ? <ErrorMessage error={error} /> : <p className="muted">Loading…</p>;
  const { notifications, unreadNotificationCount } = data;
  return (
    <div className="notifications" data-testid="notifications">
      <div className="toolbar">
        <h1>Notifications</h1>
        <span className="muted" data-testid="notifications-unread">
          {unreadNotificationCount} unread
        </span>
        <button
          type="button"
          onClick={() => void markRead({ all: true })}
          disabled={unreadNotificationCount === 0}
          data-testid="notifications-mark-all"
        >
          Mark all read
        </button>
      </div>
      <ErrorMessage error={error ?? actionError} />
      {notifications.nodes.length === 0 && <p className="muted">Nothing yet.</p>}
      <ul className="plain">
        {notifications.nodes.map((n) => (
          <li
            key={n.id}
            className={`notification ${n.readAt ? 'read' : 'unread'}`}
            data-testid="notification"
            data-kind={n.kind}
            data-read={n.readAt ? 'true' : 'false'}
          >
            <div>
              <strong>{n.title}</strong>
              <p>{n.body}</p>
              <small className="muted">{formatInstant(n.createdAt)}</small>
            </div>
            {!n.readAt && (
              <button type="button" className="link" onClick={() => void markRead({ ids: [n.id] })} data-testid="notification-mark-read">
                Mark read
              </button>
            )}
          </li>
        ))}
      </ul>
      {notifications.pageInfo.hasNextPage && (
        <button type="button" onClick={() => setFirst((f) => Math.min(100, f + 20))} disabled={first >= 100} data-testid="notifications-more">
          More
        </button>
      )}
    </div>
  );
}
