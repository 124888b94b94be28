// GraphQL-over-HTTP conformance audit of the SmartSave server, with graphql-http's own audit
// suite (the one its maintainers run against every server implementation).
//
//   SMARTSAVE_URL=http://127.0.0.1:18090 node audit.mjs
//
// Prints every audit (id, name, status, reason), writes artifacts/audit.json (each result with
// the HTTP exchanges it made: request, response status, headers and body) and exits 1 when any
// MUST audit fails. SHOULD failures (status "warn") and MAY failures (status "notice") are
// listed but do not fail the run. Exit 2 means the audit itself could not run.
//
// graphql-http exports this as `auditServer` (and the list as `serverAudits`). We run the list
// one audit at a time instead of `auditServer`'s Promise.all, so each HTTP exchange can be
// attributed to its audit and a fatal error in one audit does not hide the others.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverAudits } from 'graphql-http';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, 'artifacts');
const base = (process.env.SMARTSAVE_URL ?? 'http://127.0.0.1:18090').replace(/\/+$/, '');
const url = `${base}/graphql`;

const MAX_BODY = 4096;

// The audit being run and the exchanges it made.
let exchanges = [];

/** fetch that records each request and a copy of its response for the report. */
async function recordingFetch(input, init = {}) {
  const request = {
    method: init.method ?? 'GET',
    url: String(input),
    headers: init.headers ?? {},
    body: init.body === undefined ? undefined : String(init.body),
  };
  const res = await fetch(input, init);
  const text = await res.clone().text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    if (text.length > MAX_BODY) body = `${text.slice(0, MAX_BODY)}... (${text.length} chars)`;
  }
  exchanges.push({
    request,
    response: {
      status: res.status,
      headers: Object.fromEntries(res.headers.entries()),
      body,
    },
  });
  return res;
}

async function main() {
  // Fail fast and clearly when nothing listens there.
  try {
    await fetch(`${base}/health`);
  } catch (err) {
    console.error(`audit: cannot reach ${base}/health: ${err.cause?.message ?? err.message}`);
    process.exit(2);
  }

  console.log(`graphql-http server audit of ${url}\n`);
  const results = [];
  for (const { id, name, fn } of serverAudits({ url, fetchFn: recordingFetch })) {
    exchanges = [];
    let result;
    try {
      result = await fn();
    } catch (err) {
      // graphql-http throws only when the audit could not be carried out at all.
      result = { id, name, status: 'fatal', reason: `audit could not run: ${err?.stack ?? err}` };
    }
    const entry = {
      id: result.id,
      name: result.name,
      status: result.status,
      ...(result.reason === undefined ? {} : { reason: result.reason }),
      exchanges,
    };
    results.push(entry);
    const mark = { ok: 'ok    ', warn: 'WARN  ', notice: 'notice', error: 'ERROR ', fatal: 'FATAL ' }[
      entry.status
    ];
    console.log(`${mark} ${entry.id} ${entry.name}${entry.reason ? `\n         -> ${entry.reason}` : ''}`);
  }

  const level = (r) => r.name.split(' ')[0];
  const failed = results.filter((r) => r.status !== 'ok');
  const mustFailures = failed.filter((r) => level(r) === 'MUST' || r.status === 'error');
  const shouldFailures = failed.filter((r) => !mustFailures.includes(r) && level(r) === 'SHOULD');
  const mayFailures = failed.filter(
    (r) => !mustFailures.includes(r) && !shouldFailures.includes(r) && r.status !== 'fatal',
  );
  const fatal = results.filter((r) => r.status === 'fatal');

  const summary = {
    url,
    at: new Date().toISOString(),
    total: results.length,
    ok: results.length - failed.length,
    mustFailures: mustFailures.length,
    shouldFailures: shouldFailures.length,
    mayFailures: mayFailures.length,
    fatal: fatal.length,
  };
  await mkdir(artifacts, { recursive: true });
  await writeFile(join(artifacts, 'audit.json'), `${JSON.stringify({ summary, results }, null, 2)}\n`);

  const list = (title, items) => {
    if (items.length === 0) return;
    console.log(`\n${title} (${items.length}):`);
    for (const r of items) {
      const last = r.exchanges.at(-1)?.response;
      const got = last ? ` [HTTP ${last.status}, content-type ${last.headers['content-type'] ?? '-'}]` : '';
      console.log(`  - ${r.id} ${r.name}: ${r.reason}${got}`);
    }
  };
  list('MUST failures', mustFailures);
  list('SHOULD failures (not fatal to the run)', shouldFailures);
  list('MAY failures (informational)', mayFailures);
  list('Audits that could not run', fatal);

  console.log(
    `\naudit: ${summary.ok}/${summary.total} ok, ${summary.mustFailures} MUST, ` +
      `${summary.shouldFailures} SHOULD, ${summary.mayFailures} MAY failures; ` +
      `details in ${join(artifacts, 'audit.json')}`,
  );
  if (fatal.length > 0) {
    console.error('audit: FAILED (some audits could not run)');
    process.exit(2);
  }
  if (mustFailures.length > 0) {
    console.error(`audit: FAILED (${mustFailures.length} MUST requirement(s) not met)`);
    process.exit(1);
  }
  console.log('audit: passed (every MUST requirement met)');
}

main().catch((err) => {
  console.error(`audit: crashed: ${err?.stack ?? err}`);
  process.exit(2);
});
