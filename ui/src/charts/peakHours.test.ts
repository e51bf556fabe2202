import { describe, expect, it } from 'vitest';
import { shapePeakHours } from './peakHours';

const empty = () => Array.from({ length: 7 }, () => Array(24).fill(0));

describe('shapePeakHours', () => {
  it('turns the 7x24 grid into [hour, weekday, count] cells, Monday first', () => {
    const grid = empty();
    grid[0][9] = 4; // Monday 09:00
    grid[6][23] = 7; // Sunday 23:00
    const p = shapePeakHours(grid, 'en-US');
    expect(p.cells).toHaveLength(168);
    expect(p.cells).toContainEqual([9, 0, 4]);
    expect(p.cells).toContainEqual([23, 6, 7]);
    expect(p.weekdays[0]).toBe('Mon');
    expect(p.weekdays[6]).toBe('Sun');
    expect(p.hours[0]).toBe('00');
    expect(p.max).toBe(7);
    expect(p.busiest).toEqual({ weekday: 6, hour: 23, count: 7 });
    expect(p.summary).toBe('Busiest: Sunday 23:00–00:00, 7 messages.');
    expect(p.empty).toBeNull();
  });

  it('says why when no message was sent', () => {
    const p = shapePeakHours(empty());
    expect(p.empty).toBe('No messages in this period.');
    expect(p.busiest).toBeNull();
  });

  it('reads a short or missing grid as zeros rather than failing', () => {
    expect(shapePeakHours([[1]]).cells).toHaveLength(168);
  });
});
