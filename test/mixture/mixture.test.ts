import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng, rngFor } from '../../lib/core/rng';
import type { TrainingExample } from '../../lib/core/types';
import {
  buildMixture,
  inDomainTaskOf,
  inDomainTasks,
  loadSourceExamples,
  mixtureTaskOf,
} from '../../lib/mixture/build';
import { getTask } from '../../lib/eval/tasks/registry';
import { allot, largestN, mixExamples } from '../../lib/mixture/mix';
import { classificationExamples, nliExamples, squadExamples, stsExamples } from '../../lib/mixture/sources';
import { have, SHARED_DATA, tmpDir } from '../helpers';

const ex = (source: string, i: number): TrainingExample => ({
  id: `${source}-${i}`,
  source,
  task: 't',
  query: `q${i}`,
  positive: { text: `p${i}` },
  negatives: [],
  symmetric: false,
});

describe('mixing by weight', () => {
  it('allots counts by largest remainder and finds the largest n without repeats', () => {
    expect(allot(10, { a: 1, b: 1, c: 1 })).toEqual({ a: 4, b: 3, c: 3 });
    expect(allot(7, { a: 0.5, b: 0.25, c: 0.25, d: 0 })).toEqual({ a: 3, b: 2, c: 2 }); // 3.5, 1.75, 1.75
    expect(largestN({ a: 100, b: 10 }, { a: 0.5, b: 0.5 })).toBe(20);
  });
  it('is seeded and takes the weighted share of each source', () => {
    const sources = {
      a: Array.from({ length: 50 }, (_, i) => ex('a', i)),
      b: Array.from({ length: 50 }, (_, i) => ex('b', i)),
    };
    const m = mixExamples(sources, { a: 3, b: 1 }, 40, rngFor(1, 'mixture'));
    expect(m.report.taken).toEqual({ a: 30, b: 10 });
    expect(mixExamples(sources, { a: 3, b: 1 }, 40, rngFor(1, 'mixture')).examples).toEqual(m.examples);
    expect(new Set(m.examples.map((e) => e.id)).size).toBe(40);
  });
  it('an unknown source name is a ConfigError naming it', () => {
    expect(() => mixExamples({ a: [ex('a', 0)] }, { a: 1, squadd: 1 }, 1, new Rng(1))).toThrow(
      /config key 'finetune\.mixture\.squadd': unknown mixture source[\s\S]*known sources: a/,
    );
    expect(() => buildMixture({ weights: { fret: 0, nonsense: 1 }, seed: 1 })).toThrow(/finetune\.mixture\.nonsense/);
  });
});

describe('sources in the unified format', () => {
  it('classification: same-label positive, other-label negative, one unique id shared by the triple', () => {
    const rows = ['a', 'a', 'b', 'b', 'c'].map((label, i) => ({ id: `r${i}`, text: `text ${i}`, label }));
    const out = classificationExamples(rows, new Rng(3), 'toy', 'toy task');
    expect(out).toHaveLength(4); // 'c' has no same-label partner
    const ids = new Set<string>();
    for (const e of out) {
      const m = /\[(toy-\d+)\]$/.exec(e.query)!;
      expect(e.positive.text.endsWith(`[${m[1]}]`) && e.negatives[0]!.text.endsWith(`[${m[1]}]`)).toBe(true);
      expect(e.meta!.positiveLabel).toBe(e.meta!.label);
      expect(e.meta!.negativeLabel).not.toBe(e.meta!.label);
      expect(e.symmetric).toBe(true);
      ids.add(m[1]!);
    }
    expect(ids.size).toBe(4);
  });
  it('NLI: entailment positive, contradiction negative; STS: only pairs scored >= 4', () => {
    const nli = nliExamples(
      [
        { premise: 'A', hypothesis: 'A1', label: 'ENTAILMENT' },
        { premise: 'A', hypothesis: 'A2', label: 'CONTRADICTION' },
        { premise: 'A', hypothesis: 'A3', label: 'NEUTRAL' },
        { premise: 'B', hypothesis: 'B1', label: 'ENTAILMENT' },
      ],
      new Rng(1),
    );
    expect(nli.map((e) => [e.query, e.positive.text, e.negatives.map((n) => n.text)])).toEqual([
      ['A', 'A1', ['A2']],
      ['B', 'B1', []],
    ]);
    expect(
      stsExamples([
        { text1: 'x', text2: 'y', score: 4 },
        { text1: 'u', text2: 'v', score: 3.9 },
      ]).map((e) => e.query),
    ).toEqual(['x']);
  });
  it('SQuAD: question → paragraph, negative another paragraph of the same article', () => {
    const q = (id: string, title: string, context: string) => ({
      id,
      question: `question ${id}`,
      context,
      title,
      answers: [],
    });
    const out = squadExamples([q('1', 'T', 'c1'), q('2', 'T', 'c1'), q('3', 'T', 'c2'), q('4', 'U', 'd1')], new Rng(2));
    expect(out).toHaveLength(3); // one question per paragraph
    const t = out.filter((e) => e.positive.title === 'T');
    for (const e of t) expect(e.negatives[0]!.text).not.toBe(e.positive.text);
    expect(out.find((e) => e.positive.title === 'U')!.negatives).toEqual([]);
  });
});

