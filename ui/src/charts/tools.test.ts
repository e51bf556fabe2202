import { describe, expect, it } from 'vitest';
import { shapeTools } from './tools';

describe('shapeTools', () => {
  it('ranks tools by calls and splits failed calls off', () => {
    const t = shapeTools(
      [
        { name: 'search_kb', count: 50, avg_duration_ms: 420, errors: 5 },
        { name: 'open_ticket', count: 100, avg_duration_ms: 65_000, errors: 0 },
        { name: 'lookup', count: 50, avg_duration_ms: null, errors: 50 },
      ],
      'en-US',
    );
    expect(t.rows.map((r) => r.name)).toEqual(['open_ticket', 'lookup', 'search_kb']);
    expect(t.rows[0]).toMatchObject({ ok: 100, errors: 0, width: 1, avgDuration: '1 min 5 s' });
    expect(t.rows[1]).toMatchObject({ ok: 0, errors: 50, errorShare: 1, width: 0.5, avgDuration: 'no duration' });
    expect(t.rows[2]).toMatchObject({ ok: 45, errorShare: 0.1, avgDuration: '420 ms' });
    expect(t.totalCalls).toBe(200);
    expect(t.totalErrors).toBe(55);
    expect(t.empty).toBeNull();
  });

  it('says why when no tool was called', () => {
    expect(shapeTools([]).empty).toBe('No tool calls in this period.');
  });
});
