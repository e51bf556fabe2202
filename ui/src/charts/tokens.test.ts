import { describe, expect, it } from 'vitest';
import { shapeModels, shapeTokensDaily } from './tokens';
import { day } from './charts.fixtures';

describe('shapeTokensDaily', () => {
  it('gives tokens and cost per day', () => {
    const s = shapeTokensDaily([day('2026-10-01', 4, 1, 1200, 0.5), day('2026-10-02', 0, 0, 0, 0)], 'en-US');
    expect(s.labels).toEqual(['Oct 1', 'Oct 2']);
    expect(s.tokens).toEqual([1200, 0]);
    expect(s.cost).toEqual([0.5, 0]);
    expect(s.empty).toBeNull();
  });

  it('tells apart no messages from messages without token counts', () => {
    expect(shapeTokensDaily([day('2026-10-01', 0, 0)]).empty).toBe('No messages in this period.');
    expect(shapeTokensDaily([day('2026-10-01', 9, 2)]).empty).toBe('The messages of this period carry no token counts.');
  });
});

describe('shapeModels', () => {
  it('ranks models by tokens and never shows an unpriced model as $0', () => {
    const rows = shapeModels(
      [
        { model: 'small', messages: 10, prompt: 100, completion: 50, cost: 0.01, priced: true },
        { model: 'mystery', messages: 3, prompt: 1000, completion: 500, cost: 0, priced: false },
      ],
      'en-US',
    );
    expect(rows.map((r) => [r.model, r.tokensLabel, r.costLabel])).toEqual([
      ['mystery', '1,500', 'unpriced'],
      ['small', '150', '$0.01'],
    ]);
  });
});

describe('response times per model', () => {
  it('writes half and 95% of a model replies within, and a dash for a model without a timed reply', () => {
    const usage = (model: string) => ({ model, messages: 2, prompt: 10, completion: 5, cost: 0.1, priced: true });
    const rows = shapeModels([usage('a'), usage('b')], 'en-US', [
      { model: 'a', exchanges: 2, p50_response_time_ms: 1800, p95_response_time_ms: 6100 },
    ]);
    expect(rows.find((r) => r.model === 'a')?.responseLabel).toBe('1.8 s / 6.1 s');
    expect(rows.find((r) => r.model === 'b')?.responseLabel).toBe('–');
  });
});
