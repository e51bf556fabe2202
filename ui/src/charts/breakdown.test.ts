import { describe, expect, it } from 'vitest';
import { shapeBreakdown } from './breakdown';

describe('shapeBreakdown', () => {
  it('ranks values by conversations with their share and a readable label', () => {
    const b = shapeBreakdown({ mobile: 30, desktop: 60, unknown: 10 }, 'device', { locale: 'en-US' });
    expect(b.rows).toEqual([
      { value: 'desktop', label: 'Desktop', count: 60, share: 0.6 },
      { value: 'mobile', label: 'Mobile', count: 30, share: 0.3 },
      { value: 'unknown', label: 'Unknown', count: 10, share: 0.1 },
    ]);
    expect(b.total).toBe(100);
    expect(b.rest).toBeNull();
  });

  it('names sources and languages as people know them', () => {
    const s = shapeBreakdown({ whatsapp: 2, web: 1 }, 'source');
    expect(s.rows.map((r) => r.label)).toEqual(['WhatsApp', 'Web']);
    const l = shapeBreakdown({ 'pt-BR': 2, de: 1 }, 'language', { locale: 'en-US' });
    expect(l.rows.map((r) => r.label)).toEqual(['Brazilian Portuguese', 'German']);
    expect(l.rows[0].value, 'the filter value stays the tag').toBe('pt-BR');
  });

  it('folds values beyond the limit into one line', () => {
    const b = shapeBreakdown({ a: 5, b: 4, c: 3, d: 2 }, 'source', { limit: 2 });
    expect(b.rows.map((r) => r.value)).toEqual(['a', 'b']);
    expect(b.rest).toEqual({ values: 2, count: 5, share: 5 / 14 });
  });

  it('says why when there is nothing to count', () => {
    expect(shapeBreakdown({}, 'device').empty).toBe('No conversations in this period.');
    expect(shapeBreakdown({ web: 0 }, 'source').rows).toEqual([]);
  });
});
