import { describe, expect, it } from 'vitest';
import { hasWord, snippetParts } from './snippet';

describe('snippets', () => {
  it('marks each highlight and keeps the text around it', () => {
    const parts = snippetParts({ text: 'I want a refund, a Refund now', highlights: [[9, 15], [19, 25]], cut_before: true, cut_after: false });
    expect(parts).toEqual([
      { text: '…', mark: false },
      { text: 'I want a ', mark: false },
      { text: 'refund', mark: true },
      { text: ', a ', mark: false },
      { text: 'Refund', mark: true },
      { text: ' now', mark: false },
    ]);
  });

  it('counts offsets in UTF-16 units, as the engine gives them', () => {
    const text = '😀 dónde está';
    const start = text.indexOf('dónde');
    const parts = snippetParts({ text, highlights: [[start, start + 5]], cut_before: false, cut_after: true });
    expect(parts.find((p) => p.mark)?.text).toBe('dónde');
    expect(parts[parts.length - 1]).toEqual({ text: '…', mark: false });
  });

  it('ignores a highlight past the text', () => {
    expect(snippetParts({ text: 'abc', highlights: [[5, 9]], cut_before: false, cut_after: false })).toEqual([{ text: 'abc', mark: false }]);
  });

  it('knows a search with no word', () => {
    expect(hasWord('¿?')).toBe(false);
    expect(hasWord('¿dónde?')).toBe(true);
  });
});
