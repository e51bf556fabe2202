// How long a filter change takes to redraw the dashboard in the real app
// (WebKitGTK through tauri-driver, as the end-to-end suite drives it): from
// the click that adds or removes a filter until the new numbers are painted,
// and until the charts have followed them and the browser has painted twice
// more (ECharts draws its canvases on the next animation frame). Also from starting the app to its first
// dashboard's numbers, and, with RAPPORT_SMALL (a small file of new
// conversations), from the Import button to the dashboard showing them.
// On Linux it also says how old the app's process was when the first
// numbers were painted (`process_to_numbers_ms`: its age from /proc, to
// 10 ms, less the time since the page marked them painted): the window's
// own start included, the driver's session before it not.
// Prints JSON; bench/run.py runs it under Xvfb.
//
//   RAPPORT_APP=target/release/rapport-desktop RAPPORT_DB=store.db [RAPPORT_SMALL=small.jsonl] \
//     [RAPPORT_WAIT_TOPICS=1] [RAPPORT_SHOT=window.png] xvfb-run -a node tests/e2e/redraw-benchmark.mjs [repeat]
//
// tauri-driver must be on PATH. Figures are printed, never asserted.

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { remote } from 'webdriverio';

const APP = process.env.RAPPORT_APP;
const DB = process.env.RAPPORT_DB;
if (!APP || !DB) throw new Error('redraw-benchmark needs RAPPORT_APP and RAPPORT_DB');
const SMALL = process.env.RAPPORT_SMALL;
const REPEAT = Number(process.argv[2] ?? 10);

/**
 * How long ago, in milliseconds, the youngest process running `APP` started
 * (from /proc: Linux only, in steps of 10 ms); null elsewhere.
 */
function appProcessAgeMs() {
  try {
    const exe = realpathSync(APP);
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    let youngest = null;
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (readlinkSync(`/proc/${pid}/exe`) !== exe) continue;
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // Field 22, starttime, in clock ticks (100 a second) since boot; fields count from 3 after the name.
        const started = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) / 100;
        if (youngest === null || started > youngest) youngest = started;
      } catch {
        // gone, or not ours to read
      }
    }
    return youngest === null ? null : Math.round((uptime - youngest) * 1000);
  } catch {
    return null;
  }
}

async function waitForDriver() {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch('http://127.0.0.1:4444/status')).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('tauri-driver did not start on port 4444');
}

/**
 * In the page: clicks the `index`th match of `selector`; resolves with the
 * milliseconds from the click until the new numbers are in the page
 * (`data`), until the frame showing them has been painted (`numbers`: the
 * page's own `rapport:numbers-painted` mark, set by a task queued in that
 * frame, before the charts are updated), until the charts have been
 * updated to them too (`charts`: the dashboard's `data-charts`), until the
 * next frame, in which ECharts draws (`drawn`), and until the frame after
 * it, when that drawing has been painted (`painted`).
 */
function timeClick(selector, index = 0) {
  const root = document.querySelector('[data-testid="dashboard"]');
  const before = root.getAttribute('data-query');
  const answered = () => root.getAttribute('data-query') !== before && root.getAttribute('aria-busy') === 'false';
  return new Promise((resolve, reject) => {
    const target = document.querySelectorAll(selector)[index];
    if (!target) return reject(new Error(`nothing matches ${selector} [${index}]`));
    const t0 = performance.now();
    let data = null;
    const finish = () => {
      const charts = performance.now() - t0;
      const mark = performance.getEntriesByName('rapport:numbers-painted').filter((m) => m.startTime >= t0 + data)[0];
      requestAnimationFrame(() => {
        const drawn = performance.now() - t0;
        requestAnimationFrame(() =>
          resolve({ data, numbers: mark ? mark.startTime - t0 : null, charts, drawn, painted: performance.now() - t0 }),
        );
      });
    };
    const observer = new MutationObserver(() => {
      if (data === null && answered()) data = performance.now() - t0;
      if (data !== null && root.getAttribute('data-charts') === 'drawn') {
        observer.disconnect();
        finish();
      }
    });
    observer.observe(root, { attributes: true, attributeFilter: ['aria-busy', 'data-query', 'data-charts'] });
    target.click();
  });
}

