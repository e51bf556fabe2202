// End-to-end, issue 11: the desktop app switched to a ClickHouse store in
// its Settings. tests/e2e/run.sh starts a two-shard clickhouse-server
// (tests/clickhouse/servers.sh) and names its URL in E2E_CLICKHOUSE; this
// file imports the generated dump into it with `rapport --db URL import`.
//
// What it holds: "Test connection" says how many conversations a database
// holds, that a missing one will be created, and why a server cannot be
// reached; "Use this server" shows the dashboard of the ClickHouse store at
// once, every headline card equal to `rapport --db URL metrics` for the query
// shown (two periods); conversations, a transcript and an import through the
// app work over it; the choice survives a restart; a chosen server that does
// not answer at start gets its own screen, and one click goes back to this
// computer's store. Screenshots of the section, light and dark, go to E2E_OUT.
//
// The app runs without --db or RAPPORT_DB here, with XDG_DATA_HOME in a
// folder of its own: the choice is kept beside that folder's default store,
// never in the data of whoever runs the suite.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { remote } from 'webdriverio';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`tests/e2e needs ${name}; run tests/e2e/run.sh`);
  return value;
};
const APP = env('RAPPORT_APP');
const CLI = env('RAPPORT_CLI');
const OUT = env('E2E_OUT');
const DUMP = env('E2E_DUMP');
const IMPORT_FILE = env('E2E_IMPORT_FILE');
/** `clickhouse://HOST:PORT/DATABASE?cluster=..&shards=..`, DATABASE being replaced per use. */
const SERVER = env('E2E_CLICKHOUSE');
const urlFor = (database) => SERVER.replace(/\/DATABASE(\?|$)/, `/${database}$1`);
const URL_IN_USE = urlFor('rapport_e2e');
const HOME_DATA = join(OUT, 'clickhouse-xdg-data');
const CHOICE_FILE = join(HOME_DATA, 'dev.rapport.desktop', 'data-store.json');
const PORT = 4446;

const KPI = {
  total_messages: (m) => m.total_messages,
  total_conversations: (m) => m.total_conversations,
  interactions: (m) => m.interactions,
  unique_users: (m) => m.unique_users,
  active_users: (m) => m.active_users,
  avg_user_interactions: (m) => m.avg_user_interactions,
  avg_response_time_ms: (m) => m.avg_response_time_ms,
  avg_conversation_duration_s: (m) => m.avg_conversation_duration_s,
  escalation_rate: (m) => m.escalation_rate,
  satisfaction_rate: (m) => m.feedback.satisfaction_rate,
  total_tokens: (m) => m.tokens.total,
  cost: (m) => m.tokens.cost,
  // The Insights: counted on a ClickHouse store too (absent only where a store has no text, the cards then showing none).
  resolution_rate: (m) => m.resolution_rate ?? null,
  unanswered_questions: (m) => m.unanswered_questions ?? null,
};

let driver;
let browser;

async function waitForDriver() {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/status`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not start on port ${PORT}`);
}

const openApp = () =>
  remote({
    hostname: '127.0.0.1',
    port: PORT,
    logLevel: 'error',
    capabilities: { 'tauri:options': { application: APP, args: [] } },
  });

/** A TCP port of this machine where nothing listens. */
async function closedPort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

