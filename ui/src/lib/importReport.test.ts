import { describe, expect, it } from 'vitest';
import type { FileReport } from './bindings';
import { nothingImported } from './importReport';

const file = (records: number, rejected: number, error: string | null = null): FileReport => ({
  path: '/logs/traces.csv',
  format: 'langfuse-traces',
  records,
  rejected,
  rejections: [],
  error,
});

describe('nothingImported', () => {
  it('says why a file that was read added nothing', () => {
    expect(nothingImported(file(0, 2))).toBe('all 2 of its records were rejected');
    expect(nothingImported(file(0, 1))).toBe('its only record was rejected');
    expect(nothingImported(file(0, 0))).toBe('it holds no records');
  });

  it('says nothing of a file that added records, or that was refused (its error says why)', () => {
    expect(nothingImported(file(3, 2))).toBeNull();
    expect(nothingImported(file(0, 0, 'not UTF-8 text'))).toBeNull();
  });
});
