// CSV text for the rejections table, written by RFC 4180: fields separated
// by commas, lines ended by CRLF, and a field that holds a comma, a quote or
// a line break wrapped in quotes with its quotes doubled.

import type { FileReport } from './bindings';

export function csvField(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
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
