// Streaming line reader (readLinesUtf8) and the readers built on it (readJsonl, readCorpusFile):
// with a tiny chunk size, a multi-byte UTF-8 character split across chunks and a line longer than
// a chunk read intact; a BOM is dropped; bad bytes name line and column.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLinesUtf8 } from '../../lib/core/text';
import { readJsonl, readJsonlTolerant } from '../../lib/core/jsonl';
import { readCorpusFile } from '../../lib/seeding/read-corpus';
import { tmpDir } from '../helpers';

const file = (name: string, bytes: Buffer | string) => {
  const p = join(tmpDir('gecko-lines-'), name);
  writeFileSync(p, bytes);
  return p;
};

describe('readLinesUtf8', () => {
  it('reads a character split across chunks and a line longer than a chunk', () => {
    // 'é' is 2 bytes, '€' 3, '𝄞' 4: with 5-byte chunks some fall across a chunk boundary
    const long = 'x'.repeat(37) + '€𝄞';
    const text = `ab\u00e9c€\n${long}\n\n𝄞𝄞𝄞\nend`;
    for (const size of [4, 5, 7, 64]) {
      const lines = [...readLinesUtf8(file('a.txt', '\ufeff' + text), size)];
      expect(lines.map((l) => l.text)).toEqual(text.split('\n'));
      expect(lines.map((l) => l.lineNo)).toEqual([1, 2, 3, 4, 5]);
      expect(lines.map((l) => l.terminated)).toEqual([true, true, true, true, false]);
    }
  });

  it('names the line and byte of bytes that are not UTF-8, even across chunks', () => {
    const bytes = Buffer.concat([Buffer.from('ok\nalso ok\nab'), Buffer.from([0xe9, 0x41]), Buffer.from('\n')]);
    expect(() => [...readLinesUtf8(file('b.txt', bytes), 4)]).toThrow(/b\.txt:3.*byte 4 of this line is not UTF-8/);
  });
});

describe('streamed readers', () => {
  it('readJsonl, readJsonlTolerant and readCorpusFile read rows with long lines and split characters', () => {
    const rows = [
      { id: 'a', text: 'é'.repeat(3000) },
      { id: 'b', text: '𝄞 music' },
    ];
    const body = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const p = file('c.jsonl', '\ufeff' + body + '{"id": "torn"');
    expect(readJsonlTolerant(p)).toEqual(rows);
    expect(() => readJsonl(p)).toThrow(/c\.jsonl:3.*not valid JSON/);
    const q = file('d.jsonl', body);
    expect(readJsonl(q)).toEqual(rows);
    expect(readCorpusFile(q).map((r) => [r.id, r.text])).toEqual(rows.map((r) => [r.id, r.text]));
    const t = file('e.txt', 'first para\nstill first\n  \n\nsecond 𝄞\n');
    expect(readCorpusFile(t).map((r) => r.text)).toEqual(['first para still first', 'second 𝄞']);
  });
});
