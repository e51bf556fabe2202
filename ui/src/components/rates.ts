// Exchange rates as the Settings screen edits them: one row per currency,
// "1 RMB = x USD". What is saved is cleaned here: codes trimmed and in
// upper case (the engine matches them in any case), rows without a code
// dropped, a later row of the same code replacing an earlier one.

import type { ExchangeRate } from '../lib/bindings';

export function cleanRates(rates: ExchangeRate[]): ExchangeRate[] {
  const byCode = new Map<string, number>();
  for (const r of rates) {
    const code = r.currency.trim().toUpperCase();
    if (code) byCode.set(code, Number(r.usd_per_unit));
  }
  return [...byCode].map(([currency, usd_per_unit]) => ({ currency, usd_per_unit }));
}
