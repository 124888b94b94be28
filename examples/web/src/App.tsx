import { useEffect, useState } from 'react';
import { startLive, stopLive } from './api/live';
import { UnreadCountDocument } from './api/operations';
import { signOut, start, type SessionUser } from './api/session';
import { useHashRoute, useLiveEvents, useLiveStatus, useQuery, useSession } from './hooks';
import { AuthScreen } from './screens/AuthScreen';
import { BudgetForm } from './screens/BudgetForm';
import { Dashboard } from './screens/Dashboard';
import { ImportScreen } from './screens/ImportScreen';
import { Notifications } from './screens/Notifications';
import { Transactions } from './screens/Transactions';

export function App() {
  const session = useSession();

  // Restore the session from the refresh cookie once per page load.
  useEffect(() => {
    void start();
  }, []);

  // One live connection while signed in.
  useEffect(() => {
    if (session.status === 'signedIn') startLive();
    else stopLive();
  }, [session.status]);

  switch (session.status) {
    case 'starting':
      return (
        <main className="centered" data-testid="starting">
          <p className="muted">Loading…</p>
        </main>
      );
    case 'signedOut':
      return <AuthScreen {...(session.notice ? { notice: session.notice } : {})} />;
    case 'signedIn':
      return <Shell user={session.user} />;
  }
}

const ROUTES: Array<{ path: string; label: string; testId: string }> = [
  { path: '/', label: 'Dashboard', testId: 'nav-dashboard' },
  { path: '/transactions', label: 'Transactions', testId: 'nav-transactions' },
  { path: '/budgets/new', label: 'New budget', testId: 'nav-new-budget' },
  { path: '/import', label: 'Import', testId: 'nav-import' },
  { path: '/notifications', label: 'Notifications', testId: 'nav-notifications' },
];

function Shell({ user }: { user: SessionUser }) {
  const route = useHashRoute();
  const live = useLiveStatus();
  const unread = useQuery(UnreadCountDocument, {});
  useLiveEvents(['notification'], unread.refetch);
  useEffect(() => {
    // The notifications screen marked some read.
    const onRead = () => void unread.refetch();
    window.addEventListener('smartsave:notifications-read', onRead);
    return () => window.removeEventListener('smartsave:notifications-read', onRead);
  }, [unread.refetch]);
  const [signingOut, setSigningOut] = useState(false);

  const onSignOut = async () => {
    setSigningOut(true);
    stopLive();
    await signOut();
    window.location.hash = '#/';
  };

  return (
    <div className="shell" data-testid="app">
      <header className="topbar">
        <span className="brand">SmartSave</span>
        <nav>
          {ROUTES.map((r) => (
            <a key={r.path} href={`#${r.path}`} className={route === r.path ? 'active' : undefined} data-testid={r.testId}>
              {r.label}
              {r.path === '/notifications' && (unread.data?.unreadNotificationCount ?? 0) > 0 && (
                <span className="badge" data-testid="notification-badge">
                  {unread.data?.unreadNotificationCount}
                </span>
              )}
            </a>
          ))}
        </nav>
        <span className={`live live-${live}`} data-testid="live-status" data-state={live} title="Live updates">
          {live === 'live' ? 'Live' : live === 'off' ? 'Off' : live === 'offline' ? 'Reconnecting' : 'Connecting'}
        </span>
        <span className="who" data-testid="signed-in-as">
          {user.firstName ?? user.email}
        </span>
        <button type="button" onClick={onSignOut} disabled={signingOut} data-testid="sign-out">
          Sign out
        </button>
      </header>
      <main>{screen(route)}</main>
    </div>
  );
}

function screen(route: string) {
  switch (route) {
    case '/transactions':
      return <Transactions />;
    case '/budgets/new':
      return <BudgetForm />;
    case '/import':
      return <ImportScreen />;
    case '/notifications':
      return <Notifications />;
    default:
      return <Dashboard />;
  }
}
