// A small typed client for the SmartSave GraphQL API, built on `fetch` alone (browsers,
// Node 18+, Deno, Bun, workers). The operation documents live in ../operations/*.graphql;
// `npm run codegen` turns them into the result and variables types imported below. This file
// does not read the .graphql files itself: the caller passes their text in `documents`
// (a bundler's raw import or a file read), so the .graphql files stay the only source.

import type {
  DashboardQuery,
  DashboardQueryVariables,
  LoginMutation,
  LoginMutationVariables,
  RefreshSessionMutation,
  RefreshSessionMutationVariables,
  SessionFragment,
  TransactionsPageQuery,
  TransactionsPageQueryVariables,
} from './generated/graphql';

/** `extensions.code` values the server sets; every error carries one. */
export type ServerErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'BAD_REQUEST'
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_ACCEPTABLE';

/** Codes this client adds when there is no GraphQL answer to read one from. */
export type ClientErrorCode = 'NETWORK_ERROR' | 'INVALID_RESPONSE';

/** Known codes, still open to codes a newer server may add. */
export type ErrorCode = ServerErrorCode | ClientErrorCode | (string & {});

/** One invalid input field of a BAD_USER_INPUT error. */
export interface FieldError {
  field: string;
  message: string;
}

/** One entry of a response's `errors`. */
export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  extensions?: {
    code?: string;
    /** BAD_USER_INPUT: every bad field at once. */
    fields?: FieldError[];
    /** RATE_LIMITED: seconds to wait. */
    retryAfter?: number;
    /** INTERNAL_SERVER_ERROR: quote it when reporting the problem. */
    requestId?: string;
    [key: string]: unknown;
  };
}

interface GraphQLResponseBody {
  data?: unknown;
  errors?: GraphQLErrorEntry[];
}

/** Any failed request: GraphQL errors, an HTTP failure without a GraphQL body, or no answer. */
export class GraphQLRequestError extends Error {
  override readonly name = 'GraphQLRequestError';
  /** The first error's `extensions.code`. */
  readonly code: ErrorCode;
  /** The response's `errors` (empty for NETWORK_ERROR and INVALID_RESPONSE). */
  readonly errors: readonly GraphQLErrorEntry[];
  /** The HTTP status; 0 when no response arrived. */
  readonly status: number;
  /** Whatever `data` came back next to the errors (partial results), else null. */
  readonly data: unknown;

  constructor(
    message: string,
    init: { code: ErrorCode; status: number; errors?: readonly GraphQLErrorEntry[]; data?: unknown; cause?: unknown },
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.errors = init.errors ?? [];
    this.data = init.data ?? null;
  }

  /** Whether any of the errors has this code (a response can mix several). */
  has(code: ErrorCode): boolean {
    return this.code === code || this.errors.some((e) => e.extensions?.code === code);
  }

  /** BAD_USER_INPUT details, e.g. [{ field: "input.amount", message: "..." }]. */
  get fields(): FieldError[] {
    return this.errors.flatMap((e) => e.extensions?.fields ?? []);
  }

  /** Seconds to wait before retrying a RATE_LIMITED request. */
  get retryAfter(): number | undefined {
    for (const e of this.errors) {
      if (typeof e.extensions?.retryAfter === 'number') return e.extensions.retryAfter;
    }
    return undefined;
  }

  /** The server's request id of an internal error. */
  get requestId(): string | undefined {
    return this.errors.find((e) => typeof e.extensions?.requestId === 'string')?.extensions?.requestId;
  }
}

export type Variables = Record<string, unknown>;

export interface RequestOptions {
  /** The GraphQL endpoint; absolute outside a browser. Default "/graphql". */
  endpoint?: string;
  /** Which operation of the document to run; required when it has several. */
  operationName?: string;
  /** A mutation with this key runs at most once per user and key (24 h); retries replay it. */
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** A fetch implementation, e.g. one with a proxy or a test double. */
  fetch?: typeof fetch;
}

/**
 * Posts one operation and returns its `data`, typed by the generated types:
 * `graphql<DashboardQuery, DashboardQueryVariables>(text, { month: null }, token)`.
 * Throws GraphQLRequestError when the response has any error or no data.
 */
