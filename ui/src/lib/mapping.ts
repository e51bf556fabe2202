// The mapping step of the Import screen: which column of a CSV holds each of
// Rapport's fields. The engine reads the file through the mapping (its
// `csv-mapped` format, `rapport import --map field=column` on the command
// line); what lives here is the choosing: a first guess from the column
// names, the person's choice remembered per set of columns, the preview of
// what the engine will read, and whether the timestamps need a zone.

import type { ColumnMap, CsvPreview, FileChoice, ImportOptions, Separator } from './bindings';

export interface MappedField {
  field: string;
  label: string;
  required: boolean;
  /** Column names (letters and digits only, lower case) taken as this field at first sight. */
  aliases: string[];
}

/** The fields a message row can map, required first. */
export const MAPPED_FIELDS: readonly MappedField[] = [
  { field: 'conversation_id', label: 'Conversation', required: true, aliases: ['conversation', 'chat', 'chatid', 'session', 'sessionid', 'thread', 'threadid'] },
  { field: 'role', label: 'Role (user or agent)', required: true, aliases: ['sender', 'speaker', 'from', 'author', 'who'] },
  { field: 'timestamp', label: 'Timestamp', required: true, aliases: ['time', 'sentat', 'createdat', 'date', 'datetime', 'when'] },
  { field: 'content', label: 'Message text', required: false, aliases: ['text', 'message', 'body'] },
  { field: 'message_id', label: 'Message ID', required: false, aliases: ['messageid', 'msgid'] },
  { field: 'customer_id', label: 'Customer ID', required: false, aliases: ['customer', 'user', 'userid', 'customerid'] },
  { field: 'customer_ip_address', label: 'Customer IP address', required: false, aliases: ['ip', 'ipaddress'] },
  { field: 'device', label: 'Device', required: false, aliases: [] },
  { field: 'source', label: 'Source (channel)', required: false, aliases: ['channel'] },
  { field: 'language', label: 'Language', required: false, aliases: ['lang', 'locale'] },
  { field: 'model', label: 'Model', required: false, aliases: [] },
  { field: 'prompt_tokens', label: 'Prompt tokens', required: false, aliases: ['inputtokens'] },
  { field: 'completion_tokens', label: 'Completion tokens', required: false, aliases: ['outputtokens'] },
  { field: 'cost', label: 'Cost (USD)', required: false, aliases: ['price'] },
];

const plain = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** A first guess: a column named like a field (or one of its usual names), each column used once. */
export function guessMapping(headers: readonly string[]): ColumnMap {
  const map: ColumnMap = {};
  const used = new Set<string>();
  for (const f of MAPPED_FIELDS) {
    const column = headers.find((h) => !used.has(h) && (plain(h) === plain(f.field) || f.aliases.includes(plain(h))));
    if (column !== undefined) {
      map[f.field] = column;
      used.add(column);
    }
  }
  return map;
}

/** Sets (or, with `''`, clears) one field's column. */
export function choose(map: ColumnMap, field: string, column: string): ColumnMap {
  const next = { ...map };
  if (column) next[field] = column;
  else delete next[field];
  return next;
}

/** The required fields still without a column. */
export function missingFields(map: ColumnMap): MappedField[] {
  return MAPPED_FIELDS.filter((f) => f.required && !map[f.field]);
}

