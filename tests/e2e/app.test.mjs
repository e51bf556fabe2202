// End-to-end: the real desktop app, in WebKitGTK, driven through
// tauri-driver and WebKitWebDriver (run it with tests/e2e/run.sh, which
// builds the app, fills a store with `rapport import` and starts Xvfb).
//
// What it holds: every headline card shows the number `rapport metrics`
// gives for the query the dashboard says it shows, after changing the
// period, the zone and a filter; a click on a country narrows the
// dashboard, a click on a tool opens its conversations; a transcript opens
// and reads; a file imported through the app gets its report; the Export menu
// lists every export; a CSV of other column names goes through the mapping
// step and gets its report; a store of hostile data (a Dify export with two
// commented feedbacks in one conversation, the limit values) draws every
// card; a GeoIP database moved away shows a warning and nothing else
// changes. Screenshots of every screen, light and dark, go to E2E_OUT.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { remote } from 'webdriverio';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`tests/e2e needs ${name}; run tests/e2e/run.sh`);
  return value;
};
const APP = env('RAPPORT_APP');
const CLI = env('RAPPORT_CLI');
const DB = env('RAPPORT_DB');
const IMPORT_FILE = env('E2E_IMPORT_FILE');
const MAPPED_FILE = env('E2E_MAPPED_FILE');
const OUT = env('E2E_OUT');
const EMPTY_DB = join(OUT, 'empty.db');
const LIMITS_FILE = process.env.E2E_LIMITS_FILE ?? null;

/** The card key → where `rapport metrics` keeps that number. */
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
  resolution_rate: (m) => m.resolution_rate,
  unanswered_questions: (m) => m.unanswered_questions,
};

let driver;
let browser;

async function waitForDriver() {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch('http://127.0.0.1:4444/status');
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('tauri-driver did not start on port 4444');
}

async function openApp(args = []) {
  return remote({
    hostname: '127.0.0.1',
    port: 4444,
    logLevel: 'error',
    capabilities: { 'tauri:options': { application: APP, args } },
  });
}

before(async () => {
  mkdirSync(OUT, { recursive: true });
  rmSync(EMPTY_DB, { force: true });
  driver = spawn('tauri-driver', ['--port', '4444', '--native-port', '4445'], { stdio: 'inherit' });
  await waitForDriver();
  browser = await openApp(['--db', DB]);
});

after(async () => {
  await browser?.deleteSession().catch(() => {});
  driver?.kill('SIGTERM'); // never SIGKILL: it would leave WebKitWebDriver behind
});

const $ = (selector) => browser.$(selector);

/**
 * The query the dashboard shows, once it has loaded. `timeout` is longer for
 * a store spanning 1970 to 2199, whose per-day charts hold 84,000 days of
 * each period (drawn in software under Xvfb).
 */
async function dashboardQuery(timeout = 20000) {
  const el = await $('[data-testid="dashboard"]');
  await el.waitForExist({ timeout });
  // Loaded, and its charts drawn (they come a frame after the first numbers).
  await browser.waitUntil(
    async () => (await el.getAttribute('aria-busy')) !== 'true' && (await el.getAttribute('data-charts')) !== 'pending',
    { timeout },
  );
  return JSON.parse(await el.getAttribute('data-query'));
}

/** Waits until the dashboard shows a query other than `previous`, and has loaded it. */
async function nextQuery(previous, timeout = 20000) {
  await browser.waitUntil(async () => {
    const el = await $('[data-testid="dashboard"]');
    return (await el.getAttribute('data-query')) !== JSON.stringify(previous);
  }, { timeout, timeoutMsg: 'the dashboard kept its query' });
  return dashboardQuery(timeout);
}

function cliMetrics(q, db = DB) {
  const args = ['--db', db, 'metrics', '--from', q.from, '--to', q.to, '--tz', q.tz];
  for (const [key, values] of Object.entries(q.filters ?? {})) {
    for (const v of values) args.push('--filter', `${key}=${v}`);
  }
  for (const [key, values] of Object.entries(q.segment ?? {})) {
    for (const v of values) args.push('--segment', `${key}=${v}`);
  }
  // All time over 1970–2199 is 84,000 daily rows: more than the default 1 MB of output.
  return JSON.parse(execFileSync(CLI, args, { encoding: 'utf8', maxBuffer: 1 << 28 }));
}