describe('buildMixture on the shared data', () => {
  it.skipIf(!have(join(SHARED_DATA, 'banking77'), 'shared data'))(
    'mixes FRet with SQuAD, NLI, STS and Banking77; refuses evaluation splits',
    () => {
      expect(() => loadSourceExamples('nli', { seed: 1, dataDir: SHARED_DATA, splits: { nli: ['test'] } })).toThrow(
        /leak guard: 'sick' split 'test' is an EVALUATION split/,
      );
      expect(() =>
        loadSourceExamples('banking77', { seed: 1, dataDir: SHARED_DATA, splits: { banking77: ['test'] } }),
      ).toThrow(/leak guard/);
      const dir = tmpDir();
      const fretPath = join(dir, 'fret-examples.jsonl');
      writeFileSync(fretPath, Array.from({ length: 30 }, (_, i) => JSON.stringify(ex('fret', i))).join('\n') + '\n');
      const { examples, report } = buildMixture({
        weights: { fret: 0.5, squad: 0.2, nli: 0.1, sts: 0.1, banking77: 0.1 },
        seed: 5,
        fretPath,
        dataDir: SHARED_DATA,
      });
      expect(report.n).toBe(60); // limited by the 30 FRet examples at weight 0.5
      expect(report.taken).toEqual({ banking77: 6, fret: 30, nli: 6, squad: 12, sts: 6 });
      expect(report.available.sts).toBeGreaterThan(1000);
      expect(examples.filter((e) => e.source === 'banking77').every((e) => /\[banking77-\d+\]$/.test(e.query))).toBe(
        true,
      );
      expect(() => buildMixture({ weights: { fret: 1 }, seed: 5, dataDir: SHARED_DATA })).toThrow(/pass --fret/);
      writeFileSync(join(dir, 'bad.jsonl'), JSON.stringify(ex('fret', 0)) + '\n{"id": "x"}\n');
      expect(() => buildMixture({ weights: { fret: 1 }, seed: 5, fretPath: join(dir, 'bad.jsonl') })).toThrow(
        /bad\.jsonl:2: field 'source'/,
      );
    },
  );
});

describe('switches: unique ids and in-domain prompts', () => {
  const rows = ['a', 'a', 'b', 'b'].map((label, i) => ({ id: `r${i}`, text: `text ${i}`, label }));
  it('uniqueIds false leaves the texts as they are', () => {
    const out = classificationExamples(rows, new Rng(3), 'toy', 'toy task', { uniqueIds: false });
    for (const e of out) {
      expect(e.query).toMatch(/^text \d$/);
      expect(e.positive.text).toMatch(/^text \d$/);
    }
    const tagged = classificationExamples(rows, new Rng(3), 'toy', 'toy task');
    expect(tagged[0]!.query).toMatch(/\[toy-0\]$/);
  });
  it('in-domain sources carry the evaluation prompt by default, their own on request', () => {
    expect(mixtureTaskOf('banking77')).toBe('classification'); // Banking77Classification's prompt
    expect(mixtureTaskOf('banking77', 'source')).toBe('banking intent classification');
    expect(mixtureTaskOf('sts')).toBe('semantic similarity');
    expect(mixtureTaskOf('squad')).toBe('question answering'); // not evaluated: its own task
    for (const src of ['banking77', 'sts', 'nli'] as const)
      expect(mixtureTaskOf(src)).toBe(getTask(inDomainTaskOf(src)!).prompt); // the same prompt as the evaluation
    expect(inDomainTasks({ fret: 1, banking77: 0.1, sts: 0.1, nli: 0 })).toEqual([
      'Banking77Classification',
      'STSBenchmark',
    ]);
  });
  it.skipIf(!have(join(SHARED_DATA, 'banking77'), 'Banking77'))(
    'Banking77 examples are built with the evaluation prompt',
    () => {
      const ex = loadSourceExamples('banking77', { seed: 1 });
      expect(ex[0]!.task).toBe('classification');
      expect(loadSourceExamples('banking77', { seed: 1, inDomainPrompt: 'source' })[0]!.task).toBe(
        'banking intent classification',
      );
    },
  );
});
