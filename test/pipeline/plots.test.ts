import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeJson } from '../../lib/core/fs';
import { writeJsonl } from '../../lib/core/jsonl';
import { commonTasks, runFigures } from '../../lib/pipeline/plots';
import { tmpDir } from '../helpers';
import { FRET } from '../plots/fixtures';

const result = (model: string, dim: number | null, task: string, score: number) => ({
  task_name: task,
  model,
  dim,
  task_type: 'STS',
  scores: { test: [{ main_score: score }] },
  eval_config: { maxQueries: 1, maxCorpus: 1, maxTrain: 1, maxTest: 1, seed: 1 },
});

describe('run figures', () => {
  it('keeps, per model, the tasks scored at every dimension', () => {
    const recs = [
      { task: 'A', model: 'm', score: 1, dims: 32 },
      { task: 'B', model: 'm', score: 1, dims: 32 },
      { task: 'A', model: 'm', score: 1, dims: 16 },
      { task: 'B', model: 'n', score: 1, dims: 8 },
    ];
    expect(commonTasks(recs).map((r) => `${r.model}${r.task}${r.dims}`)).toEqual(['mA32', 'mA16', 'nB8']);
  });

  it('builds the figures a run has data for, and skips the rest', () => {
    const root = tmpDir('gecko-runfigs-');
    const run = join(root, 'r1');
    expect(runFigures(run)).toEqual({});
    writeJsonl(
      join(run, 'fret', 'fret.jsonl'),
      FRET.map((r) => ({ ...r, positiveIsSeed: r.positiveId === 'a' })),
    );
    writeJsonl(join(run, 'finetune', 'metrics.jsonl'), [
      { stage: 'finetune', step: 1, loss: 2 },
      { stage: 'finetune', step: 1, eval: { mrr: 0.1 } },
      { stage: 'finetune', step: 2, loss: 1 },
    ]);
    writeJson(join(run, 'finetune', 'ckpt', 'encoder.json'), { id: 'ckpt:x' });
    for (const [dim, s] of [
      [32, 0.5],
      [16, 0.4],
    ] as const)
      writeJson(join(run, 'eval', 'ckpt_x', `d${dim}`, 'STSBenchmark.json'), result('ckpt:x', dim, 'STSBenchmark', s));
    writeJson(join(run, 'eval', 'bm25', 'lexical', 'SciFact.json'), result('bm25', null, 'SciFact', 0.6));
    const figs = runFigures(run);
    expect(Object.keys(figs)).toEqual([
      'fret-rank-agreement',
      'fret-positive-ranks',
      'fret-example-candidates',
      'loss-finetune',
      'score-bars',
      'score-by-dimension',
    ]);
    expect(figs['loss-finetune']!.data[0]!.y).toEqual([2, 1]); // the eval-only row is not a loss point
    expect(figs['fret-example-candidates']!.layout.title.text).toContain('interest rates'); // the relabelled query
    expect(figs['score-by-dimension']!.data.map((t) => t.name)).toEqual(['finetune (ckpt:x)']);
    expect(figs['score-bars']!.data.map((t) => [t.name, t.x])).toEqual([
      ['bm25', ['SciFact', 'STSBenchmark']],
      ['finetune (ckpt:x)', ['SciFact', 'STSBenchmark']],
    ]); // tasks in registry order
  });
});
