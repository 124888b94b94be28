import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { execute } from './api/client';
import { onLiveEvent, liveStatusStore, type LiveEvent } from './api/live';
import { sessionStore } from './api/session';
import type { TypedDocumentString } from './gql/graphql';

export function useSession() {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.get);
}

export function useLiveStatus() {
  return useSyncExternalStore(liveStatusStore.subscribe, liveStatusStore.get);
}

/** The route is the location hash: "#/transactions" -> "/transactions". */
export function useHashRoute(): string {
  const read = () => window.location.hash.replace(/^#/, '') || '/';
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export interface QueryState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  refetch: () => Promise<void>;
}

/**
 * Runs a query when the component mounts and whenever `variables` change (compared as
 * JSON); `refetch` runs it again and keeps showing the old data until the new arrives.
 */
export function useQuery<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
): QueryState<TResult> {
  const [data, setData] = useState<TResult>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const key = JSON.stringify(variables);
  const latest = useRef(0);

  const run = useCallback(async () => {
    const ticket = ++latest.current;
    setLoading(true);
    try {
      const result = await execute(document, variables);
      if (ticket === latest.current) {
        setData(result);
        setError(undefined);
      }
    } catch (e) {
      if (ticket === latest.current) setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
    // `key` stands for `variables`: a new object with the same content does not refetch.
  }, [document, key]);

  useEffect(() => {
    void run();
  }, [run]);

  return { data, error, loading, refetch: run };
}

/**
 * Calls `onEvent` for the live events listed (and after a reconnect, when some may have been
 * missed). One write can raise several events at once (a transaction, two budget alerts,
 * their notifications): while a call is running, further events make one more call after
 * it, not one each.
 */
export function useLiveEvents(kinds: readonly LiveEvent[], onEvent: () => Promise<void> | void): void {
  const callback = useRef(onEvent);
  callback.current = onEvent;
  const key = kinds.join(',');
  useEffect(() => {
    const wanted = new Set<LiveEvent>([...(key.split(',') as LiveEvent[]), 'reconnected']);
    let running = false;
    let again = false;
    let active = true;
    const run = async () => {
      running = true;
      do {
        again = false;
        try {
          await callback.current();
        } catch {
          // The screen shows its own error; the next event tries again.
        }
      } while (again && active);
      running = false;
    };
    const off = onLiveEvent((event) => {
      if (!wanted.has(event)) return;
      if (running) again = true;
      else void run();
    });
    return () => {
      active = false;
      off();
    };
  }, [key]);
}
