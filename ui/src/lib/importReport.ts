import type { FileReport } from './bindings';

/**
 * Why a file that was read added nothing, when it did (every record
 * rejected, or none there); `null` when it added records or was refused
 * (its error says why). The same sentence as the engine's
 * `FileReport::nothing_imported`, which `rapport import` prints.
 */
export function nothingImported(f: FileReport): string | null {
  if (f.error !== null || f.records > 0) return null;
  if (f.rejected === 0) return 'it holds no records';
  if (f.rejected === 1) return 'its only record was rejected';
  return `all ${f.rejected} of its records were rejected`;
}