/** Fields given the same column: allowed, but usually a slip. */
export function sharedColumns(map: ColumnMap): string[] {
  const seen = new Map<string, number>();
  for (const column of Object.values(map)) seen.set(column, (seen.get(column) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([c]) => c);
}

/** The preview as the engine will read it: one column per mapped field, in the fields' order. */
export function mappedPreview(preview: CsvPreview, map: ColumnMap): { fields: MappedField[]; columns: string[]; rows: string[][] } {
  const fields = MAPPED_FIELDS.filter((f) => map[f.field] !== undefined && preview.headers.includes(map[f.field]!));
  const index = fields.map((f) => preview.headers.indexOf(map[f.field]!));
  return {
    fields,
    columns: fields.map((f) => map[f.field]!),
    rows: preview.rows.map((row) => index.map((i) => row[i] ?? '')),
  };
}

/** A date and time written with `Z` or an offset (`+02:00`, `-0500`) at its end. */
const OFFSET = /(z|[+-]\d\d(:?\d\d)?)$/i;
const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Whether some timestamp of the preview has no offset, so that the person
 * must say which zone it was written in. Unix numbers are instants already.
 */
export function needsZone(preview: CsvPreview, map: ColumnMap): boolean {
  const column = map.timestamp;
  const i = column === undefined ? -1 : preview.headers.indexOf(column);
  if (i < 0) return false;
  return preview.rows.some((row) => {
    const value = (row[i] ?? '').trim();
    return value !== '' && !NUMBER.test(value) && !OFFSET.test(value);
  });
}

/** One file's choice: the mapping, and the zone when its timestamps need one. */
export function fileChoice(path: string, map: ColumnMap, zone: string | null): FileChoice {
  return { path, map: { ...map }, naive_tz: zone };
}

/** What the import is given: each mapped file's own choice. */
export function importOptions(choices: readonly FileChoice[]): ImportOptions {
  return { naive_tz: null, map: null, files: [...choices] };
}

/** A file's columns and the choice made for it, during one import. */
export interface MappedFile {
  headers: string[];
  choice: FileChoice;
}

/**
 * The choice for a file at `path` with these columns, when an earlier file of
 * the same import had exactly the same columns: it is not asked again.
 */
export function reusedChoice(done: readonly MappedFile[], path: string, headers: readonly string[]): FileChoice | null {
  const same = done.find((d) => d.headers.length === headers.length && d.headers.every((h, i) => h === headers[i]));
  return same ? { ...same.choice, path } : null;
}

// Remembered per set of columns, in the column order of the file.
const PREFIX = 'rapport.csvMapping:';

export interface RememberedMapping {
  map: ColumnMap;
  zone: string;
}

export function mappingKey(headers: readonly string[]): string {
  return PREFIX + JSON.stringify(headers);
}

/** The mapping chosen last time for these columns, if its columns are all still there. */
export function recallMapping(storage: Storage | null, headers: readonly string[]): RememberedMapping | null {
  try {
    const raw = storage?.getItem(mappingKey(headers));
    if (!raw) return null;
    const saved = JSON.parse(raw) as RememberedMapping;
    const known = new Set(MAPPED_FIELDS.map((f) => f.field));
    const map: ColumnMap = {};
    for (const [field, column] of Object.entries(saved.map ?? {})) {
      if (known.has(field) && typeof column === 'string' && headers.includes(column)) map[field] = column;
    }
    return { map, zone: typeof saved.zone === 'string' && saved.zone ? saved.zone : 'UTC' };
  } catch {
    return null; // an unreadable entry is as good as none
  }
}

export function rememberMapping(storage: Storage | null, headers: readonly string[], mapping: RememberedMapping): void {
  try {
    storage?.setItem(mappingKey(headers), JSON.stringify(mapping));
  } catch {
    // full or unavailable storage: the choice is simply not remembered
  }
}

/** Where the step starts: the remembered choice, else a guess, in UTC. */
export function startingMapping(storage: Storage | null, headers: readonly string[]): RememberedMapping {
  return recallMapping(storage, headers) ?? { map: guessMapping(headers), zone: 'UTC' };
}

/**
 * The separator the engine found between the cells, in words: a CSV saved
 * by Excel in much of Europe has semicolons, some tools write tabs. The
 * import reads the file with the same one.
 */
export function separatorWords(separator: Separator): string {
  switch (separator) {
    case 'comma':
      return 'commas (,)';
    case 'semicolon':
      return 'semicolons (;)';
    case 'tab':
      return 'tabs';
  }
}
