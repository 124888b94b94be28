// End-to-end test of the example single-page app (examples/web: Vite, React, TypeScript) in
// real headless Chromium (playwright-core, Debian's chromium), against a real SmartSave server
// behind `vite preview`'s proxy, so the app, /graphql and /graphql/ws share one origin.
//
//   SPA_URL=http://localhost:4173 node spa.mjs
//
// Steps: sign up through the form (a fresh user; registration opens the default account the
// transactions go to); create a budget with a category through the form; add an expense in
// that category through the transaction form and edit it; then, with the dashboard open, a
// second session (a login over plain HTTP, as a phone would be) adds a savings goal, a
// scheduled income and another expense, and the budget's bar must move without a page
// reload, carried by the graphql-ws subscription (the page's WebSocket must receive the
// transactionChanged event); the goal and the income show too; the budget alert shows up as an
// unread notification, which is marked read; two bank statements are uploaded (multipart) and
// show new and duplicate entries; 25 more transactions page in with "More"; a reload keeps
// the session (refresh cookie, HttpOnly, Secure, SameSite=Strict, Path=/graphql, never in web
// storage); a second tab: while it holds the "smartsave-refresh" Web Lock a reload sends no
// refresh, and when both tabs reload at once both stay signed in, the second refresh carrying
// the cookie the first one rotated; sign-out clears the cookie and shows the sign-in form, and
// a reload stays signed out; signing in through the form brings the data back.
//
// The cookie checks need the server's cookie sessions (`X-Session-Mode: cookie`,
// `refreshToken` and `logout` without an argument). They are reported separately at the end,
// so a server without them fails only those checks, named as such.
//
// Fails (exit 1) on a wrong screen or figure, an uncaught page error, a console error, a failed
// request, an HTTP status >= 400 other than the expected ones (the session probe of a
// signed-out page), or a request to another origin; prints the page's console on failure.
// Leaves artifacts/spa-dashboard.png (dashboard with data, after the live update),
// artifacts/spa-reload.png, artifacts/spa-signed-out.png (or spa-failure.png), and
// artifacts/spa.json (requests, console, WebSocket frames, problems).
//
// Env: SPA_URL (default http://localhost:4173; use localhost, not 127.0.0.1: Chromium keeps a
// Secure cookie on http only for localhost), CHROMIUM_PATH (default /usr/bin/chromium),
// SPA_TIMEOUT_MS (default 60000, per wait).

import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, 'artifacts');
const base = (process.env.SPA_URL ?? 'http://localhost:4173').replace(/\/+$/, '');
const origin = new URL(base).origin;
const wsOrigin = origin.replace(/^http/, 'ws');
const graphqlUrl = `${base}/graphql`;
const TIMEOUT = Number(process.env.SPA_TIMEOUT_MS ?? 60_000);
const COOKIE = 'smartsave_refresh';

class TestFailure extends Error {}
const fail = (msg) => {
  throw new TestFailure(msg);
};

const started = Date.now();
const step = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

// --- the second session: plain HTTP through the same proxy ---------------------------------

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

// --- helpers ---------------------------------------------------------------------------------

