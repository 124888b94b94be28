// Live updates: one graphql-ws client (protocol graphql-transport-ws) on
// ws(s)://<this host>/graphql/ws, subscribed to transactionChanged, budgetAlerts and
// notificationAdded. Screens listen with `onLiveEvent` and refetch what they show; the events
// themselves only say that something changed.
//
// The server authenticates the socket once, with the access token in connection_init, and
// ends every subscription (a result with an UNAUTHENTICATED error, then complete) when that
// token expires or its session ends. So after each token refresh the client reconnects with
// the new token, and a subscription that ends by itself triggers a refresh (when its token
// was the current one) and a reconnect, with backoff.
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from '../gql/graphql';
import { currentAccessToken, onSessionEvent, refreshAccessToken } from './client';
import { BudgetAlertsDocument, NotificationAddedDocument, TransactionChangedDocument } from './operations';

export type LiveEvent = 'transaction' | 'budgetAlert' | 'notification' | 'reconnected';
export type LiveStatus = 'off' | 'connecting' | 'live' | 'offline';

const eventListeners = new Set<(event: LiveEvent) => void>();
const statusListeners = new Set<() => void>();
let status: LiveStatus = 'off';

let client: Client | null = null;
let generation = 0;
let connectionToken: string | null = null;
let restartTimer: ReturnType<typeof setTimeout> | undefined;
let failures = 0;

export function onLiveEvent(listener: (event: LiveEvent) => void): () => void {
  eventListeners.add(listener);
  return () => eventListeners.delete(listener);
}

export const liveStatusStore = {
  get: (): LiveStatus => status,
  subscribe(listener: () => void): () => void {
    statusListeners.add(listener);
    return () => statusListeners.delete(listener);
  },
};

function setStatus(next: LiveStatus) {
  if (next === status) return;
  status = next;
  for (const l of statusListeners) l();
}

function emit(event: LiveEvent) {
  for (const l of eventListeners) l(event);
}

function wsUrl(): string {
  const url = new URL('/graphql/ws', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** Opens the connection and the three subscriptions (once; again after stopLive). */
export function startLive(): void {
  if (client) return;
  connect(false);
}

/** Closes the connection (on sign-out). */
export function stopLive(): void {
  generation++;
  clearTimeout(restartTimer);
  failures = 0;
  const old = client;
  client = null;
  connectionToken = null;
  void old?.dispose();
  setStatus('off');
}

function connect(isReconnect: boolean): void {
  const gen = ++generation;
  const old = client;
  connectionToken = currentAccessToken();
  const c = createClient({
    url: wsUrl(),
    // Read at every (re)connection, so graphql-ws's own retries send the current token.
    connectionParams: () => {
      connectionToken = currentAccessToken();
      return { Authorization: `Bearer ${connectionToken ?? ''}` };
    },
    // The server closes a connection that is silent for 90 s.
    keepAlive: 30_000,
    retryAttempts: 5,
    shouldRetry: () => true,
    on: {
      connecting: () => {
        if (gen === generation) setStatus('connecting');
      },
      connected: (_socket, _payload, wasRetry) => {
        if (gen !== generation) return;
        failures = 0;
        setStatus('live');
        // Events raised while the socket was down are lost: screens reload their data.
        if (isReconnect || wasRetry) emit('reconnected');
      },
      closed: () => {
        if (gen === generation && client) setStatus('connecting');
      },
    },
  });
  client = c;
  void old?.dispose();
  subscribe(c, gen, TransactionChangedDocument, 'transaction');
  subscribe(c, gen, BudgetAlertsDocument, 'budgetAlert');
  subscribe(c, gen, NotificationAddedDocument, 'notification');
}

function subscribe<TResult>(
  c: Client,
  gen: number,
  document: TypedDocumentString<TResult, Record<string, never>>,
  event: LiveEvent,
): void {
  // The server ends a subscription whose token expired with a result carrying the
  // UNAUTHENTICATED error (a `next` message), then `complete`.
  let lastErrors: unknown = null;
  c.subscribe<TResult>(
    { query: document.toString() },
    {
      next: (result) => {
        if (result.errors?.length) lastErrors = result.errors;
        else emit(event);
      },
      error: (error) => {
        if (gen === generation) ended(error);
      },
      complete: () => {
        if (gen === generation) ended(lastErrors);
      },
    },
  );
}

/** A subscription ended without being asked to: its token expired, the session ended, the
 * server restarted or the network went away. Refresh if needed, then reconnect. */
function ended(error: unknown): void {
  if (restartTimer !== undefined || !client) return; // one restart for all three
  setStatus('offline');
  const usedToken = connectionToken;
  const delay = Math.min(30_000, 1000 * 2 ** failures++);
  restartTimer = setTimeout(async () => {
    restartTimer = undefined;
    if (!client) return;
    const gen = generation;
    try {
      // A refused token: refresh, unless a refresh has already replaced it.
      if (looksUnauthenticated(error) && usedToken === currentAccessToken()) {
        if (!(await refreshAccessToken())) return; // session over: the app signs out and stops us
      }
    } catch {
      // Offline: try the socket again anyway, with backoff.
    }
    // Unless the refresh has reconnected already (see onSessionEvent below).
    if (client && generation === gen) connect(true);
  }, delay);
}

function looksUnauthenticated(error: unknown): boolean {
  const text = JSON.stringify(error, ['message', 'reason', 'extensions', 'code']) ?? String(error);
  return /UNAUTHENTICATED/i.test(text) || (isObject(error) && error['code'] === 4401);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

// A refreshed access token: move the subscriptions onto it before the old one expires.
onSessionEvent((event) => {
  if (event === 'refreshed' && client && connectionToken !== currentAccessToken()) {
    clearTimeout(restartTimer);
    restartTimer = undefined;
    connect(true);
  }
});