const driver = spawn('tauri-driver', [], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, RAPPORT_DB: DB } });
let browser;
try {
  await waitForDriver();
  const launched = Date.now();
  browser = await remote({
    hostname: '127.0.0.1',
    port: 4444,
    logLevel: 'error',
    connectionRetryTimeout: 600000,
    capabilities: { 'tauri:options': { application: APP, args: ['--db', DB] } },
  });
  await browser.setTimeout({ script: 600000 });
  const dashboard = await browser.$('[data-testid="dashboard"]');
  await dashboard.waitForExist({ timeout: 600000 });
  const settled = async () =>
    browser.waitUntil(
      async () =>
        (await dashboard.getAttribute('aria-busy')) === 'false' && (await dashboard.getAttribute('data-charts')) !== 'pending',
      { timeout: 600000, interval: 200 },
    );
  const total = await browser.$('[data-testid="kpi-total_conversations"]');
  const numbers = async () => (await total.isExisting()) && (await total.getAttribute('data-value')) !== null;
  await browser.waitUntil(async () => (await numbers()) && (await dashboard.getAttribute('aria-busy')) === 'false', {
    timeout: 600000,
    interval: 20,
  });
  const startToNumbersMs = Date.now() - launched;
  const processAgeMs = appProcessAgeMs();
  // The page's own clock: now, when its script had been read and run
  // (DOMContentLoaded), and when the dashboard marked its first numbers painted.
  const page = await browser.execute(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const painted = performance.getEntriesByName('rapport:first-numbers-painted')[0];
    const marks = {};
    for (const m of performance.getEntriesByType('mark')) {
      if (m.name.startsWith('rapport:')) marks[m.name.slice('rapport:'.length)] = Math.round(m.startTime);
    }
    return {
      now: performance.now(),
      script_run: nav ? Math.round(nav.domContentLoadedEventEnd) : null,
      painted: painted ? painted.startTime : null,
      marks,
    };
  });
  const processToNumbersMs =
    processAgeMs === null || page.painted === null ? null : Math.round(processAgeMs - (page.now - page.painted));
  const started = Date.now();
  await settled();
  // The whole store, so every number covers every conversation.
  await (await browser.$('#period-select')).selectByAttribute('value', 'all_time');
  await browser.pause(200);
  await settled();
  const firstLoadMs = Date.now() - started;
  await browser.pause(1000);
  // With RAPPORT_WAIT_TOPICS, the filters are clicked once the topics card
  // has its topics (the topic index read: minutes at ten million
  // conversations), as when a person comes back to the window later: each
  // query's topics are then counted after its numbers, while the next
  // filter may be clicked.
  let topicsReadMs = null;
  if (process.env.RAPPORT_WAIT_TOPICS) {
    const t0 = Date.now();
    const topic = '[data-testid="card-topics"] [data-testid="topic"]';
    await browser.waitUntil(async () => (await browser.$$(topic)).length > 0, {
      timeout: 600000,
      interval: 500,
      timeoutMsg: 'the topics card showed no topic in 10 minutes',
    });
    topicsReadMs = Date.now() - t0;
  }

  const add = '[data-testid="chart-countries"] button.row';
  const remove = 'ul[aria-label="Filters"] button[aria-label^="Remove filter"]';
  const adding = [];
  const removing = [];
  for (let i = 0; i < REPEAT; i++) {
    // Another country each time, so the window's cache cannot answer.
    adding.push(await browser.execute(timeClick, add, i % 8));
    await browser.pause(300);
    removing.push(await browser.execute(timeClick, remove));
    await browser.pause(300);
  }
  const median = (xs) => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
  const medians = (runs) => ({
    data: median(runs.map((r) => r.data)),
    numbers: median(runs.map((r) => r.numbers)),
    charts: median(runs.map((r) => r.charts)),
    drawn: median(runs.map((r) => r.drawn)),
    painted: median(runs.map((r) => r.painted)),
  });
  const conversations = await total.getAttribute('data-value');

  // A small import through the Import screen, then back to the dashboard
  // until it counts the new conversations.
  let smallImport = null;
  if (SMALL) {
    const byText = async (selector, text) => {
      for (const el of await browser.$$(selector)) {
        if (String(await el.getProperty('textContent')).includes(text)) return el;
      }
      throw new Error(`no ${selector} reads "${text}"`);
    };
    await (await byText('nav[aria-label="Screens"] button', 'Import')).click();
    await (await browser.$('#paste-path')).setValue(SMALL);
    const t0 = Date.now();
    await (await byText('button[type="submit"]', 'Import')).click();
    await (await browser.$('section.report')).waitForExist({ timeout: 600000, interval: 20 });
    const imported = Date.now() - t0;
    await (await byText('nav[aria-label="Screens"] button', 'Dashboard')).click();
    await browser.waitUntil(
      async () =>
        (await total.isExisting()) &&
        (await total.getAttribute('data-value')) !== conversations &&
        (await dashboard.getAttribute('aria-busy')) === 'false',
      {
        // A file imported before adds nothing, and the count never changes.
        timeout: 120000,
        interval: 20,
        timeoutMsg: `after importing ${SMALL} the dashboard still counts ${conversations} conversations after 2 minutes: were they imported before? Give a file of new conversations in the period`,
      },
    );
    smallImport = {
      import_ms: imported,
      to_new_numbers_ms: Date.now() - t0,
      conversations_after: Number(await total.getAttribute('data-value')),
    };
  }
  // With RAPPORT_SHOT (a .png path), the window as a person then sees it,
  // scrolled to its topics card once that has topics (after the small
  // import, if any).
  if (process.env.RAPPORT_SHOT) {
    const topic = '[data-testid="card-topics"] [data-testid="topic"]';
    await browser.waitUntil(async () => (await browser.$$(topic)).length > 0, {
      timeout: 600000,
      interval: 200,
      timeoutMsg: 'the topics card showed no topic in 10 minutes',
    });
    await (await browser.$('[data-testid="card-topics"]')).scrollIntoView();
    await browser.pause(500);
    await browser.saveScreenshot(process.env.RAPPORT_SHOT);
  }
  console.log(
    JSON.stringify({
      conversations: Number(conversations),
      start_to_numbers_ms: startToNumbersMs,
      process_to_numbers_ms: processToNumbersMs,
      page_load_to_script_run_ms: page.script_run,
      page_load_to_numbers_painted_ms: page.painted === null ? null : Math.round(page.painted),
      // The page's marks on its way there, from its load: the status answered, the first dashboard answered.
      page_marks_ms: page.marks,
      first_load_ms: firstLoadMs,
      topics_read_ms: topicsReadMs,
      small_import: smallImport,
      // Adding a filter (another country each time) asks the engine; removing
      // it again goes back to a dashboard the window has already drawn.
      add_filter_ms: medians(adding),
      remove_filter_ms: medians(removing),
      all_ms: medians([...adding, ...removing]),
      runs: { adding, removing },
    }),
  );
} finally {
  if (browser) await browser.deleteSession().catch(() => {});
  driver.kill();
}
