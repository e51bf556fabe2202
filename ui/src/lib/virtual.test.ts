import { describe, expect, it } from 'vitest';
import { pagesFor, visibleRows } from './virtual';

describe('visibleRows', () => {
  it('draws the rows in view and a margin either side', () => {
    // 40 px rows, a 400 px viewport scrolled to row 100.
    expect(visibleRows(4000, 400, 40, 100_000, 5)).toEqual({ start: 95, end: 116 });
  });

  it('stops at the ends of the list', () => {
    expect(visibleRows(0, 400, 40, 100_000, 5)).toEqual({ start: 0, end: 16 });
    expect(visibleRows(40 * 99_990, 400, 40, 100_000, 5)).toEqual({ start: 99_985, end: 100_000 });
    expect(visibleRows(0, 400, 40, 3)).toEqual({ start: 0, end: 3 });
  });

  it('draws nothing for an empty list and survives scrolling past its end', () => {
    expect(visibleRows(0, 400, 40, 0)).toEqual({ start: 0, end: 0 });
    const w = visibleRows(1e9, 400, 40, 10, 2);
    expect(w.end).toBe(10);
    expect(w.start).toBeLessThan(10);
  });
});

describe('pagesFor', () => {
  it('names every page the window touches', () => {
    expect(pagesFor({ start: 95, end: 116 }, 100)).toEqual([0, 1]);
    expect(pagesFor({ start: 100, end: 200 }, 100)).toEqual([1]);
    expect(pagesFor({ start: 0, end: 0 }, 100)).toEqual([]);
  });
});
