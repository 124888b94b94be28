// Who is signed in, as a small store React reads with useSyncExternalStore.
//
// Sessions are in cookie mode: login and register are sent with `X-Session-Mode: cookie`, so
// the server puts the refresh token into an HttpOnly cookie and answers `refreshToken: null`.
// The access token stays in memory (client.ts). On page load `start()` calls `refreshToken`
// without an argument: the cookie, if there is one, comes back as a fresh access token, which
// is how a reload keeps you signed in without the page ever holding the refresh token.
import type { RegisterInput, SignInMutation, SignOutMutation, SignUpMutation } from '../gql/graphql';
import {
  ApiError,
  clearAccessToken,
  COOKIE_MODE,
  currentAccessToken,
  onSessionEvent,
  post,
  refreshAccessToken,
  request,
  setAccessToken,
  withCookieLock,
} from './client';
import { MeDocument, SignInDocument, SignOutDocument, SignUpDocument } from './operations';

export interface SessionUser {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
}

export type SessionState =
  | { status: 'starting' }
  | { status: 'signedOut'; notice?: string }
  | { status: 'signedIn'; user: SessionUser };

let state: SessionState = { status: 'starting' };
const listeners = new Set<() => void>();

function setState(next: SessionState) {
  state = next;
  for (const l of listeners) l();
}

export const sessionStore = {
  get: (): SessionState => state,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

onSessionEvent((event) => {
  if (event === 'ended' && state.status === 'signedIn') {
    setState({ status: 'signedOut', notice: 'Your session has ended. Please sign in again.' });
  }
});

let starting: Promise<void> | null = null;

/** Restores the session from the refresh cookie, once per page load (React's StrictMode
 * runs effects twice in development; the refresh must not be sent twice). */
export function start(): Promise<void> {
  starting ??= (async () => {
    try {
      if (!(await refreshAccessToken())) {
        setState({ status: 'signedOut' });
        return;
      }
      const { me } = await request(MeDocument);
      setState({ status: 'signedIn', user: me });
    } catch (error) {
      clearAccessToken();
      const notice = error instanceof ApiError && error.code === 'NETWORK_ERROR' ? error.message : undefined;
      setState(notice ? { status: 'signedOut', notice } : { status: 'signedOut' });
    }
  })();
  return starting;
}

// login and register go through `post` rather than `request`: they carry the cookie-mode
// header and no bearer token, and an UNAUTHENTICATED answer (a wrong password) must not
// trigger a refresh.
export async function signIn(email: string, password: string): Promise<void> {
  const { login } = await post<SignInMutation>(
    SignInDocument.toString(),
    { input: { email, password } },
    { headers: COOKIE_MODE },
  );
  setAccessToken(login.accessToken, login.expiresIn);
  setState({ status: 'signedIn', user: login.user });
}

export async function signUp(input: RegisterInput): Promise<void> {
  const { register } = await post<SignUpMutation>(
    SignUpDocument.toString(),
    { input },
    { headers: COOKIE_MODE },
  );
  setAccessToken(register.accessToken, register.expiresIn);
  setState({ status: 'signedIn', user: register.user });
}

/** Ends the session on the server (revokes it and clears the cookie) and forgets the token.
 * Under the same Web Lock as a refresh: if another tab is refreshing, the logout waits for
 * the rotated cookie and sends that one. */
export async function signOut(): Promise<void> {
  try {
    await withCookieLock(() => post<SignOutMutation>(SignOutDocument.toString(), {}, { token: currentAccessToken() }));
  } catch (error) {
    // Signed out here regardless; say why the server did not confirm it.
    console.warn('logout was not confirmed by the server:', error instanceof Error ? error.message : error);
  } finally {
    clearAccessToken();
    setState({ status: 'signedOut' });
  }
}
