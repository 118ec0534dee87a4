// Training data as sentence-transformers (anchor, positive, negative) JSONL: the texts are
// exactly what our trainer feeds the encoder, and only the loss's input columns are written.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { TrainingExample } from '../../lib/core/types';
import { stRows, writeStData } from '../../lib/export/st-data';
import { tmpDir } from '../helpers';

const ROOT = resolve(__dirname, '..', '..');
const exec = promisify(execFile);

const examples: TrainingExample[] = [
  {
    id: 'f1',
    source: 'fret',
    task: 'question answering',
    query: 'who wrote hamlet',
    positive: { title: 'Hamlet', text: 'Hamlet is a tragedy by Shakespeare.' },
    negatives: [{ text: 'Macbeth is a tragedy.' }, { text: 'Othello too.' }],
    symmetric: false,
  },
  {
    id: 'n1',
    source: 'nli',
    task: 'retrieve semantically similar text',
    query: 'a man is playing a guitar',
    positive: { text: 'a person plays an instrument' },
    negatives: [{ text: 'nobody is playing' }],
    symmetric: true,
  },
  {
    id: 'p1',
    source: 'pairs',
    task: 'search result',
    query: 'q',
    positive: { text: 'p' },
    negatives: [],
    symmetric: false,
  },
];

describe('sentence-transformers training data', () => {
  it('formats anchors and targets as the trainer does, one negative column', () => {
    const r = stRows(examples);
    expect(r.triplets).toEqual([
      {
        anchor: 'task: question answering | query: who wrote hamlet',
        positive: 'title: Hamlet | text: Hamlet is a tragedy by Shakespeare.',
        negative: 'title: none | text: Macbeth is a tragedy.',
      },
      {
        anchor: 'task: retrieve semantically similar text | query: a man is playing a guitar',
        positive: 'task: retrieve semantically similar text | query: a person plays an instrument',
        negative: 'task: retrieve semantically similar text | query: nobody is playing',
      },
    ]);
    expect(r.pairs).toEqual([{ anchor: 'task: search result | query: q', positive: 'title: none | text: p' }]);
    expect(r.extraNegativesLeftOut).toBe(1);
  });

  it('writes train.jsonl with only anchor, positive, negative (in that order) and a report', () => {
    const out = tmpDir();
    const rep = writeStData(examples, out, 'x.jsonl', { progress: false });
    expect(rep).toMatchObject({
      examples: 3,
      triplets: 2,
      pairs: 1,
      symmetric: 1,
      bySource: { fret: 1, nli: 1, pairs: 1 },
    });
    const lines = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(Object.keys(JSON.parse(l))).toEqual(['anchor', 'positive', 'negative']);
    expect(Object.keys(JSON.parse(readFileSync(join(out, 'train-pairs.jsonl'), 'utf8')))).toEqual([
      'anchor',
      'positive',
    ]);
  });

  it('gecko export-data converts a mixture file and names a bad line', async () => {
    const dir = tmpDir();
    const input = join(dir, 'mixture.jsonl');
    writeFileSync(input, examples.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const env = { ...process.env, GECKO_PROGRESS: 'off' };
    const gecko = (args: string[]) =>
      exec(process.execPath, [join(ROOT, 'bin', 'gecko.js'), 'export-data', ...args], { cwd: ROOT, env });
    const ok = await gecko([input, '--out', join(dir, 'st')]);
    expect(ok.stderr).toMatch(/wrote 2 \(anchor, positive, negative\) rows/);
    expect(existsSync(join(dir, 'st', 'train.jsonl'))).toBe(true);
    // the source by name and content hash, not by its local path
    const report = readFileSync(join(dir, 'st', 'export-data.json'), 'utf8');
    expect(report).not.toContain(dir);
    expect(JSON.parse(report)).toMatchObject({
      source: 'mixture.jsonl',
      sourceSha256: createHash('sha256').update(readFileSync(input)).digest('hex'),
    });
    writeFileSync(input, JSON.stringify(examples[0]) + '\n{"query": ""}\n');
    const bad = await gecko([input, '--out', join(dir, 'st2')]).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toMatch(/mixture\.jsonl:2.*'query' must be a non-empty string/);
  });
});
