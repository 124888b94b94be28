// End-to-end test of the GraphiQL page in real headless Chromium (playwright-core, Debian's
// chromium): a person signs up, opens GraphiQL, pastes a token into the Headers tab, runs a
// query and sees their own data.
//
//   SMARTSAVE_URL=http://127.0.0.1:18090 node graphiql.mjs
//
// Steps: register a fresh user and log in over fetch, create a budget with a unique name, open
// ${SMARTSAVE_URL}/graphql, wait for GraphiQL, open the docs explorer and check it lists the
// Query fields (from the schema GraphiQL introspected), type into the editor and check that
// autocompletion offers a field, then type the query and the Authorization header, click run,
// and assert that the result pane shows the user's email and the budget's name.
// Fails (exit 1) on a wrong result or on any page error, console error, failed request,
// unexpected HTTP status >= 400 or request to another origin (a CDN, a CSP violation).
// Leaves artifacts/graphiql.png (full page), or artifacts/graphiql-failure.png on failure, and
// artifacts/graphiql.json (every request the page made, and any problems seen).
//
// Env: SMARTSAVE_URL (default http://127.0.0.1:18090), CHROMIUM_PATH (default
// /usr/bin/chromium), E2E_BROWSER_TOKEN (negative control: put this token into GraphiQL's
// Headers tab instead of the real one; the test must then fail).

import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, 'artifacts');
const base = (process.env.SMARTSAVE_URL ?? 'http://127.0.0.1:18090').replace(/\/+$/, '');
const origin = new URL(base).origin;
const graphqlUrl = `${base}/graphql`;
const TIMEOUT = 30_000;
const QUERY = '{ me { email } budgets(first: 5) { nodes { name } } }';

// Responses >= 400 that are not a fault: Chromium asks for a favicon the API does not serve.
const EXPECTED_ERROR_RESPONSES = [{ path: '/favicon.ico', status: 404 }];
const isExpected = (url, status) => {
  try {
    const u = new URL(url);
    return (
      u.origin === origin && EXPECTED_ERROR_RESPONSES.some((e) => e.path === u.pathname && e.status === status)
    );
  } catch {
    return false;
  }
};

class TestFailure extends Error {}
const fail = (msg) => {
  throw new TestFailure(msg);
};

async function gql(query, variables, token) {
  const res = await fetch(graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    fail(`API answered HTTP ${res.status} with a non-JSON body: ${text.slice(0, 500)}`);
  }
  if (res.status !== 200 || body.errors) {
    fail(`API call failed (HTTP ${res.status}): ${JSON.stringify(body)}\n  query: ${query}`);
  }
  return body.data;
}

async function setUpUser() {
  const suffix = randomUUID().slice(0, 8);
  const email = `e2e-${suffix}@example.com`;
  const password = `E2e-${randomUUID()}A1`;
  const budgetName = `E2E budget ${suffix}`;

  const reg = await gql(
    'mutation($input: RegisterInput!) { register(input: $input) { accessToken user { email } } }',
    { input: { email, password, firstName: 'End', lastName: 'ToEnd' } },
  );
  if (reg.register.user.email !== email) fail(`register returned ${reg.register.user.email}, not ${email}`);

  const login = await gql('mutation($input: LoginInput!) { login(input: $input) { accessToken } }', {
    input: { email, password },
  });
  const token = login.login.accessToken;
  if (!token) fail('login returned no accessToken');

  const today = new Date();
  const iso = (d) => d.toISOString().slice(0, 10);
  const start = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
  const end = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 0));
  const created = await gql(
    'mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id name } }',
    {
      input: {
        name: budgetName,
        amount: '500.00',
        period: 'MONTHLY',
        startDate: iso(start),
        endDate: iso(end),
        categories: [{ name: 'Groceries', amount: '500.00' }],
      },
    },
    token,
  );
  if (created.createBudget.name !== budgetName) fail(`createBudget returned ${JSON.stringify(created)}`);

  // The same query over plain HTTP, so a browser failure cannot be blamed on the data.
  const direct = await gql(QUERY, undefined, token);
  if (direct.me?.email !== email || !direct.budgets.nodes.some((b) => b.name === budgetName)) {
    fail(`the query over plain HTTP does not show the user's data: ${JSON.stringify(direct)}`);
  }
  return { email, token, budgetName };
}

