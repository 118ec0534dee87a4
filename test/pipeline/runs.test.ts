import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeJson } from '../../lib/core/fs';
import { collectRunResults, compareRuns } from '../../lib/pipeline/runs';
import { tmpDir } from '../helpers';

function result(model: string, dim: number | null, task: string, score: number) {
  return {
    task_name: task,
    model,
    dim,
    task_type: 'STS',
    scores: { test: [{ main_score: score }] },
    eval_config: { maxQueries: 30, maxCorpus: 300, maxTrain: 200, maxTest: 100, seed: 1 },
  };
}

describe('runs compared', () => {
  it('reads every run’s result files, names checkpoints by their stage, averages per (run, model, dim)', () => {
    const root = tmpDir('gecko-runs-');
    writeJson(join(root, 'r1', 'finetune', 'ckpt', 'encoder.json'), { id: 'ckpt:abc' });
    writeJson(join(root, 'r1', 'eval', 'ckpt_abc', 'd32', 'A.json'), result('ckpt:abc', 32, 'A', 0.5));
    writeJson(join(root, 'r1', 'eval', 'ckpt_abc', 'd32', 'B.json'), result('ckpt:abc', 32, 'B', 0.7));
    writeJson(join(root, 'r1', 'eval', 'bm25', 'lexical', 'A.json'), result('bm25', null, 'A', 0.9));
    writeJson(join(root, 'eval', 'hash_8', 'd8', 'A.json'), result('hash:8', 8, 'A', 0.1)); // gecko eval's default folder
    writeJson(join(root, 'r2', 'config.json'), {}); // a run without evaluations
    const rows = collectRunResults(root);
    expect(rows).toHaveLength(4);
    expect(rows.find((r) => r.task === 'B')).toEqual({
      run: 'r1',
      model: 'finetune (ckpt:abc)',
      dim: 32,
      task: 'B',
      type: 'STS',
      mainScore: 0.7,
      sample: 'q30 c300 train200 test100 seed1',
    });
    const cmp = compareRuns(rows);
    expect(cmp[0]).toMatchObject({ run: 'r1', model: 'finetune (ckpt:abc)', dim: '32', tasks: 2 });
    expect(cmp[0]!.mean).toBeCloseTo(0.6);
    expect(cmp.map((c) => c.run).sort()).toEqual(['eval', 'r1', 'r1']);
  });
});
