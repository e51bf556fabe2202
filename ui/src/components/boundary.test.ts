import { describe, expect, it } from 'vitest';
import { failureReason, REASON_CHARS } from './boundary';

describe('failureReason', () => {
  it('gives the message of an error, one line', () => {
    expect(failureReason(new Error('each_key_duplicate\nKeyed each block has duplicate key'))).toBe(
      'each_key_duplicate Keyed each block has duplicate key',
    );
  });

  it('reads whatever was thrown', () => {
    expect(failureReason('plain text')).toBe('plain text');
    expect(failureReason({ code: 7 })).toBe('{"code":7}');
    expect(failureReason(undefined)).toBe('undefined');
    expect(failureReason(null)).toBe('null');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(failureReason(cyclic)).toBe('[object Object]');
    expect(failureReason(new Error(''))).toBe('an unexpected error.');
  });

  it('stays short whatever the error holds', () => {
    const reason = failureReason(new Error('x'.repeat(100_000)));
    expect(reason.length).toBe(REASON_CHARS);
    expect(reason.endsWith('…')).toBe(true);
  });
});
