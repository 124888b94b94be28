// The whole HTTP client: `request(document, variables)` posts a typed document to /graphql
// with plain fetch, the access token as a bearer token. The access token lives in this
// module's memory only (never localStorage or sessionStorage, where any injected script could
// read it); the refresh token is an HttpOnly cookie the page cannot read at all (cookie
// mode, see RefreshSessionDocument in operations.ts). On UNAUTHENTICATED the client refreshes
// once and retries.
import type { RefreshSessionMutation, TypedDocumentString } from '../gql/graphql';
import { RefreshSessionDocument } from './operations';

/** One entry of a response's `errors`. */
export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: {
    code?: string;
    /** BAD_USER_INPUT: every bad field, e.g. { field: "input.amount", message: "..." }. */
    fields?: Array<{ field: string; message: string }>;
    retryAfter?: number;
    requestId?: string;
    [key: string]: unknown;
  };
}

/** Any failed request. `code` is the first error's `extensions.code`, or NETWORK_ERROR /
 * INVALID_RESPONSE when no GraphQL answer arrived. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly errors: readonly GraphQLErrorEntry[] = [],
  ) {
    super(message);
  }

  has(code: string): boolean {
    return this.code === code || this.errors.some((e) => e.extensions?.code === code);
  }

  /** A 401, or an UNAUTHENTICATED error (the server answers those with HTTP 200). */
  get unauthenticated(): boolean {
    return this.status === 401 || this.has('UNAUTHENTICATED');
  }

  /** BAD_USER_INPUT details, keyed by the input field ("input.amount" -> "amount"). */
  get fields(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.errors) {
      for (const f of e.extensions?.fields ?? []) out[f.field.replace(/^input\./, '')] = f.message;
    }
    return out;
  }
}

export const GRAPHQL_ENDPOINT = '/graphql';
const ACCEPT = 'application/graphql-response+json, application/json';

// ---------------------------------------------------------------------------------------------
// The access token, in memory only.

let accessToken: string | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;

export type SessionEvent = 'refreshed' | 'ended';
const sessionListeners = new Set<(event: SessionEvent) => void>();

/** Called with 'refreshed' after every new access token from a refresh, and with 'ended'
 * when a refresh is refused (the session is over: revoked, expired, signed out elsewhere). */
export function onSessionEvent(listener: (event: SessionEvent) => void): () => void {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

function emit(event: SessionEvent) {
  for (const l of sessionListeners) l(event);
}

export function currentAccessToken(): string | null {
  return accessToken;
}

/** Keeps a new access token and schedules its refresh shortly before `expiresIn` runs out. */
export function setAccessToken(token: string, expiresIn: number): void {
  accessToken = token;
  clearTimeout(refreshTimer);
  // A minute early (half the lifetime for short-lived tokens), so requests never race expiry.
  const seconds = Math.max(expiresIn / 2, expiresIn - 60);
  refreshTimer = setTimeout(() => {
    refreshAccessToken().catch(() => {
      // Offline: the next request's UNAUTHENTICATED answer triggers another refresh.
    });
  }, seconds * 1000);
}

export function clearAccessToken(): void {
  accessToken = null;
  clearTimeout(refreshTimer);
  refreshTimer = undefined;
}

// ---------------------------------------------------------------------------------------------
// One POST.

interface PostOptions {
  token?: string | null;
  headers?: Record<string, string>;
}

interface GraphQLBody {
  data?: unknown;
  errors?: GraphQLErrorEntry[];
}

/** Posts `{ query, variables }` and returns `data`, or throws ApiError. */
export async function post<TResult>(
  query: string,
  variables: unknown,
  options: PostOptions = {},
): Promise<TResult> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: ACCEPT,
    ...options.headers,
  };
  if (options.token) headers['Authorization'] = `Bearer ${options.token}`;
  return send<TResult>({
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables: variables ?? {} }),
  });
}

/** Sends one request to the endpoint (JSON or multipart) and reads the GraphQL answer. */
export async function send<TResult>(init: RequestInit): Promise<TResult> {
  let response: Response;
  try {
    // same-origin: the refresh cookie goes with it (the API is proxied onto this origin).
    response = await fetch(GRAPHQL_ENDPOINT, { ...init, credentials: 'same-origin' });
  } catch (cause) {
    throw new ApiError(`The API could not be reached (${String(cause)})`, 'NETWORK_ERROR', 0);
  }
  let body: GraphQLBody | null = null;
  if (/json/i.test(response.headers.get('Content-Type') ?? '')) {
    try {
      body = (await response.json()) as GraphQLBody;
    } catch {
      body = null;
    }
  }
  if (!body || typeof body !== 'object') {
    throw new ApiError(`HTTP ${response.status} without a GraphQL answer`, 'INVALID_RESPONSE', response.status);
  }
  const errors = Array.isArray(body.errors) ? body.errors : [];
  const first = errors[0];
  if (first) {
    throw new ApiError(first.message, first.extensions?.code ?? 'INVALID_RESPONSE', response.status, errors);
  }
  if (response.status === 401) throw new ApiError('Unauthorized', 'UNAUTHENTICATED', 401);
  if (body.data === undefined || body.data === null) {
    throw new ApiError('The response has neither data nor errors', 'INVALID_RESPONSE', response.status);
  }
  return body.data as TResult;
}

