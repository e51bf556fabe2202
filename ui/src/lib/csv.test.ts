import { describe, expect, it } from 'vitest';
import { csvField, rejectionsCsv, toCsv } from './csv';

describe('RFC 4180 fields', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['', ''],
    [null, ''],
    [42, '42'],
  ])('%j is written %j', (value, text) => {
    expect(csvField(value)).toBe(text);
  });

  it.each([
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    [' =1', ' =1'],
    ['1-2', '1-2'],
    [-0.5, '-0.5'],
  ])('text that would start a formula gets a quote: %j is written %j', (value, text) => {
    expect(csvField(value)).toBe(text);
  });

  it('ends every line, the last included, with CRLF', () => {
    expect(toCsv(['a', 'b'], [['1', '2']])).toBe('a,b\r\n1,2\r\n');
  });
});

describe('rejectionsCsv', () => {
  it('lists each rejection with its file, and a refused file with its error', () => {
    const csv = rejectionsCsv([
      {
        path: 'logs/a,b.jsonl',
        format: 'jsonl',
        records: 10,
        rejected: 2,
        rejections: [
          { where: 'line 3', reason: 'missing "role"' },
          { where: 'line 9', reason: 'timestamp unreadable' },
        ],
        error: null,
      },
      { path: 'broken.json.gz', format: 'json', records: 0, rejected: 0, rejections: [], error: 'broken gzip' },
    ]);
    expect(csv).toBe(
      'file,where,reason\r\n' +
        '"logs/a,b.jsonl",line 3,"missing ""role"""\r\n' +
        '"logs/a,b.jsonl",line 9,timestamp unreadable\r\n' +
        'broken.json.gz,,broken gzip\r\n',
    );
  });

  it('writes a reason quoting a formula from the file as text', () => {
    const csv = rejectionsCsv([
      {
        path: '=evil.jsonl',
        format: 'jsonl',
        records: 0,
        rejected: 1,
        rejections: [{ where: 'line 1', reason: '=cmd|\' /C calc\'!A0' }],
        error: null,
      },
    ]);
    expect(csv).toBe("file,where,reason\r\n'=evil.jsonl,line 1,'=cmd|' /C calc'!A0\r\n");
  });
});
