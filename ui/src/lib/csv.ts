// CSV text for the rejections table, written by RFC 4180: fields separated
// by commas, lines ended by CRLF, and a field that holds a comma, a quote or
// a line break wrapped in quotes with its quotes doubled.
//
// Text that a spreadsheet would read as a formula (starting with `=`, `+`,
// `-`, `@`, a tab or a carriage return: OWASP's list) gets a leading `'`, as
// in the engine's CSV tables: a rejection's reason quotes the file, and a
// file's `=HYPERLINK(...)` must stay text. Numbers stay numbers.

import type { FileReport } from './bindings';

/** Text with a `'` in front when a spreadsheet would run it as a formula. */
export function spreadsheetSafe(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function csvField(value: string | number | null | undefined): string {
  const text =
    value === null || value === undefined ? '' : typeof value === 'number' ? String(value) : spreadsheetSafe(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: string[], rows: (string | number | null | undefined)[][]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** One line per rejected record: the file, where in it, and why. */
export function rejectionsCsv(files: FileReport[]): string {
  const rows: string[][] = [];
  for (const file of files) {
    if (file.error) rows.push([file.path, '', file.error]);
    for (const r of file.rejections) rows.push([file.path, r.where, r.reason]);
  }
  return toCsv(['file', 'where', 'reason'], rows);
}
