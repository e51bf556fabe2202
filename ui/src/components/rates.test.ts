import { describe, expect, it } from 'vitest';
import { cleanRates } from './rates';

describe('exchange rates', () => {
  it('saves codes trimmed in upper case, one rate per currency, without empty rows', () => {
    expect(
      cleanRates([
        { currency: ' rmb ', usd_per_unit: 0.13 },
        { currency: '', usd_per_unit: 2 },
        { currency: 'EUR', usd_per_unit: 1.08 },
        { currency: 'RMB', usd_per_unit: 0.14 },
      ]),
    ).toEqual([
      { currency: 'RMB', usd_per_unit: 0.14 },
      { currency: 'EUR', usd_per_unit: 1.08 },
    ]);
  });

  it('keeps a rate typed as text a number', () => {
    expect(cleanRates([{ currency: 'CNY', usd_per_unit: '0.138' as unknown as number }])).toEqual([{ currency: 'CNY', usd_per_unit: 0.138 }]);
  });
});
