// Screenshots of every screen, light and dark, in Debian's Chromium against
// the development mock backend (`npm run dev` data). For looking at the UI,
// not for testing the app: the WebKitGTK run of the real shell is that.
//
//   node scripts/screenshots.mjs [outDir]      (default: ui-shots in the system's temp folder)
//
// Needs Debian's chromium (apt-get install chromium), or CHROMIUM=path; never downloads a browser.

import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createServer } from 'vite';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? path.join(tmpdir(), 'ui-shots');
const port = 5199;

await mkdir(out, { recursive: true });
const server = await createServer({ root, configFile: path.join(root, 'vite.config.ts'), server: { port, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
await server.listen();
const base = `http://127.0.0.1:${port}/`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

const shots = [];
async function shot(page, name, opts = {}) {
  const file = path.join(out, `${name}.png`);
  await page.waitForTimeout(opts.settle ?? 400);
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? false });
  shots.push(file);
}

try {
  for (const scheme of ['light', 'dark']) {
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      colorScheme: scheme,
      locale: 'en-US',
      timezoneId: 'Europe/Berlin',
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[${scheme}] page error:`, e.message));
    page.on('console', (m) => m.type() === 'error' && console.error(`[${scheme}] console:`, m.text()));

    // First start: nothing stored.
    await page.goto(base);
    await page.getByTestId('screen-welcome').waitFor();
    await shot(page, `${scheme}-01-welcome`);

    // Demo data, then the dashboard.
    await page.getByRole('button', { name: /Explore with demo data/ }).click();
    await page.getByTestId('kpi-total_messages').waitFor();
    await shot(page, `${scheme}-02-dashboard`, { settle: 1200 });
    await shot(page, `${scheme}-03-dashboard-full`, { fullPage: true, settle: 300 });
    await page.getByTestId('chart-countries').screenshot({ path: path.join(out, `${scheme}-03b-map.png`) });

    // What the end-to-end tests will read.
    const query = JSON.parse(await page.getByTestId('dashboard').getAttribute('data-query'));
    const kpi = await page.getByTestId('kpi-avg_response_time_ms').evaluate((el) => [el.dataset.value, el.textContent.trim()]);
    console.log(`[${scheme}] data-query`, JSON.stringify(query), 'kpi-avg_response_time_ms', JSON.stringify(kpi));

    // Hover a KPI with p50/p95 and an ⓘ.
    await page.getByTestId('kpi-avg_response_time_ms').hover();
    await shot(page, `${scheme}-04-kpi-hover`, { settle: 300 });

    // A filter chip from the device list.
    await page.getByTestId('chart-devices').locator('button.row').first().click();
    await page.waitForTimeout(600);
    await shot(page, `${scheme}-05-dashboard-filtered`, { settle: 600 });

    // Conversations list, reached with Ctrl+F: the search box has the focus.
    await page.keyboard.press('Control+f');
    await page.getByTestId('screen-conversations').waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Search conversations');
    await page.waitForSelector('[data-index="0"]');
    await shot(page, `${scheme}-06-conversations`);

    // One conversation.
    await page.locator('[data-index="1"]').click();
    await page.getByTestId('screen-conversation').getByLabel('Transcript').waitFor();
    await shot(page, `${scheme}-07-conversation`, { fullPage: true });

    // Import: idle, then a run to its report.
    await page.getByRole('navigation').getByRole('button', { name: 'Import' }).click();
    await page.getByTestId('screen-import').waitFor();
    await shot(page, `${scheme}-08-import`);
    await page.getByRole('button', { name: /Import files…/ }).click();
    await page.waitForSelector('[role="progressbar"]');
    await shot(page, `${scheme}-09-import-progress`, { settle: 900 });
    await page.getByText('Import finished').waitFor({ timeout: 15000 });
    await shot(page, `${scheme}-10-import-report`, { fullPage: true });

    // Settings.
    await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
    await page.getByTestId('screen-settings').waitFor();
    await shot(page, `${scheme}-11-settings`, { fullPage: true });

    // Keyboard: the period picker's custom range, the zone list, a heatmap drill.
    await page.getByRole('navigation').getByRole('button', { name: 'Dashboard' }).click();
    await page.getByTestId('kpi-total_messages').waitFor();
    await page.getByLabel('Period', { exact: true }).selectOption('custom');
    await shot(page, `${scheme}-15-custom-range`, { settle: 200 });
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: /Europe\/Berlin/ }).click();
    await page.keyboard.type('new york');
    await shot(page, `${scheme}-16-zone-picker`, { settle: 200 });
    await page.keyboard.press('Escape');
    const heat = page.getByTestId('chart-peak_hours').locator('[role="img"]');
    await heat.focus();
    await page.keyboard.press('ArrowRight'); // lands on the busiest hour
    await shot(page, `${scheme}-17-heatmap-keyboard`, { settle: 300 });
    await page.keyboard.press('Enter');
    await page.getByTestId('screen-conversations').waitFor();
    await page.waitForSelector('[data-index="0"]');
    await shot(page, `${scheme}-18-drill-hour`);

    // Drill into the busiest tool.
    await page.getByRole('navigation').getByRole('button', { name: 'Dashboard' }).click();
    await page.getByTestId('chart-tools').locator('button.row').first().click();
    await page.getByTestId('screen-conversations').waitFor();
    await page.waitForSelector('[data-index="0"]');
    await shot(page, `${scheme}-12-drill-tool`);

    // Empty map sentence and a 100,000-row list.
    const edge = await context.newPage();
    await edge.goto(`${base}?mockDemo=1&mockNoIp=1`);
    await edge.getByTestId('chart-countries').waitFor();
    await edge.getByTestId('chart-countries').scrollIntoViewIfNeeded();
    await shot(edge, `${scheme}-13-empty-map`);
    await edge.goto(`${base}?mockDemo=1&mockRows=100000`);
    await edge.getByTestId('kpi-total_messages').waitFor();
    await edge.getByRole('navigation').getByRole('button', { name: 'Conversations' }).click();
    await edge.waitForSelector('[data-index="0"]');
    const started = Date.now();
    await edge.locator('.scroller').evaluate((el) => (el.scrollTop = 40 * 73_000));
    await edge.waitForSelector('[data-index="73000"]');
    console.log(`[${scheme}] scrolled to row 73,000 of 100,000 in ${Date.now() - started} ms`);
    await shot(edge, `${scheme}-14-100k-rows`);
    await edge.close();

    await context.close();
  }

  // A small laptop window: the dashboard must still read without clipping.
  const small = await browser.newContext({ viewport: { width: 1100, height: 760 }, locale: 'en-US', timezoneId: 'Europe/Berlin' });
  const page = await small.newPage();
  await page.goto(`${base}?mockDemo=1`);
  await page.getByTestId('kpi-total_messages').waitFor();
  await shot(page, 'small-dashboard-full', { fullPage: true, settle: 1200 });
  await small.close();
} finally {
  await browser.close();
  await server.close();
}

console.log(shots.join('\n'));