function cli(args) {
  return execFileSync(CLI, ['--db', URL_IN_USE, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

before(async () => {
  rmSync(HOME_DATA, { recursive: true, force: true });
  mkdirSync(HOME_DATA, { recursive: true });
  cli(['import', DUMP]);
  const appEnv = { ...process.env, XDG_DATA_HOME: HOME_DATA };
  delete appEnv.RAPPORT_DB;
  driver = spawn('tauri-driver', ['--port', String(PORT), '--native-port', String(PORT + 1)], {
    stdio: 'inherit',
    env: appEnv,
  });
  await waitForDriver();
  browser = await openApp();
});

after(async () => {
  await browser?.deleteSession().catch(() => {});
  driver?.kill('SIGTERM'); // never SIGKILL: it would leave WebKitWebDriver behind
});

const $ = (selector) => browser.$(selector);

async function dashboardQuery(timeout = 30000) {
  const el = await $('[data-testid="dashboard"]');
  await el.waitForExist({ timeout });
  // Loaded, and its charts drawn (they come a frame after the first numbers).
  await browser.waitUntil(
    async () => (await el.getAttribute('aria-busy')) !== 'true' && (await el.getAttribute('data-charts')) !== 'pending',
    { timeout },
  );
  return JSON.parse(await el.getAttribute('data-query'));
}

async function nextQuery(previous, timeout = 30000) {
  await browser.waitUntil(
    async () => (await (await $('[data-testid="dashboard"]')).getAttribute('data-query')) !== JSON.stringify(previous),
    { timeout, timeoutMsg: 'the dashboard kept its query' },
  );
  return dashboardQuery(timeout);
}

function same(a, b) {
  if (a === null || b === null) return a === b;
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** Every headline card against `rapport --db URL metrics` for the query the dashboard shows. */
async function assertCardsMatchClickHouse(label, { someConversations = true } = {}) {
  const q = await dashboardQuery();
  const args = ['metrics', '--from', q.from, '--to', q.to, '--tz', q.tz];
  for (const [key, values] of Object.entries(q.filters ?? {})) for (const v of values) args.push('--filter', `${key}=${v}`);
  const expected = JSON.parse(cli(args));
  if (someConversations) assert.ok(expected.total_conversations > 0, `${label}: the query shows conversations of the ClickHouse store`);
  for (const [key, pick] of Object.entries(KPI)) {
    const card = await $(`[data-testid="kpi-${key}"]`);
    assert.ok(await card.isExisting(), `${label}: the card kpi-${key} is shown`);
    const raw = await card.getAttribute('data-value');
    const shown = raw === '' ? null : Number(raw);
    assert.ok(same(shown, pick(expected)), `${label}: kpi-${key} shows ${raw}, rapport --db ${URL_IN_USE} metrics says ${pick(expected)} for ${JSON.stringify(q)}`);
  }
  return q;
}

async function find(selector, text) {
  for (const el of await browser.$$(selector)) {
    if (String(await el.getProperty('textContent')).includes(text)) return el;
  }
  return undefined;
}

async function byText(selector, text) {
  await browser.waitUntil(async () => (await find(selector, text)) !== undefined, {
    timeout: 10000,
    timeoutMsg: `no ${selector} reads "${text}"`,
  });
  return find(selector, text);
}

async function openSettings() {
  await (await byText('nav[aria-label="Screens"] button', 'Settings')).click();
  await (await $('[data-testid="data-store-in-use"]')).waitForExist({ timeout: 10000 });
}

async function typeInto(selector, text) {
  const input = await $(selector);
  await input.clearValue();
  await input.setValue(text);
}

/** Tests the connection to `url`; resolves with the outcome and the sentence shown. */
async function testConnection(url) {
  await typeInto('#ch-url', url);
  await (await byText('[data-testid="data-store"] button', 'Test connection')).click();
  const result = await $('[data-testid="connection-test"]');
  await result.waitForExist({ timeout: 20000, timeoutMsg: 'the test said nothing' });
  return { outcome: await result.getAttribute('data-outcome'), message: String(await result.getProperty('textContent')).trim() };
}

async function shot(name) {
  await browser.pause(500);
  await browser.saveScreenshot(join(OUT, `${name}.png`));
}

async function showSection(theme) {
  await browser.execute((t) => {
    document.documentElement.dataset.theme = t;
    window.scrollTo(0, document.documentElement.scrollHeight);
  }, theme);
}

test('switched to a ClickHouse server in Settings, the dashboard shows the numbers of rapport --db URL metrics', async () => {
  await browser.execute(() => localStorage.clear());
  await (await $('[data-testid="screen-welcome"]')).waitForExist({ timeout: 20000, timeoutMsg: "this computer's empty store opens first" });
  await openSettings();
  assert.match(String(await (await $('[data-testid="data-store-in-use"]')).getProperty('textContent')), /dev\.rapport\.desktop.rapport\.db$/);
  assert.equal(await (await $('input[name="data-store"][value="this_computer"]')).isSelected(), true, 'this computer is the default');
  await (await $('input[name="data-store"][value="clickhouse"]')).click();

  const port = await closedPort();
  let t = await testConnection(`clickhouse://127.0.0.1:${port}/rapport_e2e`);
  assert.equal(t.outcome, 'failed');
  assert.match(t.message, new RegExp(`^Could not connect to clickhouse://127\\.0\\.0\\.1:${port}/rapport_e2e: .*no answer`), t.message);
  await showSection('light');
  await shot('settings-data-store-failed-light');

  t = await testConnection(urlFor('rapport_e2e_not_there'));
  assert.equal(t.outcome, 'will_create');
  assert.match(t.message, /there is no database rapport_e2e_not_there yet; it will be created/);
  const http = `http://${SERVER.split('://')[1].split('/')[0]}/`;
  const databases = await (await fetch(`${http}?query=${encodeURIComponent('SELECT name FROM system.databases')}`)).text();
  assert.ok(!databases.split('\n').includes('rapport_e2e_not_there'), 'the test created nothing');

  const stored = JSON.parse(cli(['status', '--json'])).stored.conversations;
  t = await testConnection(URL_IN_USE);
  assert.equal(t.outcome, 'connected');
  assert.match(t.message, /^Connected to ClickHouse \d+\.\d+/);
  assert.ok(t.message.includes(`the database rapport_e2e holds ${stored.toLocaleString('en-US')} conversations`), t.message);
  await showSection('light');
  await shot('settings-data-store-light');
  await showSection('dark');
  await shot('settings-data-store-dark');
  await browser.execute(() => (document.documentElement.dataset.theme = 'light'));

  await (await byText('[data-testid="data-store"] button', 'Use this server')).click();
  let q = await dashboardQuery();
  const header = String(await (await $('header.bar .store')).getProperty('textContent'));
  assert.match(header, new RegExp(`${stored.toLocaleString('en-US')} conversations stored`), 'the whole window reads the new store');
  // The generated month may lie before the default period: all time holds it.
  await assertCardsMatchClickHouse('ClickHouse, default period', { someConversations: false });
  await (await $('#period-select')).selectByAttribute('value', 'all_time');
  q = await nextQuery(q);
  await assertCardsMatchClickHouse('ClickHouse, all time');
  await shot('dashboard-clickhouse-light');
});

test('conversations, a transcript and an import through the app work over the ClickHouse store', async () => {
  await (await byText('nav[aria-label="Screens"] button', 'Conversations')).click();
  const row = await $('[data-testid="screen-conversations"] [role="row"][tabindex]');
  await row.waitForExist({ timeout: 20000, timeoutMsg: 'no conversations listed from ClickHouse' });
  await row.click();
  await (await $('[data-testid="screen-conversation"] section[aria-label="Transcript"]')).waitForExist({ timeout: 20000 });
  assert.ok((await browser.$$('[data-testid="screen-conversation"] .bubble')).length > 0, 'the transcript shows its messages');

  await (await byText('nav[aria-label="Screens"] button', 'Import')).click();
  await (await $('#paste-path')).setValue(IMPORT_FILE);
  await (await byText('button[type="submit"]', 'Import')).click();
  const report = await $('section.report');
  await report.waitForExist({ timeout: 120000 });
  assert.match(String(await report.getProperty('textContent')), /Import finished/);
  const imported = JSON.parse(cli(['status', '--json']));
  assert.ok(imported.files.some((f) => f.path.endsWith('import-through-the-app.jsonl')), 'the file went into the ClickHouse store');

  await (await byText('nav[aria-label="Screens"] button', 'Dashboard')).click();
  await assertCardsMatchClickHouse('ClickHouse, after an import through the app');
});

test('the choice is kept across a restart', async () => {
  await browser.deleteSession();
  browser = await openApp();
  let q = await dashboardQuery();
  if ((await (await $('#period-select')).getValue()) !== 'all_time') {
    await (await $('#period-select')).selectByAttribute('value', 'all_time');
    q = await nextQuery(q);
  }
  await assertCardsMatchClickHouse('ClickHouse, after a restart');
  await openSettings();
  assert.equal(String(await (await $('[data-testid="data-store-in-use"]')).getProperty('textContent')).trim(), URL_IN_USE.replace(/\?.*$/, '') + ' (cluster rapport_two_shards)');
  assert.equal(await (await $('input[name="data-store"][value="clickhouse"]')).isSelected(), true);
});

test('a chosen server that does not answer at start is said, and this computer is one click away', async () => {
  await browser.deleteSession();
  const port = await closedPort();
  writeFileSync(CHOICE_FILE, JSON.stringify({ kind: 'clickhouse', url: `clickhouse://127.0.0.1:${port}/rapport_e2e`, user: null, password: null }));
  browser = await openApp();
  const screen = await $('[data-testid="store-unreachable"]');
  await screen.waitForExist({ timeout: 30000, timeoutMsg: 'the window does not say the store cannot be reached' });
  const text = String(await screen.getProperty('textContent'));
  assert.match(text, new RegExp(`clickhouse://127\\.0\\.0\\.1:${port}/rapport_e2e`), 'it names the server');
  assert.match(text, /no answer/, "and gives the reason");
  await shot('store-unreachable-light');
  await (await byText('[data-testid="store-unreachable"] button', "Use this computer's store")).click();
  await (await $('[data-testid="screen-welcome"]')).waitForExist({ timeout: 20000, timeoutMsg: "this computer's (empty) store did not open" });
});
