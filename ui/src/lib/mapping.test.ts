import { describe, expect, it } from 'vitest';
import type { CsvPreview } from './bindings';
import {
  choose,
  fileChoice,
  importOptions,
  reusedChoice,
  guessMapping,
  mappedPreview,
  missingFields,
  needsZone,
  recallMapping,
  rememberMapping,
  sharedColumns,
  separatorWords,
  startingMapping,
} from './mapping';

const preview: CsvPreview = {
  headers: ['Chat', 'Sender', 'Sent at', 'Text', 'Channel'],
  rows: [
    ['c1', 'customer', '2026-10-05 09:00:00', 'Where is my parcel?', 'web'],
    ['c1', 'bot', '2026-10-05 09:00:04', 'It left the depot.', 'web'],
  ],
  separator: 'comma',
};

class MemoryStorage {
  items = new Map<string, string>();
  getItem(k: string) {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.items.set(k, v);
  }
}
const memory = () => new MemoryStorage() as unknown as Storage;

describe('the first guess', () => {
  it('takes columns named like a field or one of its usual names', () => {
    expect(guessMapping(preview.headers)).toEqual({
      conversation_id: 'Chat',
      role: 'Sender',
      timestamp: 'Sent at',
      content: 'Text',
      source: 'Channel',
    });
    expect(guessMapping(['conversation_id', 'Role', 'TIMESTAMP'])).toEqual({
      conversation_id: 'conversation_id',
      role: 'Role',
      timestamp: 'TIMESTAMP',
    });
  });

  it('uses a column once, and leaves unknown names alone', () => {
    expect(guessMapping(['a', 'b'])).toEqual({});
    expect(guessMapping(['user'])).toEqual({ customer_id: 'user' });
  });
});

describe('choosing', () => {
  it('sets and clears a field, and says which required ones are missing', () => {
    let map = choose({}, 'conversation_id', 'Chat');
    expect(missingFields(map).map((f) => f.field)).toEqual(['role', 'timestamp']);
    map = choose(choose(map, 'role', 'Sender'), 'timestamp', 'Sent at');
    expect(missingFields(map)).toEqual([]);
    expect(choose(map, 'role', '')).not.toHaveProperty('role');
  });

  it('notices one column given to two fields', () => {
    expect(sharedColumns({ content: 'Text', message_id: 'Text', role: 'Sender' })).toEqual(['Text']);
  });
});

describe('the preview', () => {
  it('shows the mapped fields, in the fields’ order, with their cells', () => {
    const shaped = mappedPreview(preview, { content: 'Text', conversation_id: 'Chat' });
    expect(shaped.fields.map((f) => f.field)).toEqual(['conversation_id', 'content']);
    expect(shaped.columns).toEqual(['Chat', 'Text']);
    expect(shaped.rows[1]).toEqual(['c1', 'It left the depot.']);
  });
});

describe('the zone of the timestamps', () => {
  const withTimes = (times: string[]): CsvPreview => ({ headers: ['t'], rows: times.map((t) => [t]), separator: 'comma' });
  it.each([
    [['2026-10-05 09:00:00'], true],
    [['2026-10-05T09:00:00'], true],
    [['2026-10-05T09:00:00Z'], false],
    [['2026-10-05T09:00:00+02:00', '2026-10-05T09:00:00-0500'], false],
    [['1791183600', ''], false],
    [['2026-10-05T09:00:00Z', '2026-10-05 09:00'], true],
  ])('%j asks for a zone: %j', (times, asks) => {
    expect(needsZone(withTimes(times), { timestamp: 't' })).toBe(asks);
  });

  it('is not asked before a timestamp column is chosen', () => {
    expect(needsZone(preview, {})).toBe(false);
  });

  it('goes to the import as each file\'s own choice', () => {
    const a = fileChoice('drop/a.csv', { role: 'Sender' }, 'Europe/Berlin');
    const b = fileChoice('drop/b.csv', { rating: 'Verdict' }, null);
    expect(importOptions([a, b])).toEqual({
      naive_tz: null,
      map: null,
      files: [
        { path: 'drop/a.csv', map: { role: 'Sender' }, naive_tz: 'Europe/Berlin' },
        { path: 'drop/b.csv', map: { rating: 'Verdict' }, naive_tz: null },
      ],
    });
  });

  it('is not asked again for a file of the same columns in one import', () => {
    const done = [{ headers: ['Chat', 'Sender'], choice: fileChoice('a.csv', { role: 'Sender' }, 'Asia/Tokyo') }];
    expect(reusedChoice(done, 'b.csv', ['Chat', 'Sender'])).toEqual({ path: 'b.csv', map: { role: 'Sender' }, naive_tz: 'Asia/Tokyo' });
    expect(reusedChoice(done, 'c.csv', ['Sender', 'Chat'])).toBeNull();
    expect(reusedChoice(done, 'd.csv', ['Chat', 'Sender', 'Text'])).toBeNull();
  });
});

describe('remembered per set of columns', () => {
  it('comes back for the same columns only', () => {
    const storage = memory();
    const chosen = { map: { conversation_id: 'Chat', role: 'Sender', timestamp: 'Sent at' }, zone: 'Asia/Tokyo' };
    rememberMapping(storage, preview.headers, chosen);
    expect(recallMapping(storage, preview.headers)).toEqual(chosen);
    expect(recallMapping(storage, ['Chat', 'Sender'])).toBeNull();
    expect(startingMapping(storage, preview.headers)).toEqual(chosen);
  });

  it('starts from a guess in UTC when nothing was remembered, or what was is unreadable', () => {
    const storage = memory();
    storage.setItem('rapport.csvMapping:' + JSON.stringify(preview.headers), '{not json');
    expect(startingMapping(storage, preview.headers)).toEqual({ map: guessMapping(preview.headers), zone: 'UTC' });
    expect(startingMapping(null, preview.headers).zone).toBe('UTC');
  });

  it('forgets fields and columns that are no longer there', () => {
    const storage = memory();
    storage.setItem(
      'rapport.csvMapping:' + JSON.stringify(['a']),
      JSON.stringify({ map: { role: 'a', speaker: 'a', content: 'gone' }, zone: '' }),
    );
    expect(recallMapping(storage, ['a'])).toEqual({ map: { role: 'a' }, zone: 'UTC' });
  });
});

describe('the separator', () => {
  it.each([
    ['comma', 'commas (,)'],
    ['semicolon', 'semicolons (;)'],
    ['tab', 'tabs'],
  ] as const)('%s is shown as %s', (separator, words) => {
    expect(separatorWords(separator)).toBe(words);
  });
});