export async function graphql<TData, TVariables extends Variables = Variables>(
  document: string,
  variables: TVariables,
  token?: string | null,
  options: RequestOptions = {},
): Promise<TData> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    // The GraphQL-over-HTTP media type first: request errors then come back as HTTP 4xx.
    Accept: 'application/graphql-response+json, application/json',
  };
  if (token) headers['Authorization'] = `Bearer ${token}`;
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;

  const doFetch = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(options.endpoint ?? '/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: document, operationName: options.operationName, variables }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (cause) {
    if (options.signal?.aborted) throw cause; // the caller's own abort, not a failure
    throw new GraphQLRequestError('The GraphQL endpoint could not be reached', {
      code: 'NETWORK_ERROR',
      status: 0,
      cause,
    });
  }

  const body = await readBody(response);
  if (!body) {
    // A proxy's error page, an empty 502, ...: nothing GraphQL to read.
    throw new GraphQLRequestError(`Unexpected HTTP ${response.status} response without a GraphQL body`, {
      code: 'INVALID_RESPONSE',
      status: response.status,
    });
  }
  const errors = body.errors ?? [];
  const first = errors[0];
  if (first) {
    const code = first.extensions?.code ?? 'INVALID_RESPONSE';
    throw new GraphQLRequestError(first.message, { code, status: response.status, errors, data: body.data });
  }
  if (body.data === undefined || body.data === null) {
    throw new GraphQLRequestError('The response has neither data nor errors', {
      code: 'INVALID_RESPONSE',
      status: response.status,
    });
  }
  return body.data as TData;
}

async function readBody(response: Response): Promise<GraphQLResponseBody | null> {
  if (!/json/i.test(response.headers.get('Content-Type') ?? '')) return null;
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const body = json as { data?: unknown; errors?: unknown };
  if (body.errors !== undefined && !Array.isArray(body.errors)) return null;
  return body as GraphQLResponseBody;
}

// ---------------------------------------------------------------------------------------------
// A signed-in client: keeps the session, refreshes it, and wraps the example operations.

/** The text of each operation in ../operations, keyed by operation name. */
export interface OperationDocuments {
  /** operations/login.graphql (it also holds RefreshSession and the Session fragment). */
  Login: string;
  /** operations/login.graphql again: the document may hold several operations. */
  RefreshSession: string;
  /** operations/dashboard.graphql */
  Dashboard: string;
  /** operations/transactions.graphql */
  TransactionsPage: string;
}

export interface Session {
  accessToken: string;
  /** Single use: every refresh returns the next one, and a reused one ends the session. */
  refreshToken: string;
  /** When the access token expires, in ms since the epoch. */
  expiresAt: number;
  user: SessionFragment['user'];
}

/** Where the session lives between calls (memory by default). */
export interface SessionStore {
  load(): Session | null;
  save(session: Session | null): void;
}

export function memorySessionStore(initial: Session | null = null): SessionStore {
  let session = initial;
  return {
    load: () => session,
    save: (next) => {
      session = next;
    },
  };
}

export interface ClientOptions extends Pick<RequestOptions, 'endpoint' | 'fetch'> {
  documents: OperationDocuments;
  store?: SessionStore;
  /** Called when the session cannot be refreshed any more (sign the user out). */
  onSessionEnded?: () => void;
}

export type TransactionsPage = TransactionsPageQuery['transactions'];
export type TransactionRow = TransactionsPage['nodes'][number];

/** Refresh this long before the access token expires, to allow for clock skew and latency. */
const EXPIRY_MARGIN_MS = 30_000;

function toSession(payload: SessionFragment): Session {
  // Null only in cookie mode (`X-Session-Mode: cookie`, for browsers), which this client
  // never asks for: it keeps the refresh token itself.
  if (!payload.refreshToken) {
    throw new Error('the server sent no refresh token: this client needs bearer mode (no X-Session-Mode header)');
  }
  return {
    accessToken: payload.accessToken,
    refreshToken: payload.refreshToken,
    expiresAt: Date.now() + payload.expiresIn * 1000,
    user: payload.user,
  };
}

