// Apollo Client's persisted-query link against the real server: the link sends a query's
// SHA-256 alone (over GET, as `useGETForHashedQueries` asks), the server answers
// PERSISTED_QUERY_NOT_FOUND the first time, the link resends with the document, and from
// then on the hash alone runs it, also for a second client that never sent the document.
//
//   SMARTSAVE_URL=http://127.0.0.1:18090 node apollo.mjs
//
// Fails (exit 1) when the exchange differs from that, or the data is not the caller's.

import { createHash, randomUUID } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';

const base = (process.env.SMARTSAVE_URL ?? 'http://127.0.0.1:18090').replace(/\/+$/, '');
const uri = `${base}/graphql`;
const sha256 = (text) => createHash('sha256').update(text).digest('hex');

class TestFailure extends Error {}
const fail = (msg) => {
  throw new TestFailure(msg);
};

async function signUp() {
  const email = `apollo-${randomUUID().slice(0, 8)}@example.com`;
  const res = await fetch(uri, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($input: RegisterInput!) { register(input: $input) { accessToken } }',
      variables: { input: { email, password: `Apollo-${randomUUID()}A1`, firstName: 'A', lastName: 'P' } },
    }),
  });
  const body = await res.json();
  const token = body.data?.register?.accessToken;
  if (!token) fail(`register failed: ${JSON.stringify(body)}`);
  return { email, token };
}

/// A client whose every HTTP exchange is recorded.
function client(token, exchanges) {
  const recordingFetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input.url);
    const res = await fetch(input, init);
    const body = await res.clone().json();
    const sent = init?.body ? JSON.parse(init.body) : Object.fromEntries(url.searchParams);
    exchanges.push({
      method: init?.method ?? 'GET',
      sentQuery: typeof sent.query === 'string' && sent.query.length > 0,
      status: res.status,
      code: body.errors?.[0]?.extensions?.code ?? null,
    });
    return res;
  };
  const http = new HttpLink({ uri, fetch: recordingFetch, headers: { authorization: `Bearer ${token}` } });
  const persisted = new PersistedQueryLink({ sha256, useGETForHashedQueries: true });
  return new ApolloClient({ link: persisted.concat(http), cache: new InMemoryCache() });
}

async function main() {
  const { email, token } = await signUp();
  const ME = gql`
    query ApolloMe {
      me {
        id
        email
      }
    }
  `;

  const first = [];
  const a = await client(token, first).query({ query: ME, fetchPolicy: 'network-only' });
  if (a.data?.me?.email !== email) fail(`first client got ${JSON.stringify(a)}`);
  const expected = [
    { method: 'GET', sentQuery: false, code: 'PERSISTED_QUERY_NOT_FOUND' },
    { method: 'POST', sentQuery: true, code: null },
  ];
  const shape = (xs) => xs.map(({ method, sentQuery, code }) => ({ method, sentQuery, code }));
  if (JSON.stringify(shape(first)) !== JSON.stringify(expected)) {
    fail(`first client's exchanges: ${JSON.stringify(first)}, expected ${JSON.stringify(expected)}`);
  }
  console.log(`first client: hash alone (not found), then the document: ${JSON.stringify(first)}`);

  const second = [];
  const b = await client(token, second).query({ query: ME, fetchPolicy: 'network-only' });
  if (b.data?.me?.email !== email) fail(`second client got ${JSON.stringify(b)}`);
  if (JSON.stringify(shape(second)) !== JSON.stringify([{ method: 'GET', sentQuery: false, code: null }])) {
    fail(`second client's exchanges: ${JSON.stringify(second)}, expected the hash alone over GET`);
  }
  console.log(`second client: the hash alone over GET: ${JSON.stringify(second)}`);
  console.log('apollo: passed');
}

main().catch((err) => {
  console.error(`apollo: FAILED: ${err instanceof TestFailure ? err.message : (err?.stack ?? err)}`);
  process.exit(1);
});