async function main() {
  await mkdir(artifacts, { recursive: true });
  // No screenshot of an earlier run may pass for this one's.
  await rm(join(artifacts, 'graphiql.png'), { force: true });
  await rm(join(artifacts, 'graphiql-failure.png'), { force: true });
  const started = Date.now();
  const step = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

  step(`API set-up against ${graphqlUrl}`);
  const { email, token, budgetName } = await setUpUser();
  step(`registered ${email}, logged in, created budget "${budgetName}"`);
  const browserToken = process.env.E2E_BROWSER_TOKEN ?? token;
  if (process.env.E2E_BROWSER_TOKEN) step('NEGATIVE CONTROL: GraphiQL gets E2E_BROWSER_TOKEN, not the real token');

  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const problems = [];
  const foreignRequests = [];
  const requests = [];
  const notes = [];
  let page;
  try {
    step(`launched ${executablePath} (Chromium ${browser.version()})`);
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);

    context.on('request', (req) => {
      const url = req.url();
      requests.push(`${req.method()} ${url}`);
      if (/^(data|blob|about):/.test(url)) return;
      let reqOrigin;
      try {
        reqOrigin = new URL(url).origin;
      } catch {
        reqOrigin = url;
      }
      if (reqOrigin !== origin) foreignRequests.push(`${req.method()} ${url}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const loc = msg.location()?.url ?? '';
      // Chromium logs every >= 400 response as a console error; expected ones are not faults.
      if (/Failed to load resource/.test(msg.text()) && EXPECTED_ERROR_RESPONSES.some((e) => loc.endsWith(e.path))) {
        return;
      }
      problems.push(`console error: ${msg.text()}${loc ? ` (at ${loc})` : ''}`);
    });
    page.on('requestfailed', (req) => {
      problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
    });
    page.on('response', (res) => {
      if (res.status() < 400) return;
      if (isExpected(res.url(), res.status())) {
        notes.push(`expected HTTP ${res.status()} for ${res.url()}`);
        return;
      }
      problems.push(`HTTP ${res.status()} for ${res.request().method()} ${res.url()}`);
    });

    step(`opening ${graphqlUrl}`);
    const nav = await page.goto(graphqlUrl, { waitUntil: 'load', timeout: TIMEOUT });
    if (!nav || nav.status() !== 200) fail(`GET ${graphqlUrl} answered HTTP ${nav?.status()}`);
    const contentType = nav.headers()['content-type'] ?? '';
    if (!contentType.includes('text/html')) fail(`GET ${graphqlUrl} is ${contentType}, not the GraphiQL page`);

    await page.waitForSelector('.graphiql-container', { timeout: TIMEOUT });
    await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: TIMEOUT });
    step('GraphiQL rendered');

    // The docs explorer is built from GraphiQL's own introspection query: it lists Query's
    // fields only when the server answered that query in full.
    await page.click('button[aria-label="Show Documentation Explorer"]', { timeout: TIMEOUT });
    await page.click('.graphiql-doc-explorer a.graphiql-doc-explorer-type-name:text-is("Query")', {
      timeout: TIMEOUT,
    });
    await page.waitForSelector('.graphiql-doc-explorer .graphiql-doc-explorer-field-name', { timeout: TIMEOUT });
    const documented = await page.locator('.graphiql-doc-explorer .graphiql-doc-explorer-field-name').allInnerTexts();
    for (const field of ['me', 'budgets', 'transactions', 'dashboard']) {
      if (!documented.includes(field)) fail(`the docs explorer does not list Query.${field}: ${documented.join(', ')}`);
    }
    step(`docs explorer lists ${documented.length} Query fields`);

    // Autocompletion: typing inside `me { }` offers the User fields.
    await page.evaluate(() => {
      const cm = document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror;
      cm.setValue('{ me {  } }');
      cm.setCursor({ line: 0, ch: 7 });
      cm.focus();
    });
    await page.keyboard.type('em');
    const hint = page.locator('.CodeMirror-hints .CodeMirror-hint', { hasText: 'email' });
    await hint.first().waitFor({ state: 'visible', timeout: TIMEOUT });
    step('autocompletion offers User.email');
    await page.keyboard.press('Escape');

    await page.evaluate((q) => {
      document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q);
    }, QUERY);

    await page.click('.graphiql-editor-tools button[data-name="headers"]', { timeout: TIMEOUT });
    const headersEditor =
      'section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden) .CodeMirror';
    await page.waitForSelector(headersEditor, { state: 'visible', timeout: TIMEOUT });
    const headers = JSON.stringify({ Authorization: `Bearer ${browserToken}` }, null, 2);
    await page.evaluate(
      ([sel, value]) => document.querySelector(sel).CodeMirror.setValue(value),
      [headersEditor, headers],
    );
    const typed = await page.evaluate(
      ([q, h]) => ({
        query: document.querySelector(q).CodeMirror.getValue(),
        headers: document.querySelector(h).CodeMirror.getValue(),
      }),
      ['.graphiql-query-editor .CodeMirror', headersEditor],
    );
    if (typed.query !== QUERY) fail(`query editor holds ${JSON.stringify(typed.query)}`);
    if (!typed.headers.includes(browserToken)) fail('headers editor does not hold the token');
    step('query and Authorization header entered');

    const responseEditor = '.graphiql-response .CodeMirror';
    await page.waitForSelector(responseEditor, { timeout: TIMEOUT });
    const executed = page.waitForResponse(
      (res) => res.url().startsWith(graphqlUrl) && res.request().method() === 'POST' &&
        (res.request().postData() ?? '').includes('budgets(first: 5)'),
      { timeout: TIMEOUT },
    );
    await page.click('.graphiql-execute-button', { timeout: TIMEOUT });
    const apiResponse = await executed;
    const sentAuth = await apiResponse.request().headerValue('authorization');
    step(`GraphiQL sent the query: HTTP ${apiResponse.status()}, authorization ${sentAuth ? 'present' : 'MISSING'}`);
    if (sentAuth !== `Bearer ${browserToken}`) fail(`GraphiQL sent authorization ${JSON.stringify(sentAuth)}`);

    // Wait for the result pane to hold a complete JSON result, then judge it, so a wrong
    // answer fails at once with what was shown rather than after a timeout.
    let shown = '';
    try {
      await page.waitForFunction(
        (sel) => {
          const v = document.querySelector(sel)?.CodeMirror?.getValue() ?? '';
          try {
            const r = JSON.parse(v);
            return r && typeof r === 'object' && ('data' in r || 'errors' in r);
          } catch {
            return false;
          }
        },
        responseEditor,
        { timeout: TIMEOUT },
      );
    } finally {
      shown = await page.evaluate((sel) => document.querySelector(sel)?.CodeMirror?.getValue() ?? '', responseEditor);
    }
    const visible = await page.locator('.graphiql-response').innerText();
    step('result pane filled');

    const result = JSON.parse(shown);
    if (!shown.includes(email) || !shown.includes(budgetName)) {
      fail(
        `the result pane does not show the user's email (${email}) and budget (${budgetName}); it shows:\n${shown}`,
      );
    }
    if (result.errors) fail(`the result pane shows errors:\n${shown}`);
    if (result.data?.me?.email !== email) fail(`data.me.email is ${result.data?.me?.email}, not ${email}`);
    if (!result.data.budgets.nodes.some((b) => b.name === budgetName)) {
      fail(`data.budgets has no "${budgetName}": ${JSON.stringify(result.data.budgets)}`);
    }
    if (!visible.includes(email) || !visible.includes(budgetName)) {
      fail(`the result is in the editor but not visible on the page; visible text:\n${visible}`);
    }
    step(`result pane shows ${email} and "${budgetName}"`);

    await page.waitForTimeout(300); // let late console messages arrive before judging them
    await page.screenshot({ path: join(artifacts, 'graphiql.png'), fullPage: true });
    step(`screenshot: ${join(artifacts, 'graphiql.png')}`);

    if (foreignRequests.length) {
      problems.push(...foreignRequests.map((r) => `request to another origin than ${origin}: ${r}`));
    }
    if (problems.length) fail(`the page reported problems:\n  - ${problems.join('\n  - ')}`);
    for (const n of notes) step(`note: ${n}`);
    step(`${requests.length} requests, all to ${origin}`);
    console.log('graphiql: passed');
  } catch (err) {
    if (page) {
      await page
        .screenshot({ path: join(artifacts, 'graphiql-failure.png'), fullPage: true })
        .then(() => console.error(`screenshot of the failure: ${join(artifacts, 'graphiql-failure.png')}`))
        .catch(() => {});
    }
    const listed = err instanceof TestFailure && err.message.includes('the page reported problems');
    if (problems.length && !listed) console.error(`problems seen on the page:\n  - ${problems.join('\n  - ')}`);
    if (foreignRequests.length && !listed) {
      console.error(`requests to other origins:\n  - ${foreignRequests.join('\n  - ')}`);
    }
    throw err;
  } finally {
    await browser.close();
    const log = { url: graphqlUrl, requests, foreignRequests, problems, notes };
    await writeFile(join(artifacts, 'graphiql.json'), `${JSON.stringify(log, null, 2)}\n`).catch(() => {});
  }
}

main().catch((err) => {
  console.error(`graphiql: FAILED: ${err instanceof TestFailure ? err.message : (err?.stack ?? err)}`);
  process.exit(1);
});
