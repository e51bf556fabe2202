import { describe, expect, it } from 'vitest';
import { shapeFeedback } from './feedback';

describe('shapeFeedback', () => {
  it('splits ratings into shares in a fixed order and keeps the satisfaction rate', () => {
    const f = shapeFeedback({ positive: 6, neutral: 2, negative: 2, satisfaction_rate: 0.75 });
    expect(f.segments.map((s) => [s.rating, s.count, s.share])).toEqual([
      ['positive', 6, 0.6],
      ['neutral', 2, 0.2],
      ['negative', 2, 0.2],
    ]);
    expect(f.total).toBe(10);
    expect(f.satisfaction).toBe(0.75);
    expect(f.empty).toBeNull();
  });

  it('says why when nobody rated anything', () => {
    const f = shapeFeedback({ positive: 0, neutral: 0, negative: 0, satisfaction_rate: null });
    expect(f.empty).toBe('No feedback was given in this period.');
    expect(f.segments.every((s) => s.share === 0)).toBe(true);
  });
});
