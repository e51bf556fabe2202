import { describe, expect, it } from 'vitest';
import { periodRange, previousRange, type Period } from './period';
import { startOfDay, addDays, localDate, toInstant, weekdayOf } from './zone';

const preset = (p: Extract<Period, { kind: 'preset' }>['preset']): Period => ({ kind: 'preset', preset: p });
const at = (iso: string) => Date.parse(iso);

describe('startOfDay', () => {
  it.each([
    // zone, day, first instant of that day
    ['UTC', '2026-10-01', '2026-10-01T00:00:00Z'],
    ['Europe/Berlin', '2026-07-01', '2026-06-30T22:00:00Z'],
    ['Europe/Berlin', '2026-01-15', '2026-01-14T23:00:00Z'],
    ['America/New_York', '2026-03-08', '2026-03-08T05:00:00Z'],
    ['America/New_York', '2026-03-09', '2026-03-09T04:00:00Z'],
    ['Asia/Kolkata', '2026-05-05', '2026-05-04T18:30:00Z'],
    ['Pacific/Auckland', '2026-04-05', '2026-04-04T11:00:00Z'],
    ['Australia/Lord_Howe', '2026-10-04', '2026-10-03T13:30:00Z'],
  ])('in %s, %s starts at %s', (tz, day, expected) => {
    expect(toInstant(startOfDay(day, tz))).toBe(expected);
  });

  it('starts the day where the clocks land when midnight itself is skipped (Santiago, spring)', () => {
    // Chile moves 00:00 → 01:00 on the first Sunday of September.
    const start = startOfDay('2026-09-06', 'America/Santiago');
    expect(toInstant(start)).toBe('2026-09-06T04:00:00Z');
    expect(localDate(start, 'America/Santiago'), 'the start lies on the day itself').toBe('2026-09-06');
    expect(localDate(start - 1000, 'America/Santiago'), 'a second earlier is the day before').toBe('2026-09-05');
  });

  it('leaves a repeated hour before midnight to the day before (Santiago, autumn)', () => {
    // Chile moves 00:00 back to 23:00 on the first Sunday of April: 23:00–24:00
    // of Saturday happens twice, and Sunday starts once, at 00:00 −04.
    expect(toInstant(startOfDay('2026-04-05', 'America/Santiago'))).toBe('2026-04-05T04:00:00Z');
  });
});

describe('periodRange', () => {
  const berlin = 'Europe/Berlin';

  it('Today on the spring-forward day is 23 hours long', () => {
    const r = periodRange(preset('today'), at('2026-03-29T10:00:00Z'), berlin, null);
    expect(r).toEqual({ from: '2026-03-28T23:00:00Z', to: '2026-03-29T22:00:00Z' });
  });

  it('Today on the fall-back day is 25 hours long', () => {
    const r = periodRange(preset('today'), at('2026-10-25T10:00:00Z'), berlin, null);
    expect(r).toEqual({ from: '2026-10-24T22:00:00Z', to: '2026-10-25T23:00:00Z' });
  });

  it('uses the local date, not the UTC date, to decide what today is', () => {
    // 23:30 UTC on the 1st is already the 2nd in Berlin.
    const r = periodRange(preset('today'), at('2026-10-01T23:30:00Z'), berlin, null);
    expect(r.from).toBe('2026-10-01T22:00:00Z');
  });

  it('Yesterday is the whole previous local day', () => {
    const r = periodRange(preset('yesterday'), at('2026-10-26T08:00:00Z'), berlin, null);
    expect(r).toEqual({ from: '2026-10-24T22:00:00Z', to: '2026-10-25T23:00:00Z' });
  });

  it('Last 7 days ends with today and spans a DST change at whole local midnights', () => {
    const r = periodRange(preset('last_7_days'), at('2026-03-31T12:00:00Z'), berlin, null);
    expect(r).toEqual({ from: '2026-03-24T23:00:00Z', to: '2026-03-31T22:00:00Z' });
  });

  it.each([
    ['last_28_days', '2026-10-04T00:00:00Z', '2026-11-01T00:00:00Z'],
    ['last_90_days', '2026-08-03T00:00:00Z', '2026-11-01T00:00:00Z'],
    ['this_month', '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z'],
    ['last_month', '2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z'],
  ] as const)('%s in UTC on 2026-10-31', (p, from, to) => {
    expect(periodRange(preset(p), at('2026-10-31T15:00:00Z'), 'UTC', null)).toEqual({ from, to });
  });

  it('Last month in January is December of the year before', () => {
    const r = periodRange(preset('last_month'), at('2026-01-10T12:00:00Z'), 'UTC', null);
    expect(r).toEqual({ from: '2025-12-01T00:00:00Z', to: '2026-01-01T00:00:00Z' });
  });

  it('All time runs from the day of the first message to the end of the day of the last', () => {
    const bounds = { first_message: '2026-02-03T23:30:00Z', last_message: '2026-05-06T10:00:00Z' };
    const r = periodRange(preset('all_time'), at('2026-10-01T00:00:00Z'), berlin, bounds);
    // 23:30 UTC on Feb 3 is Feb 4 in Berlin.
    expect(r).toEqual({ from: '2026-02-03T23:00:00Z', to: '2026-05-06T22:00:00Z' });
  });

  it('All time with nothing stored is today', () => {
    const bounds = { first_message: null, last_message: null };
    const r = periodRange(preset('all_time'), at('2026-10-01T12:00:00Z'), 'UTC', bounds);
    expect(r).toEqual({ from: '2026-10-01T00:00:00Z', to: '2026-10-02T00:00:00Z' });
  });

  it('a custom range includes both of its days, whichever order they were picked in', () => {
    const custom: Period = { kind: 'custom', first: '2026-10-31', last: '2026-10-24' };
    const r = periodRange(custom, at('2026-12-01T00:00:00Z'), berlin, null);
    expect(r).toEqual({ from: '2026-10-23T22:00:00Z', to: '2026-10-31T23:00:00Z' });
  });
});

describe('helpers', () => {
  it('previousRange is the same length just before', () => {
    expect(previousRange('2026-10-08T00:00:00Z', '2026-10-15T00:00:00Z')).toEqual({
      from: '2026-10-01T00:00:00Z',
      to: '2026-10-08T00:00:00Z',
    });
  });

  it('addDays crosses months and leap days', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('weekdayOf counts from Monday', () => {
    expect(weekdayOf('2026-10-05')).toBe(0); // a Monday
    expect(weekdayOf('2026-10-11')).toBe(6); // a Sunday
  });

  it('toInstant drops a zero fraction and keeps a real one', () => {
    expect(toInstant(Date.UTC(2026, 9, 1))).toBe('2026-10-01T00:00:00Z');
    expect(toInstant(Date.UTC(2026, 9, 1, 0, 0, 0, 250))).toBe('2026-10-01T00:00:00.250Z');
  });
});
