import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTrainingData } from '../../lib/train/data';
import { formatExample } from '../../lib/train/contrastive-stage';
import { tmpDir } from '../helpers';

describe('readTrainingData', () => {
  it('reads TrainingExamples and plain pairs', () => {
    const p = join(tmpDir(), 'd.jsonl');
    writeFileSync(
      p,
      [
        JSON.stringify({ query: 'who wrote hamlet', positive: 'Hamlet is a tragedy by Shakespeare.' }),
        JSON.stringify({
          id: 'x',
          source: 'nli',
          task: 'semantic similarity',
          query: 'a man sleeps',
          positive: { text: 'a person rests' },
          negatives: [{ text: 'a man runs' }],
          symmetric: true,
        }),
      ].join('\n'),
    );
    const [a, b] = readTrainingData(p);
    expect(a).toMatchObject({
      task: 'search result',
      query: 'who wrote hamlet',
      positive: { text: 'Hamlet is a tragedy by Shakespeare.' },
      negatives: [],
      symmetric: false,
    });
    expect(formatExample(a!)).toEqual({
      query: 'task: search result | query: who wrote hamlet',
      positive: 'title: none | text: Hamlet is a tragedy by Shakespeare.',
      negatives: [],
    });
    // symmetric: targets formatted as queries
    expect(formatExample(b!)).toEqual({
      query: 'task: semantic similarity | query: a man sleeps',
      positive: 'task: semantic similarity | query: a person rests',
      negatives: ['task: semantic similarity | query: a man runs'],
    });
  });

  it('names the file, line and field of a bad record', () => {
    const p = join(tmpDir(), 'bad.jsonl');
    writeFileSync(
      p,
      `${JSON.stringify({ query: 'q', positive: 'p' })}\n${JSON.stringify({ query: 'q', positive: '  ' })}\n`,
    );
    expect(() => readTrainingData(p)).toThrow(/bad.jsonl:2: 'positive' is an empty string/);
    writeFileSync(p, `${JSON.stringify({ query: 'q', positive: 'p', negatives: [{ title: 't' }] })}\n`);
    expect(() => readTrainingData(p)).toThrow(/bad.jsonl:1: 'negatives\[0\]' must be a string or \{text, title\?\}/);
    writeFileSync(p, '{"query": "q", "positive": "p"\n');
    expect(() => readTrainingData(p)).toThrow(/bad.jsonl:1: not valid JSON/);
  });
});
