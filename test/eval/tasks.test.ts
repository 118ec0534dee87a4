// Task registry, leak safety of the declared splits, task selection and seeded sub-sampling.
import { describe, expect, it } from 'vitest';
import { ALL_TASKS } from '../../lib/config/presets';
import { isEvaluationSplit } from '../../lib/data/registry';
import { subsample, subsampleRetrieval } from '../../lib/eval/task-data';
import { getTask, selectTasks, TASKS, TASK_NAMES } from '../../lib/eval/tasks/registry';
import { truncateAndNormalize } from '../../lib/eval/truncate';
import { rngFor } from '../../lib/core/rng';

describe('task registry', () => {
  it('declares exactly the preset task names', () => {
    expect([...TASK_NAMES].sort()).toEqual([...ALL_TASKS].sort());
  });
  it('scores evaluation splits only, and trains classifiers on non-evaluation splits', () => {
    for (const t of TASKS) {
      expect(isEvaluationSplit(t.dataset, t.evalSplit), `${t.name} ${t.evalSplit}`).toBe(true);
      if (t.type === 'Classification')
        expect(isEvaluationSplit(t.dataset, t.trainSplit), `${t.name} ${t.trainSplit}`).toBe(false);
    }
  });
  it('uses the paper prompts (App. C) and MTEB protocol constants', () => {
    expect(getTask('SciFact')).toMatchObject({ prompt: 'fact checking', symmetric: false, mainScore: 'ndcg_at_10' });
    expect(getTask('STSBenchmark')).toMatchObject({ prompt: 'semantic similarity', symmetric: true });
    expect(getTask('MRPC')).toMatchObject({ prompt: 'semantic similarity', mainScore: 'cosine_ap' });
    expect(getTask('AGNewsClustering')).toMatchObject({ prompt: 'search result', evalSplit: 'cluster' });
    expect(getTask('Banking77Classification')).toMatchObject({
      prompt: 'classification',
      samplesPerLabel: 8,
      nExperiments: 10,
    });
    expect(getTask('AmazonCounterfactualClassification')).toMatchObject({ samplesPerLabel: 32 });
  });
  it('selects by name, type or all, and names the known tasks on a typo', () => {
    expect(selectTasks(['all'])).toHaveLength(17);
    expect(selectTasks(['sts', 'SciFact']).map((t) => t.name)).toEqual([
      'STSBenchmark',
      'SICK-R',
      'STS12',
      'STS13',
      'STS14',
      'STS15',
      'STS16',
      'BIOSSES',
      'SciFact',
    ]);
    expect(() => selectTasks(['SciFakt'])).toThrow(/unknown evaluation task 'SciFakt'[\s\S]*known tasks: SciFact/);
  });
});

describe('sub-sampling', () => {
  const corpus = Array.from({ length: 50 }, (_, i) => ({ id: `d${i}`, text: `t${i}`, source: 'x' }));
  const queries = Array.from({ length: 20 }, (_, i) => ({ id: `q${i}`, text: `q${i}` }));
  const qrels = Object.fromEntries(queries.map((q, i) => [q.id, { [`d${i * 2}`]: 1, [`d${i * 2 + 1}`]: 0 }]));
  it('keeps every passage judged for the kept queries, fills to maxCorpus, seeded', () => {
    const a = subsampleRetrieval({ corpus, queries, qrels }, 5, 15, 7, 'T');
    expect(a.queries).toHaveLength(5);
    expect(a.corpus).toHaveLength(15);
    for (const q of a.queries)
      for (const d of Object.keys(qrels[q.id]!)) expect(a.corpus.map((p) => p.id)).toContain(d);
    expect(Object.keys(a.qrels).sort()).toEqual(a.queries.map((q) => q.id).sort());
    expect(subsampleRetrieval({ corpus, queries, qrels }, 5, 15, 7, 'T')).toEqual(a);
    expect(subsampleRetrieval({ corpus, queries, qrels }, 5, 15, 8, 'T').queries).not.toEqual(a.queries);
  });
  it('0 means no cap, and kept items stay in order', () => {
    expect(subsample([1, 2, 3], 0, rngFor(1, 'x'))).toEqual([1, 2, 3]);
    const s = subsample(
      Array.from({ length: 100 }, (_, i) => i),
      10,
      rngFor(1, 'x'),
    );
    expect(s).toEqual([...s].sort((x, y) => x - y));
  });
});

describe('truncateAndNormalize', () => {
  it('keeps the prefix and re-normalises', () => {
    const [v] = truncateAndNormalize([Float32Array.of(3, 4, 12)], 2);
    expect(v![0]).toBeCloseTo(0.6, 6);
    expect(v![1]).toBeCloseTo(0.8, 6);
    expect(() => truncateAndNormalize([Float32Array.of(1)], 2)).toThrow(/cannot truncate vector 0 of dimension 1 to 2/);
  });
});
