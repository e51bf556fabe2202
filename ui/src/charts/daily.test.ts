import { describe, expect, it } from 'vitest';
import { shapeDaily } from './daily';
import { day } from './charts.fixtures';

describe('shapeDaily', () => {
  it('keeps one point per day, in order, labelled by its civil date', () => {
    const s = shapeDaily([day('2026-10-01', 10, 3), day('2026-10-02', 0, 0), day('2026-10-03', 5, 2)], 'en-US');
    expect(s.dates).toEqual(['2026-10-01', '2026-10-02', '2026-10-03']);
    expect(s.labels).toEqual(['Oct 1', 'Oct 2', 'Oct 3']);
    expect(s.messages).toEqual([10, 0, 5]);
    expect(s.conversations).toEqual([3, 0, 2]);
    expect(s.empty).toBeNull();
  });

  it('names the year when the period crosses New Year', () => {
    const s = shapeDaily([day('2025-12-31', 1, 1), day('2026-01-01', 1, 1)], 'en-US');
    expect(s.labels).toEqual(['Dec 31, 2025', 'Jan 1, 2026']);
  });

  it('says why when there is nothing to draw', () => {
    expect(shapeDaily([day('2026-10-01', 0, 0)]).empty).toBe('No messages in this period.');
    expect(shapeDaily([]).empty).toBe('No messages in this period.');
  });
});