const iso = (d) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** The operation a request to /graphql ran (Chromium does not show a body with a file). */
function operationName(req) {
  if ((req.headers()['content-type'] ?? '').startsWith('multipart/')) return '(multipart upload)';
  let query = '';
  try {
    query = JSON.parse(req.postData() ?? '').query ?? '';
  } catch {
    return '(unreadable)';
  }
  return /\b(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? '(anonymous)';
}

/** An OFX 2.x bank statement with the given entries ({ fitid, date: Date, amount, name }). */
function ofx(currency, entries) {
  const day = (d) => iso(d).replaceAll('-', '');
  const trn = entries
    .map(
      (e) => `          <STMTTRN>
            <TRNTYPE>${e.amount.startsWith('-') ? 'DEBIT' : 'CREDIT'}</TRNTYPE>
            <DTPOSTED>${day(e.date)}</DTPOSTED>
            <TRNAMT>${e.amount}</TRNAMT>
            <FITID>${e.fitid}</FITID>
            <NAME>${e.name}</NAME>
          </STMTTRN>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX>
  <SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS><DTSERVER>${day(new Date())}</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>
  <BANKMSGSRSV1>
    <STMTTRNRS>
      <TRNUID>1</TRNUID>
      <STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
      <STMTRS>
        <CURDEF>${currency}</CURDEF>
        <BANKACCTFROM><BANKID>121000248</BANKID><ACCTID>000123456789</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>
        <BANKTRANLIST>
          <DTSTART>${day(entries[0].date)}</DTSTART>
          <DTEND>${day(entries[entries.length - 1].date)}</DTEND>
${trn}
        </BANKTRANLIST>
      </STMTRS>
    </STMTTRNRS>
  </BANKMSGSRSV1>
</OFX>
`;
}

async function main() {
  await mkdir(artifacts, { recursive: true });
  for (const f of ['spa-dashboard.png', 'spa-reload.png', 'spa-signed-out.png', 'spa-failure.png', 'spa.json']) {
    await rm(join(artifacts, f), { force: true });
  }

  const suffix = randomUUID().slice(0, 8);
  const email = `spa-${suffix}@example.com`;
  const password = `Spa-${randomUUID()}A1`;
  const budgetName = `E2E budget ${suffix}`;
  const categoryName = `Groceries ${suffix}`;

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

  const problems = []; // fail the test
  const sessionFailures = []; // checks that need the server's cookie sessions
  /** A response body for a message, with the tokens in it redacted. */
  const redact = (text) => String(text).replace(/"(accessToken|refreshToken)":"[^"]+"/g, '"$1":"<redacted>"');
  const consoleLog = [];
  const requests = [];
  const foreignRequests = [];
  const expectedErrors = [];
  const wsFrames = [];
  const graphqlExchanges = [];
  let page;

  try {
    step(`launched ${executablePath} (Chromium ${browser.version()}), SPA at ${base}`);
    const context = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
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
      if (reqOrigin !== origin && reqOrigin !== wsOrigin) foreignRequests.push(`${req.method()} ${url}`);
    });
    /** Judges one tab: its errors, failed requests, GraphQL exchanges and WebSocket frames. */
    const watch = (p) => {
      p.on('pageerror', (err) => problems.push(`page error: ${err.stack ?? err.message}`));
      p.on('console', (msg) => {
        const loc = msg.location()?.url ?? '';
        const line = `[${msg.type()}] ${msg.text()}${loc ? ` (at ${loc})` : ''}`;
        consoleLog.push(line);
        if (msg.type() !== 'error') return;
        // Chromium logs every >= 400 response as "Failed to load resource"; those responses are
        // judged one by one below (by operation), so the console line is not judged twice.
        if (/Failed to load resource/.test(msg.text()) && loc.startsWith(graphqlUrl)) return;
        problems.push(`console error: ${msg.text()}${loc ? ` (at ${loc})` : ''}`);
      });
      p.on('requestfailed', (req) => {
        // Leaving a page aborts its pending requests (and the WebSocket); not a fault.
        if (req.failure()?.errorText === 'net::ERR_ABORTED') return;
        problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
      });
      p.on('response', async (res) => {
        const req = res.request();
        if (!res.url().startsWith(graphqlUrl) || req.method() !== 'POST') {
          if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${req.method()} ${res.url()}`);
          return;
        }
        const op = operationName(req);
        let body = '';
        try {
          body = await res.text();
        } catch {
          body = '(unreadable)';
        }
        const headers = await req.allHeaders().catch(() => ({}));
        const setCookie = (await res.headerValue('set-cookie').catch(() => null)) ?? null;
        graphqlExchanges.push({
          op,
          status: res.status(),
          sessionMode: headers['x-session-mode'] ?? null,
          setCookie: setCookie ? setCookie.replace(/=[^;]*/, '=<redacted>') : null,
          body: body.replace(/"(accessToken|refreshToken)":"[^"]+"/g, '"$1":"<redacted>"').slice(0, 400),
        });
        // The session probe of a page load answers "no session" when there is no cookie, and
        // may do so with a 4xx; so may logout against a server without cookie sessions.
        if (res.status() >= 400) {
          if (op === 'RefreshSession' || op === 'SignOut') expectedErrors.push(`HTTP ${res.status()} for ${op}`);
          else problems.push(`HTTP ${res.status()} for ${op}: ${body.slice(0, 300)}`);
        }
      });
      p.on('websocket', (ws) => {
        wsFrames.push({ at: Date.now() - started, url: ws.url(), dir: 'open' });
        ws.on('framesent', ({ payload }) =>
          wsFrames.push({ at: Date.now() - started, dir: 'sent', payload: String(payload).replace(/Bearer [^"]+/, 'Bearer <redacted>') }),
        );
        ws.on('framereceived', ({ payload }) => wsFrames.push({ at: Date.now() - started, dir: 'received', payload: String(payload) }));
        ws.on('close', () => wsFrames.push({ at: Date.now() - started, dir: 'close' }));
        ws.on('socketerror', (err) => problems.push(`WebSocket error on ${ws.url()}: ${err}`));
      });
    };
    watch(page);

    const tid = (id) => `[data-testid="${id}"]`;
    const budgetCard = `${tid('budget')}[data-budget-name="${budgetName}"]`;
    const barPercent = () =>
      page.$eval(`${budgetCard} ${tid('budget-bar')}`, (el) => el.getAttribute('data-percent')).catch(() => null);
    const waitForBar = async (percent, why) => {
      try {
        await page.waitForFunction(
          ([sel, want]) => document.querySelector(sel)?.getAttribute('data-percent') === want,
          [`${budgetCard} ${tid('budget-bar')}`, String(percent)],
          { timeout: TIMEOUT },
        );
      } catch {
        fail(`${why}: the budget bar shows ${await barPercent()} %, expected ${percent} %`);
      }
    };
    const go = async (navTestId, screenTestId) => {
      await page.click(tid(navTestId));
      await page.waitForSelector(tid(screenTestId));
    };
    /** Which of the two shows after a (re)load: the dashboard or the sign-in form. */
    const signedInOrOut = async (p = page) => {
      await p.waitForSelector(`${tid('dashboard')}, ${tid('auth-form')}`, { timeout: TIMEOUT });
      return (await p.$(tid('dashboard'))) ? 'signed in' : 'signed out';
    };

    // 1. A fresh browser: the sign-in form.
    step(`opening ${base}`);
    const nav = await page.goto(base, { waitUntil: 'load', timeout: TIMEOUT });
    if (!nav || nav.status() !== 200) fail(`GET ${base} answered HTTP ${nav?.status()}`);
    await page.waitForSelector(tid('auth-form'));
    step('sign-in form shown');

    // 2. Sign up.
    await page.click(tid('auth-mode-sign-up'));
    await page.fill(tid('auth-first-name'), 'Spa');
    await page.fill(tid('auth-last-name'), 'Tester');
    await page.fill(tid('auth-email'), email);
    await page.fill(tid('auth-password'), password);
    const registered = page.waitForRequest((r) => r.url() === graphqlUrl && (r.postData() ?? '').includes('mutation SignUp'));
    await page.click(tid('auth-submit'));
    const signUpRequest = await registered;
    if ((await signUpRequest.headerValue('x-session-mode')) !== 'cookie') {
      fail('register was not sent with X-Session-Mode: cookie');
    }
    await page.waitForSelector(tid('dashboard'));
    // The access token lives in memory only; the refresh token in an HttpOnly cookie.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    if (/eyJ|token/i.test(stored)) fail(`the app keeps a token in web storage: ${stored.slice(0, 200)}`);
    const cookie = (await context.cookies(graphqlUrl)).find((c) => c.name === COOKIE);
    if (!cookie) {
      sessionFailures.push(`register (X-Session-Mode: cookie) set no ${COOKIE} cookie`);
    } else {
      const want = { httpOnly: true, secure: true, sameSite: 'Strict', path: '/graphql' };
      const got = { httpOnly: cookie.httpOnly, secure: cookie.secure, sameSite: cookie.sameSite, path: cookie.path };
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        sessionFailures.push(`the ${COOKIE} cookie is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      }
      if ((await page.evaluate(() => document.cookie)).includes(COOKIE)) {
        sessionFailures.push(`the page can read the ${COOKIE} cookie (document.cookie)`);
      }
    }
    const accounts = await page.locator(tid('account')).count();
    if (accounts < 1) fail('the dashboard lists no account (registration should open "Main")');
    step(`signed up as ${email}; dashboard shows ${accounts} account(s)`);
    await page.waitForSelector(`${tid('live-status')}[data-state="live"]`);
    step('live updates connected (graphql-ws on /graphql/ws)');

    // 3. A budget with one category, through the form.
    await go('nav-new-budget', 'budget-form');
    await page.fill(tid('budget-name'), budgetName);
    await page.fill(tid('budget-amount'), '200.00');
    await page.selectOption(tid('budget-period'), 'MONTHLY');
    await page.fill(tid('budget-category-name-0'), categoryName);
    await page.fill(tid('budget-category-amount-0'), '200.00');
    await page.click(tid('budget-submit'));
    await page.waitForSelector(budgetCard);
    await waitForBar(0, 'a new budget');
    step(`created budget "${budgetName}" (200.00, category "${categoryName}"); its bar shows 0 %`);

    // 4. An expense in that category, through the transaction form; then edit it.
    await go('nav-transactions', 'transactions');
    await page.click(tid('transaction-new'));
    await page.waitForSelector(`${tid('transaction-form')}[data-mode="new"]`);
    await page.selectOption(tid('tx-type'), 'EXPENSE');
    await page.fill(tid('tx-amount'), '50.00');
    await page.fill(tid('tx-description'), 'SPA form expense');
    await page.waitForSelector(`${tid('tx-category')} option:text-is("${categoryName}")`, { state: 'attached' });
    await page.selectOption(tid('tx-category'), { label: categoryName });
    await page.click(tid('tx-submit'));
    const row = `${tid('transaction-row')}[data-description="SPA form expense"]`;
    await page.waitForSelector(row);
    await page.waitForSelector(tid('transaction-form'), { state: 'detached' });
    const shownAmount = await page.textContent(`${row} ${tid('transaction-amount')}`);
    if (!shownAmount?.includes('50.00')) fail(`the new transaction shows ${shownAmount}, not 50.00`);
    step(`added "SPA form expense" (50.00) through the form: ${shownAmount.trim()}`);

    await page.click(`${row} ${tid('transaction-edit')}`);
    await page.waitForSelector(`${tid('transaction-form')}[data-mode="edit"]`);
    const prefilled = await page.inputValue(tid('tx-amount'));
    if (prefilled !== '50.00') fail(`the edit form shows amount ${prefilled}, not 50.00`);
    await page.fill(tid('tx-amount'), '60.00');
    await page.click(tid('tx-submit'));
    await page.waitForSelector(tid('transaction-form'), { state: 'detached' });
    await page.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.includes('60.00'),
      `${row} ${tid('transaction-amount')}`,
    );
    step('edited it to 60.00 through the form');

    await go('nav-dashboard', 'dashboard');
    await waitForBar(30, 'after the form expense of 60.00 in a budget of 200.00');
    const spentBefore = (await page.textContent(`${budgetCard} ${tid('budget-spent')}`))?.trim();
    if (!spentBefore?.includes('60.00')) fail(`the budget shows spent ${spentBefore}, not 60.00`);
    await page.waitForSelector(`${tid('spending-bar')}[data-category="${categoryName}"]`, { state: 'attached' });
    step(`dashboard: budget at 30 % (spent ${spentBefore}), spending chart has the category`);

    // 5. Live: another session adds an expense while the dashboard stays open.
    await page.waitForSelector(`${tid('live-status')}[data-state="live"]`);
    await page.evaluate(() => {
      window.__spaNoReload = true;
    });
    const login = await gql('mutation($input: LoginInput!) { login(input: $input) { accessToken } }', {
      input: { email, password },
    });
    const token = login.login.accessToken;
    const { budgets } = await gql('{ budgets(first: 10) { nodes { name categories { id name } } } }', undefined, token);
    const categoryId = budgets.nodes.find((b) => b.name === budgetName)?.categories.find((c) => c.name === categoryName)?.id;
    if (!categoryId) fail(`the second session does not see the category: ${JSON.stringify(budgets)}`);
    // A savings goal and a scheduled income too (no transaction event of their own: they
    // arrive with the refetch the expense's event causes).
    const inFiveDays = new Date();
    inFiveDays.setDate(inFiveDays.getDate() + 5);
    await gql(
      'mutation($input: CreateSavingsGoalInput!) { createSavingsGoal(input: $input) { id } }',
      { input: { name: `Holiday ${suffix}`, targetAmount: '1000.00', initialAmount: '250.00' } },
      token,
    );
    await gql(
      'mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { id } }',
      {
        input: {
          description: `Salary ${suffix}`,
          payee: 'ACME Corp',
          amount: '2400.00',
          type: 'INCOME',
          rule: 'FREQ=MONTHLY',
          startDate: iso(inFiveDays),
          weekendRule: 'NONE',
          autoPost: false,
        },
      },
      token,
    );
    const framesBefore = wsFrames.length;
    const liveStarted = Date.now();
    const { createTransaction } = await gql(
      'mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id } }',
      {
        input: {
          amount: '110.00',
          description: 'Expense from another session',
          transactionDate: iso(new Date()),
          type: 'EXPENSE',
          categoryId,
        },
      },
      token,
    );
    step('a second session (login over HTTP) added 110.00 in the category');
    await waitForBar(85, 'after an expense of 110.00 added by another session (no reload)');
    const liveMs = Date.now() - liveStarted;
    if (!(await page.evaluate(() => window.__spaNoReload === true))) fail('the page was reloaded: the update did not come live');
    const event = wsFrames
      .slice(framesBefore)
      .find((f) => f.dir === 'received' && f.payload.includes('transactionChanged') && f.payload.includes(createTransaction.id));
    if (!event) fail('the WebSocket received no transactionChanged event for the new transaction');
    const spentAfter = (await page.textContent(`${budgetCard} ${tid('budget-spent')}`))?.trim();
    if (!spentAfter?.includes('170.00')) fail(`the budget shows spent ${spentAfter}, not 170.00`);
    step(`the bar moved to 85 % (spent ${spentAfter}) ${liveMs} ms later, without a reload, after the subscription's event`);
    await page.waitForSelector(tid('notification-badge'));
    const badge = (await page.textContent(tid('notification-badge')))?.trim();
    step(`unread notifications badge: ${badge} (the 80 % budget alert and the achievements, live)`);
    await page.waitForSelector(`${tid('goal')}[data-goal-name="Holiday ${suffix}"]`);
    await page.waitForSelector(`${tid('upcoming-item')}:has-text("ACME Corp")`);
    step('the goal and the scheduled income (added by the second session) show on the dashboard');
    await page.waitForSelector(`${budgetCard} ${tid('budget-status')}:text-is("Near limit")`);
    await page.waitForTimeout(300); // let the bar's CSS transition finish for the picture
    await page.screenshot({ path: join(artifacts, 'spa-dashboard.png'), fullPage: true });
    step('screenshot: artifacts/spa-dashboard.png');

    // 6. Notifications: the budget alert, marked read.
    await go('nav-notifications', 'notifications');
    await page.waitForSelector(`${tid('notification')}[data-kind="BUDGET_ALERT"][data-read="false"]`);
    await page.click(tid('notifications-mark-all'));
    await page.waitForSelector(`${tid('notification')}[data-read="false"]`, { state: 'detached' });
    await page.waitForSelector(tid('notification-badge'), { state: 'detached' });
    step('notifications: the budget alert is listed; "Mark all read" cleared the badge');

    // 7. Import two overlapping bank statements (multipart upload through the form).
    const { accounts: acc } = await gql('{ accounts { currency isDefault } }', undefined, token);
    const currency = acc.find((a) => a.isDefault)?.currency ?? 'USD';
    const lastYear = new Date().getFullYear() - 1;
    const d = (m, day) => new Date(lastYear, m - 1, day);
    const first = ofx(currency, [
      { fitid: `${suffix}-1`, date: d(3, 2), amount: '-7.77', name: 'Corner shop' },
      { fitid: `${suffix}-2`, date: d(3, 4), amount: '1000.00', name: 'Payroll' },
    ]);
    const second = ofx(currency, [
      { fitid: `${suffix}-2`, date: d(3, 4), amount: '1000.00', name: 'Payroll' },
      { fitid: `${suffix}-3`, date: d(3, 9), amount: '-8.88', name: 'Bakery' },
    ]);
    await go('nav-import', 'import-form');
    const importFile = async (name, text, expectNew, expectDuplicates) => {
      await page.selectOption(tid('import-format'), 'OFX');
      await page.setInputFiles(tid('import-file'), { name, mimeType: 'application/x-ofx', buffer: Buffer.from(text) });
      const uploaded = page.waitForRequest((r) => r.url() === graphqlUrl && (r.headers()['content-type'] ?? '').startsWith('multipart/form-data'));
      await page.click(tid('import-submit'));
      const req = await uploaded;
      if (!(await req.headerValue('graphql-require-preflight'))) fail('the upload was sent without GraphQL-Require-Preflight');
      await page.waitForFunction(
        (sel) => document.querySelector(sel) !== null || document.querySelector('[data-testid="form-error"]') !== null,
        tid('import-result'),
      );
      const error = await page.$(tid('form-error'));
      if (error) fail(`the import of ${name} failed: ${await error.textContent()}`);
      const imported = (await page.textContent(tid('import-imported')))?.trim();
      const duplicates = (await page.textContent(tid('import-duplicates')))?.trim();
      if (imported !== String(expectNew) || duplicates !== String(expectDuplicates)) {
        fail(`importing ${name} shows ${imported} new and ${duplicates} duplicates, expected ${expectNew} and ${expectDuplicates}`);
      }
      step(`imported ${name} (multipart upload): ${imported} new, ${duplicates} duplicate(s)`);
    };
    await importFile('march-1.ofx', first, 2, 0);
    await importFile('march-2.ofx', second, 1, 1);

    // 8. Keyset paging: 25 more transactions (one CSV import over HTTP), then "More".
    const csv = ['date,description,amount,type'];
    for (let i = 1; i <= 25; i++) csv.push(`${lastYear}-06-${String(i).padStart(2, '0')},Paging ${i},1.${String(i).padStart(2, '0')},expense`);
    const imported = await gql(
      'mutation($data: String!) { importTransactions(input: { format: CSV, data: $data }) { imported } }',
      { data: `${csv.join('\n')}\n` },
      token,
    );
    if (imported.importTransactions.imported !== 25) fail(`importTransactions: ${JSON.stringify(imported)}`);
    await go('nav-transactions', 'transactions');
    const total = 2 + 3 + 25; // two entered, three from the statements, 25 imported
    await page.waitForFunction(
      (sel) => document.querySelectorAll(sel).length === 20,
      tid('transaction-row'),
    );
    await page.click(tid('transactions-more'));
    await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length === n, [tid('transaction-row'), total]);
    const ids = await page.$$eval(tid('transaction-row'), (rows) => rows.map((r) => r.getAttribute('data-transaction-id')));
    if (new Set(ids).size !== ids.length) fail('paging repeated a transaction');
    if (await page.$(tid('transactions-more'))) fail('"More" is still offered after the last page');
    step(`transactions: 20 rows, then "More" loaded the other ${total - 20} (${total} distinct)`);

    // 9. Reload: still signed in (the refresh cookie gives a new access token).
    await go('nav-dashboard', 'dashboard');
    const probe = page.waitForResponse((r) => r.url() === graphqlUrl && (r.request().postData() ?? '').includes('RefreshSession'));
    await page.reload({ waitUntil: 'load' });
    const refreshRes = await probe;
    const refreshBody = await refreshRes.text().catch(() => '');
    const afterReload = await signedInOrOut();
    await page.screenshot({ path: join(artifacts, 'spa-reload.png'), fullPage: true });
    step('screenshot: artifacts/spa-reload.png');
    if (afterReload === 'signed in') {
      await page.waitForSelector(budgetCard);
      step('reload: still signed in, the dashboard shows the budget');
    } else {
      const cookies = (await context.cookies(graphqlUrl)).map((c) => c.name);
      sessionFailures.push(
        `after a reload the sign-in form shows instead of the dashboard. The refresh cookie ${COOKIE} is ${
          cookies.includes(COOKIE) ? 'present' : 'absent'
        }; refreshToken (no argument) answered HTTP ${refreshRes.status()}: ${redact(refreshBody).slice(0, 300)}`,
      );
      step('reload: SIGNED OUT (see the summary); signing in through the form to go on');
      await page.fill(tid('auth-email'), email);
      await page.fill(tid('auth-password'), password);
      await page.click(tid('auth-submit'));
      await page.waitForSelector(budgetCard);
      step('signed in through the sign-in form; the dashboard shows the budget');
    }

    // 10. Two tabs. Every page load spends the refresh cookie, which the server rotates, and
    // presenting a spent one revokes the session; the app serializes its refreshes across
    // tabs with the Web Lock "smartsave-refresh". (a) The app waits for the lock: while a
    // second tab holds it, a reload sends no refresh; once it is released, the refresh goes
    // out and the tab is signed in. (b) Both tabs reload at the same moment: both stay signed
    // in, and the second refresh carries the cookie the first one's answer set (not the same,
    // spent token).
    if (afterReload === 'signed in') {
      const page2 = await context.newPage();
      page2.setDefaultTimeout(TIMEOUT);
      watch(page2);
      await page2.goto(base, { waitUntil: 'load' });
      if ((await signedInOrOut(page2)) !== 'signed in') {
        sessionFailures.push('a second tab opened on the app shows the sign-in form, not the dashboard');
      } else {
        step('a second tab on the app: signed in from the cookie');
        const refreshes = [];
        const onRefresh = (req) => {
          if (req.url() === graphqlUrl && (req.postData() ?? '').includes('mutation RefreshSession')) refreshes.push(req);
        };
        context.on('request', onRefresh);

        // (a) The second tab holds the lock; the first reloads.
        const held = await page2.evaluate(
          () =>
            new Promise((granted) => {
              if (!navigator.locks) return granted(false);
              navigator.locks.request('smartsave-refresh', () => {
                granted(true);
                return new Promise((release) => {
                  window.__releaseRefreshLock = release;
                });
              });
            }),
        );
        if (!held) fail('navigator.locks is missing on the page (the app is not in a secure context?)');
        await page.reload({ waitUntil: 'load' });
        await page.waitForTimeout(1500);
        if (refreshes.length) fail('the app sent refreshToken while another tab held the "smartsave-refresh" Web Lock');
        if (!(await page.$(tid('starting')))) fail('the app did not wait for the refresh lock: it shows more than "Loading…"');
        await page2.evaluate(() => window.__releaseRefreshLock());
        if ((await signedInOrOut(page)) !== 'signed in') {
          sessionFailures.push('after the other tab released the refresh lock, the reloaded tab shows the sign-in form');
        } else {
          step('a reload waited for the "smartsave-refresh" Web Lock held by the other tab (no refresh for 1.5 s), then signed in');
        }

        // (b) Both tabs reload at once.
        refreshes.length = 0;
        await Promise.all([page.reload({ waitUntil: 'load' }), page2.reload({ waitUntil: 'load' })]);
        const states = await Promise.all([signedInOrOut(page), signedInOrOut(page2)]);
        const answers = await Promise.all(refreshes.map((r) => r.response()));
        context.off('request', onRefresh);
        const cookieSent = async (r) => /(?:^|;\s*)smartsave_refresh=([^;]+)/.exec((await r.allHeaders()).cookie ?? '')?.[1] ?? null;
        const cookieSet = async (res) => /^smartsave_refresh=([^;]*)/.exec((await res?.headerValue('set-cookie')) ?? '')?.[1] ?? null;
        if (states.some((st) => st !== 'signed in')) {
          sessionFailures.push(
            `two tabs reloading at once: the tabs are ${states.join(' and ')}; refreshToken answered ${
              (await Promise.all(answers.map(async (a) => `HTTP ${a?.status()}: ${redact(await a?.text().catch(() => '')).slice(0, 200)}`))).join(' / ')
            }`,
          );
        } else if (refreshes.length !== 2) {
          sessionFailures.push(`two tabs reloading at once sent ${refreshes.length} refreshToken requests, expected 2`);
        } else {
          const [sent1, sent2] = await Promise.all(refreshes.map(cookieSent));
          const set1 = await cookieSet(answers[0]);
          if (!sent1 || !sent2 || !set1) {
            sessionFailures.push(`two tabs reloading at once: cannot see the cookies (sent ${!!sent1}, ${!!sent2}; set ${!!set1})`);
          } else if (sent2 !== set1) {
            sessionFailures.push(
              `two tabs reloading at once: the second refresh did not carry the cookie the first one's answer set (${
                sent2 === sent1 ? 'it sent the same, spent token' : 'it sent another token'
              })`,
            );
          } else {
            step('both tabs reloaded at once: both signed in; the second refresh waited and sent the rotated cookie');
          }
        }
      }
      await page2.close();
    }

    // 11. Sign out; a reload stays signed out.
    await page.waitForSelector(`${tid('live-status')}[data-state="live"]`);
    const logoutReq = page.waitForRequest((r) => r.url() === graphqlUrl && (r.postData() ?? '').includes('mutation SignOut'));
    await page.click(tid('sign-out'));
    await logoutReq;
    await page.waitForSelector(tid('auth-form'));
    step('signed out: the sign-in form shows');
    const cookieAfterLogout = (await context.cookies(graphqlUrl)).find((c) => c.name === COOKIE);
    if (cookieAfterLogout) sessionFailures.push(`the ${COOKIE} cookie is still set after sign-out`);
    await page.reload({ waitUntil: 'load' });
    if ((await signedInOrOut()) !== 'signed out') fail('after sign-out and a reload the app is signed in again');
    step('reload after sign-out: still signed out');
    await page.screenshot({ path: join(artifacts, 'spa-signed-out.png'), fullPage: true });
    step('screenshot: artifacts/spa-signed-out.png');

    // 12. Sign in through the form.
    await page.fill(tid('auth-email'), email);
    await page.fill(tid('auth-password'), password);
    await page.click(tid('auth-submit'));
    await page.waitForSelector(budgetCard);
    await waitForBar(85, 'after signing in again');
    step('signed in again through the form: the budget is at 85 %');

    await page.waitForTimeout(300); // let late console messages arrive before judging them
    if (foreignRequests.length) {
      problems.push(...foreignRequests.map((r) => `request to another origin than ${origin}: ${r}`));
    }
    if (problems.length) fail(`the page reported problems:\n  - ${problems.join('\n  - ')}`);
    if (sessionFailures.length) {
      fail(
        `cookie sessions do not work (the server's X-Session-Mode: cookie support, or the app's ` +
          `refresh across tabs; everything else passed):\n  - ${sessionFailures.join('\n  - ')}`,
      );
    }
    for (const e of expectedErrors) step(`note: expected ${e}`);
    step(`${requests.length} requests, all to ${origin}`);
    console.log('spa: passed');
  } catch (err) {
    if (page) {
      await page
        .screenshot({ path: join(artifacts, 'spa-failure.png'), fullPage: true })
        .then(() => console.error(`screenshot of the failure: ${join(artifacts, 'spa-failure.png')}`))
        .catch(() => {});
    }
    const listed = err instanceof TestFailure && err.message.includes('the page reported problems');
    if (problems.length && !listed) console.error(`problems seen on the page:\n  - ${problems.join('\n  - ')}`);
    if (sessionFailures.length && !(err instanceof TestFailure && err.message.includes('cookie sessions'))) {
      console.error(`cookie-session checks that failed:\n  - ${sessionFailures.join('\n  - ')}`);
    }
    console.error(`the page's console (${consoleLog.length} messages):\n  ${consoleLog.join('\n  ') || '(empty)'}`);
    throw err;
  } finally {
    await browser.close();
    const log = {
      url: base,
      problems,
      sessionFailures,
      expectedErrors,
      console: consoleLog,
      foreignRequests,
      requests,
      graphql: graphqlExchanges,
      websocket: wsFrames,
    };
    await writeFile(join(artifacts, 'spa.json'), `${JSON.stringify(log, null, 2)}\n`).catch(() => {});
  }
}

main().catch((err) => {
  console.error(`spa: FAILED: ${err instanceof TestFailure ? err.message : (err?.stack ?? err)}`);
  process.exit(1);
});
