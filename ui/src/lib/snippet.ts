// A search hit's snippet cut into plain and highlighted parts, to draw the
// phrase marked without ever reading the message as HTML.

import type { Snippet } from './bindings';

export interface SnippetPart {
  text: string;
  mark: boolean;
}

/** The parts of a snippet in order; highlights are UTF-16 offsets, as JS strings count. */
export function snippetParts(snippet: Snippet): SnippetPart[] {
  const parts: SnippetPart[] = [];
  if (snippet.cut_before) parts.push({ text: '…', mark: false });
  let at = 0;
  const spans = [...snippet.highlights].sort((a, b) => a[0] - b[0]);
  for (const [start, end] of spans) {
    const s = Math.max(start, at);
    const e = Math.min(end, snippet.text.length);
    if (e <= s) continue;
    if (s > at) parts.push({ text: snippet.text.slice(at, s), mark: false });
    parts.push({ text: snippet.text.slice(s, e), mark: true });
    at = e;
  }
  if (at < snippet.text.length) parts.push({ text: snippet.text.slice(at), mark: false });
  if (snippet.cut_after) parts.push({ text: '…', mark: false });
  return parts;
}

/** Whether a search text has a word to look for (the `text` rule needs one). */
export function hasWord(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}
