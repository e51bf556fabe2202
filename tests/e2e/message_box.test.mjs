// End-to-end, issue 14: a store the app cannot open is said in a native
// message box (with what to do), not only on stderr, which no one sees when
// the app starts from a menu, the Finder or Explorer. The app is started
// alone (no WebDriver: it never gets to make its window) under the suite's
// Xvfb; the box is found by its title among the display's windows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const APP = process.env.RAPPORT_APP;
const CLI = process.env.RAPPORT_CLI;
const OUT = process.env.E2E_OUT;
if (!APP || !CLI || !OUT) throw new Error('tests/e2e needs RAPPORT_APP, RAPPORT_CLI and E2E_OUT; run tests/e2e/run.sh');
const TITLE = 'Rapport cannot start';
const dir = join(OUT, 'bad-stores');
mkdirSync(dir, { recursive: true });

/**
 * The titles of the display's windows, from xwininfo's tree. A display that
 * refuses a connection for a moment (seen once in a CI run, right after an
 * app was stopped) is asked again, up to 2 s, before that is an error.
 */
function windowTitles() {
  for (let attempt = 0; ; attempt++) {
    try {
      const tree = execFileSync('xwininfo', ['-root', '-tree'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return [...tree.matchAll(/^\s*0x[0-9a-f]+ "([^"]*)"/gm)].map((m) => m[1]);
    } catch (e) {
      if (attempt >= 10) throw e;
      execFileSync('sleep', ['0.2']);
    }
  }
}

/** Starts the app on `db`; resolves when a window titled TITLE shows, with what it wrote on stderr. */
async function messageBoxFor(db) {
  const app = spawn(APP, ['--db', db], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exited = null;
  app.stderr.on('data', (d) => (stderr += d));
  app.on('exit', (code) => (exited = code));
  try {
    for (let i = 0; i < 150 && exited === null; i++) {
      if (windowTitles().includes(TITLE)) {
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(exited, null, 'the app waits for the person to read the box before it exits');
        return stderr;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`no window titled "${TITLE}" appeared (exit ${exited}); stderr: ${stderr}`);
  } finally {
    app.kill('SIGTERM');
  }
}

test("another program's file is refused in a message box", async () => {
  const db = join(dir, 'notes.db');
  writeFileSync(db, 'my notes, not a store\n');
  const stderr = await messageBoxFor(db);
  assert.match(stderr, /is not a Rapport store/);
  assert.match(stderr, /Move that file away or give Rapport another store/);
  assert.equal(readFileSync(db, 'utf8'), 'my notes, not a store\n', 'the file is left untouched');
});

test('a store written by a newer version is refused in a message box', async () => {
  const db = join(dir, 'newer.db');
  execFileSync(CLI, ['--db', db, 'status']);
  const bytes = readFileSync(db);
  bytes.writeUInt32BE(9999, 60); // SQLite's user_version: the schema version
  writeFileSync(db, bytes);
  const stderr = await messageBoxFor(db);
  assert.match(stderr, /newer version of Rapport/);
  assert.match(stderr, /Install the newer version/);
});

test('a corrupt store is refused in a message box', async () => {
  const db = join(dir, 'corrupt.db');
  writeFileSync(db, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(8192, 0xa5)]));
  const stderr = await messageBoxFor(db);
  assert.match(stderr, /corrupt|not an SQLite database/);
});