function same(a, b) {
  if (a === null || b === null) return a === b;
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** Every headline card against `rapport metrics` for the query the dashboard shows. */
async function assertCardsMatchCli(label, db = DB) {
  const q = await dashboardQuery();
  const expected = cliMetrics(q, db);
  for (const [key, pick] of Object.entries(KPI)) {
    const card = await $(`[data-testid="kpi-${key}"]`);
    assert.ok(await card.isExisting(), `${label}: the card kpi-${key} is shown`);
    const raw = await card.getAttribute('data-value');
    const shown = raw === '' ? null : Number(raw);
    const want = pick(expected);
    assert.ok(same(shown, want), `${label}: kpi-${key} shows ${raw}, rapport metrics says ${want} for ${JSON.stringify(q)}`);
    assert.notEqual(String(await card.getProperty('textContent')).trim(), '', `${label}: kpi-${key} shows text`);
  }
  return q;
}

async function shot(name) {
  await browser.pause(700); // let charts finish their animation
  await browser.saveScreenshot(join(OUT, `${name}.png`));
}

/** The first element matching `selector` whose text is `text`. */
async function byText(selector, text) {
  await browser.waitUntil(async () => (await find(selector, text)) !== undefined, {
    timeout: 10000,
    timeoutMsg: `no ${selector} reads "${text}"`,
  });
  return find(selector, text);
}

async function find(selector, text) {
  for (const el of await browser.$$(selector)) {
    if (String(await el.getProperty('textContent')).includes(text)) return el;
  }
  return undefined;
}

async function openScreen(label) {
  await (await byText('nav[aria-label="Screens"] button', label)).click();
}

async function setTheme(theme) {
  await openScreen('Settings');
  await (await $('[data-testid="screen-settings"]')).waitForExist({ timeout: 10000 });
  const radio = await $(`input[name="theme"][value="${theme}"]`);
  await radio.click();
  const save = await byText('button[type="submit"]', 'Save');
  if (await save.isEnabled()) {
    await save.click();
    await byText('span.ok', 'Saved');
  }
}

/** Shoots what `show` brings on screen in the dark theme, then goes back to the light one (on the Settings screen). */
async function alsoDark(show) {
  await setTheme('dark');
  await show();
  await setTheme('light');
}

/** `rapport conversations --unanswered QUESTION --json` for the query the dashboard shows. */
function cliUnanswered(q, question) {
  return cliConversations(q, ['--unanswered', question]);
}

/** `rapport conversations --json` of the query, narrowed by `drill` (its flags). */
function cliConversations(q, drill) {
  const args = ['--db', DB, 'conversations', '--from', q.from, '--to', q.to, '--tz', q.tz, ...drill, '--json'];
  for (const [key, values] of Object.entries(q.filters ?? {})) {
    for (const v of values) args.push('--filter', `${key}=${v}`);
  }
  return JSON.parse(execFileSync(CLI, args, { encoding: 'utf8', maxBuffer: 1 << 28 }));
}

test('the headline cards show the numbers of rapport metrics, for any period, zone and filter', async () => {
  // Start from the app's defaults: the dashboard's query survives restarts.
  await browser.execute(() => {
    localStorage.clear();
    location.reload();
  });
  let q = await dashboardQuery();
  assert.equal(await (await $('#period-select')).getValue(), 'last_28_days', 'the default period');
  await assertCardsMatchCli('last 28 days');
  await (await $('#period-select')).selectByAttribute('value', 'all_time');
  q = await nextQuery(q);
  await assertCardsMatchCli('all time');

  // Another zone, picked from the searchable list.
  await (await $('button[aria-haspopup="listbox"]')).click();
  await (await $('input[aria-label="Search time zones"]')).setValue('Kathmandu');
  await (await $('#zone-list button')).click();
  q = await nextQuery(q);
  assert.equal(q.tz, 'Asia/Kathmandu');
  await assertCardsMatchCli('Kathmandu');

  // A country clicked in the ranked list beside the map becomes a filter.
  const country = await $('[data-testid="chart-countries"] button.row');
  await country.click();
  q = await nextQuery(q);
  assert.equal(Object.keys(q.filters).join(), 'country', 'a click on a country filters by it');
  await (await $('ul[aria-label="Filters"] li')).waitForExist({ timeout: 5000 });
  await assertCardsMatchCli('one country');
  await shot('dashboard-filtered-light');

  // Removing the chip restores the unfiltered numbers.
  await (await $('ul[aria-label="Filters"] button[aria-label^="Remove filter"]')).click();
  q = await nextQuery(q);
  assert.deepEqual(q.filters, {});
  await assertCardsMatchCli('filter removed');
});

test('two segments are compared, a view is saved and opened again, and cards are hidden and shown', async () => {
  let q = await dashboardQuery();
  // Compare the web with WhatsApp over the same period.
  await (await $('[data-testid="comparison"]')).selectByAttribute('value', 'segment');
  q = await nextQuery(q);
  assert.deepEqual(q.segment, {}, 'a new segment starts as every conversation');
  await (await $('[data-testid="segment-key"]')).selectByAttribute('value', 'source');
  await (await $('[data-testid="segment-value"]')).setValue('whatsapp');
  await (await $('[data-testid="segment-add"]')).click();
  q = await nextQuery(q);
  assert.deepEqual(q.segment, { source: ['whatsapp'] });
  const expected = cliMetrics(q);
  assert.ok(expected.segment, 'rapport metrics --segment prints the other segment');
  for (const [key, pick] of Object.entries(KPI)) {
    const against = await $(`[data-testid="kpi-${key}-against"]`);
    assert.ok(await against.isExisting(), `kpi-${key} is set beside the other segment`);
    const raw = await against.getAttribute('data-value');
    const want = pick(expected.segment);
    assert.ok(same(raw === '' ? null : Number(raw), want), `kpi-${key}: other segment ${raw}, rapport metrics --segment says ${want}`);
  }
  await assertCardsMatchCli('first segment beside the second');
  await shot('dashboard-segments-light');
  await setTheme('dark');
  await openScreen('Dashboard');
  await dashboardQuery();
  await shot('dashboard-segments-dark');
  await setTheme('light');
  await openScreen('Dashboard');
  q = await dashboardQuery();

  // Saved under a name, and opened again after the period changed.
  await (await $('[data-testid="views-menu"]')).click();
  await (await $('[data-testid="view-name"]')).setValue('WhatsApp vs all');
  await (await $('[data-testid="view-save"]')).click();
  await (await $('[data-testid="view-WhatsApp vs all"]')).waitForExist({ timeout: 10000 });
  await shot('dashboard-views-light');
  await browser.keys('Escape');
  await alsoDark(async () => {
    await openScreen('Dashboard');
    await dashboardQuery();
    await (await $('[data-testid="views-menu"]')).click();
    await (await $('[data-testid="view-WhatsApp vs all"]')).waitForExist({ timeout: 10000 });
    await shot('dashboard-views-dark');
    await browser.keys('Escape');
  });
  await openScreen('Dashboard');
  await dashboardQuery();
  const saved = q;
  await (await $('[data-testid="comparison"]')).selectByAttribute('value', 'previous');
  q = await nextQuery(q);
  assert.equal(q.segment, undefined, 'comparing periods sends no segment');
  await (await $('[data-testid="views-menu"]')).click();
  await (await $('[data-testid="view-WhatsApp vs all"]')).click();
  q = await nextQuery(q);
  assert.deepEqual(q, saved, 'the saved view brings back its query');

  // A hidden card stays hidden after a restart of the window, and comes back.
  await (await $('[data-testid="arrange-cards"]')).click();
  await (await $('[data-testid="hide-cost"]')).click();
  await browser.waitUntil(async () => !(await (await $('[data-testid="kpi-cost"]')).isExisting()), {
    timeout: 10000,
    timeoutMsg: 'the cost card stayed',
  });
  await shot('dashboard-arranging-light');
  await browser.execute(() => location.reload());
  await dashboardQuery();
  assert.ok(!(await (await $('[data-testid="kpi-cost"]')).isExisting()), 'the layout is kept in the store');
  await (await $('[data-testid="arrange-cards"]')).click();
  await (await $('[data-testid="show-cost"]')).click();
  await (await $('[data-testid="kpi-cost"]')).waitForExist({ timeout: 10000 });
  await (await $('[data-testid="comparison"]')).selectByAttribute('value', 'previous');
  await nextQuery(q);
});

test('a phrase searched in the conversations becomes a text chip whose numbers are rapport metrics --filter text=', async () => {
  let q = await dashboardQuery();
  await openScreen('Conversations');
  const box = await $('input[aria-label="Search conversations"]');
  await box.waitForExist({ timeout: 10000 });
  await box.setValue('refund');
  const said = await $('[data-testid="search-said"]');
  await said.waitForExist({ timeout: 20000 });
  await browser.waitUntil(async () => (await said.$$('mark')).length > 0, {
    timeout: 20000,
    timeoutMsg: 'no snippet marks the phrase',
  });
  const marked = String(await (await said.$('mark')).getProperty('textContent'));
  assert.equal(marked.toLowerCase(), 'refund', 'the snippet marks the phrase');
  await shot('conversations-search-light');
  await alsoDark(async () => {
    await openScreen('Conversations');
    const again = await $('input[aria-label="Search conversations"]');
    await again.waitForExist({ timeout: 10000 });
    await again.setValue('refund');
    await browser.waitUntil(async () => (await browser.$$('[data-testid="search-said"] mark')).length > 0, {
      timeout: 20000,
      timeoutMsg: 'no snippet marks the phrase (dark)',
    });
    await shot('conversations-search-dark');
  });
  await openScreen('Conversations');
  const boxAgain = await $('input[aria-label="Search conversations"]');
  await boxAgain.waitForExist({ timeout: 10000 });
  await boxAgain.setValue('refund');
  await browser.waitUntil(async () => (await browser.$$('[data-testid="search-said"] mark')).length > 0, {
    timeout: 20000,
    timeoutMsg: 'no snippet marks the phrase (back in light)',
  });
  await (await $('[data-testid="search-to-chip"]')).click();
  q = await nextQuery(q);
  assert.deepEqual(q.filters.text, ['refund'], 'the search became a text filter');
  await assertCardsMatchCli('text=refund');
  await shot('dashboard-text-chip-light');
  await alsoDark(async () => {
    await openScreen('Dashboard');
    await dashboardQuery();
    await shot('dashboard-text-chip-dark');
  });
  await openScreen('Dashboard');
  await dashboardQuery();
  await (await $('ul[aria-label="Filters"] button[aria-label^="Remove filter"]')).click();
  q = await nextQuery(q);

  // What people ask about: a phrase of the card becomes the same kind of chip.
  let topic = await $('[data-testid="card-topics"] [data-testid="topic"]');
  await topic.waitForExist({ timeout: 30000 });
  await topic.scrollIntoView();
  await shot('dashboard-topics-light');
  await alsoDark(async () => {
    await openScreen('Dashboard');
    await dashboardQuery();
    const card = await $('[data-testid="card-topics"] [data-testid="topic"]');
    await card.waitForExist({ timeout: 30000 });
    await card.scrollIntoView();
    await shot('dashboard-topics-dark');
  });
  await openScreen('Dashboard');
  await dashboardQuery();
  topic = await $('[data-testid="card-topics"] [data-testid="topic"]');
  await topic.waitForExist({ timeout: 30000 });
  await topic.scrollIntoView();
  const phrase = String(await (await topic.$('.phrase')).getProperty('textContent')).trim();
  await topic.click();
  q = await nextQuery(q);
  assert.deepEqual(q.filters.text, [phrase], 'the topic became a text filter');
  await assertCardsMatchCli(`text=${phrase}`);
  await (await $('ul[aria-label="Filters"] button[aria-label^="Remove filter"]')).click();
  await nextQuery(q);
});

test('a top unanswered question opens the conversations where it was asked and not answered, as rapport conversations --unanswered lists them', async () => {
  /** The dashboard's first top unanswered question, scrolled into view. */
  const firstQuestion = async () => {
    await openScreen('Dashboard');
    const q = await dashboardQuery();
    const row = await $('[data-testid="card-top-unanswered"] li button.row');
    await row.waitForExist({ timeout: 20000, timeoutMsg: 'the period has no unanswered question' });
    await row.scrollIntoView();
    return { q, row, question: String(await (await row.$('.label')).getProperty('textContent')).trim() };
  };
  const drillLabel = async () => {
    const label = await $('[data-testid="drill-label"]');
    await label.waitForExist({ timeout: 10000 });
    return label;
  };
  const listed = async () => {
    const table = await $('[data-testid="screen-conversations"] [role="table"]');
    await browser.waitUntil(async () => (await table.getAttribute('aria-rowcount')) !== null, {
      timeout: 20000,
      timeoutMsg: 'the list did not load',
    });
    const total = Number(await table.getAttribute('aria-rowcount'));
    if (total > 0) await (await $('[data-testid="screen-conversations"] [role="row"][tabindex]')).waitForExist({ timeout: 10000 });
    const rows = await browser.$$('[data-testid="screen-conversations"] [role="row"][data-conversation]');
    const shown = [];
    for (const r of rows) shown.push([Number(await r.getAttribute('data-index')), await r.getAttribute('data-conversation')]);
    shown.sort((a, b) => a[0] - b[0]);
    return { total, ids: shown.map(([, id]) => id) };
  };

  await alsoDark(async () => {
    const { row } = await firstQuestion();
    await shot('dashboard-unanswered-dark');
    await row.click();
    await drillLabel();
    await listed();
    await shot('conversations-unanswered-dark');
  });

  let { q, row, question } = await firstQuestion();
  await shot('dashboard-unanswered-light');
  await row.click();
  const label = await drillLabel();
  const said = String(await label.getProperty('textContent'));
  assert.ok(said.includes('Asked and not answered') && said.includes(question), `the list says what it lists: ${said}`);
  const expected = cliUnanswered(q, question);
  assert.ok(expected.total > 0, `rapport conversations --unanswered "${question}" lists some`);
  const { total, ids } = await listed();
  assert.equal(total, expected.total, `as many conversations as rapport conversations --unanswered "${question}"`);
  assert.ok(ids.length > 0, 'the list shows its rows');
  assert.deepEqual(ids, expected.rows.slice(0, ids.length).map((r) => r.conversation_id), 'the same conversations, newest first');
  await shot('conversations-unanswered-light');

  // Each one click from its transcript, where the question is asked.
  await (await $(`[data-testid="screen-conversations"] [data-conversation="${ids[0]}"]`)).click();
  const transcript = await $('[data-testid="screen-conversation"] section[aria-label="Transcript"]');
  await transcript.waitForExist({ timeout: 10000 });
  const text = String(await transcript.getProperty('textContent')).toLowerCase();
  const plain = text.normalize('NFKD').replace(/\p{M}/gu, '').replace(/[^\p{L}\p{N}]+/gu, ' ');
  assert.ok(plain.includes(question), `the transcript of ${ids[0]} asks "${question}"`);

  // The label's × shows every conversation of the period again.
  await openScreen('Dashboard');
  ({ q, row, question } = await firstQuestion());
  await row.click();
  await (await (await drillLabel()).$('button')).click();
  await browser.waitUntil(async () => !(await (await $('[data-testid="drill-label"]')).isExisting()), {
    timeout: 10000,
    timeoutMsg: 'the label stayed',
  });

  // Resolution Rate and Unanswered Questions open the conversations behind their numbers.
  for (const [key, flag, title] of [
    ['resolution_rate', '--resolved', 'Resolved by the agent'],
    ['unanswered_questions', '--unresolved', 'With a question not answered'],
  ]) {
    await openScreen('Dashboard');
    const shown = await dashboardQuery();
    await (await $(`[data-testid="open-${key}"]`)).click();
    const title_ = String(await (await drillLabel()).getProperty('textContent'));
    assert.ok(title_.includes(title), `the list says what it lists: ${title_}`);
    const behind = cliConversations(shown, [flag]);
    assert.ok(behind.total > 0, `rapport conversations ${flag} lists some`);
    const list = await listed();
    assert.equal(list.total, behind.total, `as many conversations as rapport conversations ${flag}`);
    assert.deepEqual(list.ids, behind.rows.slice(0, list.ids.length).map((r) => r.conversation_id), `the same conversations as ${flag}`);
  }

  // The + beside a question counts the conversations that say it on the dashboard.
  ({ q, question } = await firstQuestion());
  await (await $('[data-testid="card-top-unanswered"] li button.also')).click();
  q = await nextQuery(q);
  assert.deepEqual(q.filters.text, [question], 'the question became a text filter');
  await assertCardsMatchCli(`text=${question}`);
  await (await $('ul[aria-label="Filters"] button[aria-label^="Remove filter"]')).click();
  await nextQuery(q);
});

test('a tool opens its conversations, and a conversation its transcript', async () => {
  await openScreen('Dashboard');
  await dashboardQuery();
  const tool = await $('[data-testid="chart-tools"] button.row');
  const title = await tool.getAttribute('title');
  await tool.click();
  const list = await $('[data-testid="screen-conversations"]');
  await list.waitForExist({ timeout: 10000 });
  const firstRow = await $('[data-testid="screen-conversations"] [role="row"][tabindex]');
  await firstRow.waitForExist({ timeout: 10000, timeoutMsg: `no conversations listed for "${title}"` });
  await shot('conversations-light');
  await firstRow.click();
  const transcript = await $('[data-testid="screen-conversation"] section[aria-label="Transcript"]');
  await transcript.waitForExist({ timeout: 10000 });
  const bubbles = await browser.$$('[data-testid="screen-conversation"] .bubble');
  assert.ok(bubbles.length > 0, 'the transcript shows its messages');
  const text = String(await bubbles[0].getProperty('textContent')).trim();
  assert.ok(text.length > 0, 'a message reads as text');
  await shot('conversation-light');
});

test('a file imported through the app gets its report', async () => {
  await openScreen('Import');
  await (await $('[data-testid="screen-import"]')).waitForExist({ timeout: 10000 });
  await shot('import-light');
  await (await $('#paste-path')).setValue(IMPORT_FILE);
  await (await byText('button[type="submit"]', 'Import')).click();
  const report = await $('section.report');
  await report.waitForExist({ timeout: 60000 });
  const text = String(await report.getProperty('textContent'));
  assert.match(text, /Import finished/);
  assert.match(text, /jsonl/, 'the report names the format detected');
  const rows = await browser.$$('section.report table.files tbody tr');
  assert.equal(rows.length, 1);
  const cells = await rows[0].$$('td');
  assert.ok(Number(String(await cells[2].getProperty('textContent')).replace(/\D/g, '')) > 0, 'records were imported');
  await shot('import-report-light');
});

test('the Export menu lists the report, every chart and every table, and Esc closes it', async () => {
  await openScreen('Dashboard');
  await dashboardQuery();
  const trigger = await byText('[data-testid="dashboard"] button[aria-haspopup]', 'Export');
  assert.equal(await trigger.getAttribute('aria-expanded'), 'false');
  await trigger.click();
  const menu = await $('#export-menu');
  await menu.waitForExist({ timeout: 5000 });
  assert.equal(await trigger.getAttribute('aria-expanded'), 'true');
  const items = [];
  for (const b of await browser.$$('#export-menu button[data-export]')) items.push(await b.getAttribute('data-export'));
  assert.deepEqual(
    items,
    ['pdf', 'html', 'png', 'png-2x', 'svg', 'csv-conversations', 'csv-tools', 'csv-countries', 'csv-daily', 'csv-unanswered'],
    'PDF, HTML, PNG 1x/2x and SVG of a chart, CSV of each table',
  );
  const charts = await browser.$$('#export-menu select[aria-label="Chart"] option');
  assert.equal(charts.length, 9, 'every chart of the report can be exported');
  const papers = await browser.$$('#export-menu select[aria-label="Paper size"] option');
  assert.equal(papers.length, 2, 'A4 and Letter');
  const focused = await browser.execute(() => document.activeElement?.closest('#export-menu') !== null);
  assert.ok(focused, 'opening the menu moves the focus into it');
  await shot('dashboard-export-menu-light');
  await browser.keys('Escape');
  await menu.waitForExist({ timeout: 5000, reverse: true });
  const back = await browser.execute(() => document.activeElement?.getAttribute('aria-controls'));
  assert.equal(back, 'export-menu', 'Esc gives the focus back to the Export button');
});

test('each CSV of other column names in a folder is mapped, previewed and imported', async () => {
  // A folder as a person would drop it: two chat logs with columns of their own, each needing its own
  // mapping; the second as Excel saves CSV in much of Europe, `;` between cells and CRLF line ends.
  const folder = join(OUT, 'dropped-folder');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(join(folder, 'later'), { recursive: true });
  copyFileSync(MAPPED_FILE, join(folder, 'a-helpdesk.csv'));
  writeFileSync(
    join(folder, 'later', 'b-widget.csv'),
    'Thread;Who;When;Body\r\n' +
      'e2e-widget-1;user;2026-10-07T10:00:00Z;Do you ship to Norway?\r\n' +
      'e2e-widget-1;agent;2026-10-07T10:00:03Z;"Yes, in three to five days; 2,5 € extra."\r\n',
  );
  await openScreen('Import');
  await (await $('[data-testid="screen-import"]')).waitForExist({ timeout: 10000 });
  // Pasted as Windows Explorer's "Copy as path" gives it: in quotes.
  await (await $('#paste-path')).setValue(`"${folder}"`);
  await (await byText('button[type="submit"]', 'Import')).click();
  const step = await $('[data-testid="column-mapping"]');
  await step.waitForExist({ timeout: 20000, timeoutMsg: 'the mapping step did not show' });
  const stepTitle = async () => String(await (await $('#mapping-title')).getProperty('textContent'));
  assert.match(await stepTitle(), /File 1 of 2/, 'both CSVs inside the folder need a mapping');
  assert.match(String(await step.getProperty('textContent')), /a-helpdesk\.csv/);
  const separator = async () => String(await (await $('[data-testid="csv-separator"]')).getProperty('textContent'));
  assert.match(await separator(), /separated by commas/);
  const previewRows = () => browser.$$('[data-testid="mapping-preview"] tbody tr');
  const choose = async (field, column) => {
    await (await $(`select[data-field="${field}"]`)).selectByAttribute('value', column);
  };
  const next = await byText('[data-testid="column-mapping"] button[type="submit"]', 'Next file');
  assert.equal(await next.isEnabled(), false, 'nothing goes on before the required fields have columns');

  await choose('conversation_id', 'Ticket');
  await browser.waitUntil(async () => (await previewRows()).length === 5, {
    timeout: 5000,
    timeoutMsg: 'the preview shows the rows of the chosen column',
  });
  await choose('role', 'Party');
  await choose('timestamp', 'Logged');
  await choose('content', 'Words');
  const header = String(await (await $('[data-testid="mapping-preview"] thead')).getProperty('textContent'));
  for (const field of ['conversation_id', 'role', 'timestamp', 'content']) {
    assert.match(header, new RegExp(field), `the preview has a ${field} column`);
  }
  const firstRow = String(await (await previewRows())[0].getProperty('textContent'));
  assert.match(firstRow, /Where is my parcel\?/, 'the preview shows the file’s cells');
  assert.ok(await (await $('[data-testid="mapping-zone"]')).isExisting(), 'naive timestamps ask for their zone');
  assert.equal(await next.isEnabled(), true);
  await shot('import-mapping-light');
  await next.click();

  // The second file, its own columns guessed from their names; its timestamps carry Z, so no zone question.
  await browser.waitUntil(async () => /File 2 of 2/.test(await stepTitle()), {
    timeout: 10000,
    timeoutMsg: 'the second file did not get its own mapping step',
  });
  assert.match(String(await (await $('[data-testid="column-mapping"]')).getProperty('textContent')), /b-widget\.csv/);
  assert.equal(await (await $('select[data-field="conversation_id"]')).getValue(), 'Thread');
  assert.equal(await (await $('[data-testid="mapping-zone"]')).isExisting(), false, 'offsets need no zone');
  assert.match(await separator(), /separated by semicolons \(;\)/, 'the step says which separator it found');
  const lastRow = String(await (await previewRows()).at(-1).getProperty('textContent'));
  assert.match(lastRow, /Yes, in three to five days; 2,5 € extra\./, 'the quoted cell keeps its marks');
  await shot('import-mapping-second-file-light');
  await (await byText('[data-testid="column-mapping"] button[type="submit"]', 'Import with this mapping')).click();

  const report = await $('section.report');
  await report.waitForExist({ timeout: 60000 });
  const text = String(await report.getProperty('textContent'));
  assert.match(text, /Import finished/);
  const rows = await browser.$$('section.report table.files tbody tr');
  const read = [];
  for (const row of rows) {
    const cells = await row.$$('td');
    read.push([
      basename(String(await cells[0].getProperty('textContent')).trim()),
      String(await cells[1].getProperty('textContent')).trim(),
      String(await cells[2].getProperty('textContent')).trim(),
    ]);
  }
  assert.deepEqual(
    read,
    [
      ['a-helpdesk.csv', 'csv-mapped', '5'],
      ['b-widget.csv', 'csv-mapped', '2'],
    ],
    'every row of each file became a message, each through its own mapping',
  );
  await shot('import-mapping-report-light');
});

test('every screen, light and dark', async () => {
  for (const theme of ['light', 'dark']) {
    await setTheme(theme);
    await shot(`settings-${theme}`);
    await openScreen('Dashboard');
    await dashboardQuery();
    await shot(`dashboard-${theme}`);
    await (await $('[data-testid="chart-countries"]')).scrollIntoView();
    await shot(`dashboard-map-${theme}`);
    await (await $('[data-testid="chart-tokens"]')).scrollIntoView();
    await shot(`dashboard-tokens-${theme}`);
    await openScreen('Conversations');
    await (await $('[data-testid="screen-conversations"] [role="row"][tabindex]')).waitForExist({ timeout: 10000 });
    await shot(`conversations-${theme}`);
    await (await $('[data-testid="screen-conversations"] [role="row"][tabindex]')).click();
    await (await $('[data-testid="screen-conversation"]')).waitForExist({ timeout: 10000 });
    await shot(`conversation-${theme}`);
    await openScreen('Import');
    await shot(`import-${theme}`);
  }
  await setTheme('system');
});

/**
 * A Dify service-API messages export in which two messages of one
 * conversation carry feedback with a comment, at the same second (so the
 * old list key, conversation + time, was the same for both), with a tool
 * name and a comment no one would write by hand.
 */
function difyExport() {
  const at = 1791536400; // 2026-10-09T09:00:00Z
  const message = (id, conversation, createdAt, feedback, tool = null) => ({
    id,
    conversation_id: conversation,
    parent_message_id: null,
    inputs: {},
    query: `question ${id}`,
    answer: `answer ${id}`,
    message_files: [],
    feedback,
    retriever_resources: [],
    created_at: createdAt,
    agent_thoughts: tool
      ? [{ id: `${id}-t`, chain_id: null, message_id: id, position: 1, thought: '', tool, tool_labels: {}, tool_input: '{}', created_at: createdAt, observation: '', files: [] }]
      : [],
    status: 'normal',
    error: null,
  });
  return {
    limit: 20,
    has_more: false,
    data: [
      message('m-1', 'dup', at, { rating: 'like', content: 'Helpful, thanks!' }, `=lookup_${'x'.repeat(2000)}`),
      message('m-2', 'dup', at, { rating: 'dislike', content: 'Wrong order number \u0007\u001b[31m again' }),
      message('m-3', 'dup', at + 60, { rating: 'like', content: 'Helpful, thanks!' }),
      // Priced in yuan, as Dify's console gives it: left out of the dollars, and said under the cost.
      {
        ...message('m-4', 'other', at + 120, { rating: 'like', content: '\u202eright to left\u202c and \u0301 a lone mark' }),
        metadata: { usage: { prompt_tokens: 620, completion_tokens: 80, total_price: '0.0126', currency: 'RMB' } },
      },
    ],
  };
}

/**
 * The limits case of FORMAT.md: values at the limits (tokens 1e12, cost 1e9,
 * instants in 1970 and 2199) beside values past them, which the import
 * rejects with their lines.
 */
function limitsFile() {
  if (LIMITS_FILE) return LIMITS_FILE;
  const file = join(OUT, 'limits.jsonl');
  writeFileSync(
    file,
    [
      '{"type":"conversation","conversation_id":"lim","started_at":"2026-10-01T09:30:00Z","source":"web"}',
      '{"type":"message","conversation_id":"lim","role":"user","timestamp":"2026-10-01T09:30:00Z","content":"q1"}',
      '{"type":"message","conversation_id":"lim","role":"agent","timestamp":"2026-10-01T09:30:02Z","content":"a1","prompt_tokens":1000000000000,"completion_tokens":1000000000000,"cost":1000000000.0,"model":"m"}',
      '{"type":"message","conversation_id":"lim","role":"agent","timestamp":"2026-10-01T09:30:06Z","content":"huge cost","cost":1.7e+308}',
      '{"type":"message","conversation_id":"old","role":"user","timestamp":"1970-01-01T00:00:00Z","content":"first instant"}',
      '{"type":"message","conversation_id":"late","role":"user","timestamp":"2199-12-31T23:59:59.999999Z","content":"last instant"}',
      '{"type":"message","conversation_id":"late","role":"user","timestamp":"340282366920938463463376398278768212","content":"39 digits"}',
    ].join('\n') + '\n',
  );
  return file;
}

/** Every card of the dashboard drew: none shows its boundary's failure. */
async function assertEveryCardDrew(label) {
  const failed = await browser.$$('[data-testid="card-failed"]');
  const names = [];
  for (const f of failed) names.push(`${await f.getAttribute('data-card')}: ${await f.getProperty('textContent')}`);
  assert.deepEqual(names, [], `${label}: every card drew`);
  for (const id of ['chart-daily', 'chart-peak_hours', 'chart-countries', 'chart-devices', 'chart-sources', 'chart-languages', 'chart-tools', 'chart-feedback', 'chart-tokens']) {
    assert.ok(await (await $(`[data-testid="${id}"]`)).isExisting(), `${label}: the ${id} card is there`);
  }
  for (const key of Object.keys(KPI)) {
    assert.ok(await (await $(`[data-testid="kpi-${key}"]`)).isExisting(), `${label}: the kpi-${key} card is there`);
  }
}

test('a Dify export with two comments in one conversation, and the limit values, draw every card', async () => {
  const db = join(OUT, 'hostile.db');
  const dify = join(OUT, 'dify-messages.json');
  const limits = limitsFile();
  rmSync(db, { force: true });
  writeFileSync(dify, JSON.stringify(difyExport(), null, 2));
  const imported = spawnSync(CLI, ['--db', db, 'import', '--json', dify, limits], { encoding: 'utf8' });
  assert.equal(imported.status, 0, `both files import: ${imported.stderr}`);
  const report = JSON.parse(imported.stdout);
  assert.deepEqual(report.files.map((f) => f.format), ['dify-messages', 'jsonl'], 'the Dify export is recognised');
  assert.equal(report.files[0].rejected, 0, `the Dify export imports whole: ${imported.stdout}`);
  assert.ok(report.files[1].records > 0 && report.files[1].rejected > 0, `the values at the limits go in, those past them are rejected: ${imported.stdout}`);
  assert.ok(report.files[1].rejections.every((r) => /out of range/.test(r.reason)), `each past a limit: ${imported.stdout}`);

  await browser.deleteSession();
  browser = await openApp(['--db', db]);
  let q = await dashboardQuery(120000);
  if ((await (await $('#period-select')).getValue()) !== 'all_time') {
    await (await $('#period-select')).selectByAttribute('value', 'all_time');
    q = await nextQuery(q, 120000);
  }
  assert.ok(Date.parse(q.from) <= 0, `all time starts with the day of the first instant a store holds: ${q.from}`);
  assert.ok(Date.parse(q.to) >= Date.UTC(2199, 11, 31), `and ends after the last: ${q.to}`);
  await assertCardsMatchCli('hostile store, all time', db);
  await assertEveryCardDrew('hostile store, all time');
  const costNote = await $('[data-testid="kpi-cost-detail"]');
  await costNote.waitForExist({ timeout: 10000, timeoutMsg: 'the cost card says nothing of the costs in RMB' });
  assert.equal(
    String(await costNote.getProperty('textContent')).trim(),
    '1 message priced in RMB (0.0126 RMB) is not in this total: set a rate in Settings',
    'the cost card says which costs in another currency it left out',
  );
  const comments = await browser.$$('[data-testid="chart-feedback"] ul.comments li');
  assert.equal(comments.length, 4, 'every comment is listed, the two of one conversation at one second included');
  await shot('dashboard-hostile-light');
  await (await $('[data-testid="chart-tools"]')).scrollIntoView();
  await shot('dashboard-hostile-tools-feedback-light');
  await (await $('[data-testid="chart-tokens"]')).scrollIntoView();
  await shot('dashboard-hostile-tokens-light');

  // The last 90 days: the Dify conversations and the limit values of October 2026, without 1970 and 2199.
  await browser.execute(() => window.scrollTo(0, 0));
  await (await $('#period-select')).selectByAttribute('value', 'last_90_days');
  q = await nextQuery(q);
  await assertCardsMatchCli('hostile store, last 90 days', db);
  await assertEveryCardDrew('hostile store, last 90 days');
  assert.equal((await browser.$$('[data-testid="chart-feedback"] ul.comments li')).length, 4, 'the comments are there');
  await shot('dashboard-hostile-90-days-light');
});

test('a GeoIP database moved away leaves the app starting, with a warning above the screen', async () => {
  const moved = join(OUT, 'moved-away.mmdb');
  rmSync(moved, { force: true });
  await browser.deleteSession();
  browser = await openApp(['--db', DB, '--geo', moved]);
  await dashboardQuery();
  const warning = await $('[data-testid="engine-warnings"]');
  await warning.waitForExist({ timeout: 10000, timeoutMsg: 'no warning is shown' });
  const text = String(await warning.getProperty('textContent'));
  assert.match(text, /moved-away\.mmdb/, 'the warning names the file');
  assert.match(text, /bundled database/, 'and says what is used instead');
  await assertEveryCardDrew('with the bundled GeoIP database');
  await shot('dashboard-geo-warning-light');
});

test('an empty store offers demo data on first start', async () => {
  await browser.deleteSession();
  browser = await openApp(['--db', EMPTY_DB]);
  const welcome = await $('[data-testid="screen-welcome"]');
  await welcome.waitForExist({ timeout: 20000 });
  await shot('welcome');
  await (await byText('button', 'Explore with demo data')).click();
  const q = await dashboardQuery();
  assert.ok(q.from < q.to);
  const messages = await $('[data-testid="kpi-total_messages"]');
  await browser.waitUntil(async () => Number(await messages.getAttribute('data-value')) > 0, {
    timeout: 20000,
    timeoutMsg: 'the demo data did not reach the dashboard',
  });
  copyFileSync(EMPTY_DB, join(OUT, 'demo.db')); // kept for looking at afterwards
  await shot('dashboard-demo');
});