// ---------------------------------------------------------------------------------------------
// Refresh: one call at a time, in this tab and across tabs.

/** Asks the server for cookie mode: the refresh token stays in the HttpOnly cookie. */
export const COOKIE_MODE = { 'X-Session-Mode': 'cookie' } as const;

/** The Web Lock every tab of this origin takes around a request that spends the cookie. */
const COOKIE_LOCK = 'smartsave-refresh';

/**
 * Runs `task` while holding the `smartsave-refresh` Web Lock, so that of all the tabs of this
 * origin only one at a time sends the refresh cookie. The cookie's refresh token is single
 * use and rotated by every refresh: two tabs refreshing at the same moment would both send
 * the same token, the server would take the second for a stolen, replayed one and revoke the
 * whole session. With the lock, the second tab's request goes out only after the first
 * tab's response has arrived, i.e. after its `Set-Cookie` put the rotated token into the
 * browser's cookie jar, which the second request then carries. The lock is released when
 * `task` settles, and by the browser when a tab closes or crashes.
 *
 * Without the Web Locks API (browsers before 2022, or a page that is not a secure context:
 * `navigator.locks` exists only on https and on http://localhost) it runs `task` unguarded,
 * which is the old behaviour: within one tab calls are still shared (refreshAccessToken).
 */
export function withCookieLock<T>(task: () => Promise<T>): Promise<T> {
  const locks: LockManager | undefined = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (!locks) return task();
  return locks.request(COOKIE_LOCK, () => task());
}

let refreshing: Promise<boolean> | null = null;

/**
 * Exchanges the refresh cookie for a new access token (and a rotated cookie). Resolves true
 * when signed in, false when there is no session (no cookie, or it was refused: then
 * 'ended' is emitted if there was a session). Throws ApiError NETWORK_ERROR when offline.
 *
 * Every caller in this tab shares one call, and the call holds a Web Lock shared with the
 * other tabs (withCookieLock): the cookie's refresh token is single use, and presenting a
 * spent one makes the server revoke the whole session (theft detection).
 */
export function refreshAccessToken(): Promise<boolean> {
  refreshing ??= runRefresh().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function runRefresh(): Promise<boolean> {
  const hadSession = accessToken !== null;
  try {
    const data = await withCookieLock(() =>
      post<RefreshSessionMutation>(RefreshSessionDocument.toString(), {}, { headers: COOKIE_MODE }),
    );
    setAccessToken(data.refreshToken.accessToken, data.refreshToken.expiresIn);
    emit('refreshed');
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'NETWORK_ERROR') throw error;
    // UNAUTHENTICATED (no cookie, expired, revoked) or any other refusal: not signed in.
    clearAccessToken();
    if (hadSession) emit('ended');
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The typed request.

/**
 * Runs a document as the signed-in user, typed by codegen:
 * `const data = await request(DashboardDocument, { month, from, to })`.
 */
export function request<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
): Promise<TResult> {
  return execute(document, variables);
}

/** `request` with the variables as a plain argument (for generic callers such as useQuery). */
export function execute<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables | undefined,
): Promise<TResult> {
  const query = document.toString();
  return withSession((token) => post<TResult>(query, variables, { token }));
}

/**
 * Runs `call` with the current access token. On UNAUTHENTICATED (a token that expired
 * meanwhile, or a 401) it refreshes once and retries once; authentication is checked before
 * any resolver runs, so a refused mutation did nothing and the retry is safe.
 */
async function withSession<T>(call: (token: string | null) => Promise<T>): Promise<T> {
  const token = accessToken;
  try {
    return await call(token);
  } catch (error) {
    if (!(error instanceof ApiError) || !error.unauthenticated) throw error;
    // Another request may have refreshed meanwhile; otherwise refresh now.
    if (accessToken === token && !(await refreshAccessToken())) throw error;
    if (!accessToken) throw error;
    return call(accessToken);
  }
}

/**
 * Runs a mutation with files, by the GraphQL multipart request spec: `operations` (the
 * document and variables, each file's variable null), `map` (which part fills which
 * variable) and one part per file. `files` maps a variable path ("input.file") to its file.
 * Multipart needs the `GraphQL-Require-Preflight` header: the server refuses multipart
 * without it, because a plain HTML form on any site could post multipart (CSRF), and a
 * custom header is something a form cannot send.
 */
export function upload<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  files: Record<string, File | Blob>,
): Promise<TResult> {
  const query = document.toString();
  return withSession((token) => {
    const form = new FormData();
    const entries = Object.entries(files);
    form.append('operations', JSON.stringify({ query, variables }));
    form.append('map', JSON.stringify(Object.fromEntries(entries.map(([path], i) => [String(i), [`variables.${path}`]]))));
    entries.forEach(([, file], i) => form.append(String(i), file, file instanceof File ? file.name : `file-${i}`));
    const headers: Record<string, string> = { Accept: ACCEPT, 'GraphQL-Require-Preflight': '1' };
    if (token) headers['Authorization'] = `Bearer ${token}`;
    // No Content-Type: the browser sets multipart/form-data with its boundary.
    return send<TResult>({ method: 'POST', headers, body: form });
  });
}