export function createSmartSaveClient(options: ClientOptions) {
  const { documents } = options;
  const store = options.store ?? memorySessionStore();
  const base = {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  let refreshing: Promise<Session | null> | null = null;

  async function runRefresh(): Promise<Session | null> {
    const current = store.load();
    if (!current) return null;
    try {
      const data = await graphql<RefreshSessionMutation, RefreshSessionMutationVariables>(
        documents.RefreshSession,
        { refreshToken: current.refreshToken },
        null,
        { ...base, operationName: 'RefreshSession' },
      );
      const next = toSession(data.refreshToken);
      store.save(next);
      return next;
    } catch (error) {
      if (error instanceof GraphQLRequestError && error.has('UNAUTHENTICATED')) {
        // Expired, revoked or already spent: the session is over.
        store.save(null);
        options.onSessionEnded?.();
        return null;
      }
      throw error;
    }
  }

  /**
   * A fresh session after `staleToken` failed or expired. Concurrent callers share one refresh
   * call: the refresh token is single use, and presenting it twice would end the session.
   */
  function refresh(staleToken: string): Promise<Session | null> {
    const current = store.load();
    if (current && current.accessToken !== staleToken) return Promise.resolve(current); // done meanwhile
    refreshing ??= runRefresh().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  /**
   * Runs an operation as the signed-in user. On UNAUTHENTICATED it refreshes the session once
   * and retries once; authentication is checked before a resolver runs, so a refused mutation
   * has done nothing and the retry is safe.
   */
  async function request<TData, TVariables extends Variables = Variables>(
    document: string,
    variables: TVariables,
    requestOptions: Omit<RequestOptions, 'endpoint' | 'fetch'> = {},
  ): Promise<TData> {
    let session = store.load();
    if (session && session.expiresAt - EXPIRY_MARGIN_MS <= Date.now()) {
      session = await refresh(session.accessToken);
    }
    const token = session?.accessToken ?? null;
    try {
      return await graphql<TData, TVariables>(document, variables, token, { ...base, ...requestOptions });
    } catch (error) {
      if (!token || !(error instanceof GraphQLRequestError) || !error.has('UNAUTHENTICATED')) throw error;
      const next = await refresh(token);
      if (!next) throw error;
      return graphql<TData, TVariables>(document, variables, next.accessToken, { ...base, ...requestOptions });
    }
  }

  /** One page of transactions; pass `after: page.pageInfo.endCursor` for the next. */
  async function transactionsPage(variables: TransactionsPageQueryVariables = {}): Promise<TransactionsPage> {
    const data = await request<TransactionsPageQuery, TransactionsPageQueryVariables>(
      documents.TransactionsPage,
      variables,
      { operationName: 'TransactionsPage' },
    );
    return data.transactions;
  }

  return {
    request,
    transactionsPage,

    /** The current session, or null when signed out. */
    session: (): Session | null => store.load(),

    /** Signs in; wrong credentials are UNAUTHENTICATED, too many attempts RATE_LIMITED. */
    async login(input: LoginMutationVariables['input']): Promise<Session> {
      const data = await graphql<LoginMutation, LoginMutationVariables>(documents.Login, { input }, null, {
        ...base,
        operationName: 'Login',
      });
      const session = toSession(data.login);
      store.save(session);
      return session;
    },

    /** Forgets the session locally (the schema's `logout` also ends it on the server). */
    forget(): void {
      store.save(null);
    },

    /** The month at a glance: overview, insights, budgets with categories, goals. */
    dashboard(variables: DashboardQueryVariables = {}): Promise<DashboardQuery> {
      return request<DashboardQuery, DashboardQueryVariables>(documents.Dashboard, variables, {
        operationName: 'Dashboard',
      });
    },

    /** Every transaction matching the filter, page after page. */
    async *allTransactions(
      variables: Omit<TransactionsPageQueryVariables, 'after'> = {},
    ): AsyncGenerator<TransactionRow, void, undefined> {
      let after: string | null = null;
      do {
        const page: TransactionsPage = await transactionsPage({ ...variables, after });
        yield* page.nodes;
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after !== null);
    },
  };
}

export type SmartSaveClient = ReturnType<typeof createSmartSaveClient>;
