// Classification with a known answer: four labels whose texts embed near four orthogonal
// directions (with a little noise), train rows interleaved by label. The logistic regression
// trained on the undersampled train embeddings must then classify every test text correctly;
// a runner that pairs a train embedding with another row's label (Banking77 fell from 0.120 to
// 0.020 with such a bug, issue 20) scores near or below chance (0.25) here.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/core/log';
import { rngFor } from '../../lib/core/rng';
import { runTask } from '../../lib/eval/evaluate';
import type { EvalContext } from '../../lib/eval/runners/context';
import type { ClassificationData } from '../../lib/eval/task-data';
import { selectTasks } from '../../lib/eval/tasks/registry';

const LABELS = 4;
const DIM = 8;

/** The embedding of 'label-<k> row-<j>': direction k plus seeded noise (0.3 per coordinate at most). */
function embed(text: string): Float32Array {
  const m = /label-(\d+) row-(\d+)/.exec(text);
  if (!m) throw new Error(`no label in '${text}'`);
  const rng = rngFor(Number(m[2]), 'test', 'classification-known', m[1]!);
  const v = Float32Array.from({ length: DIM }, () => (rng.float() - 0.5) * 0.6);
  v[Number(m[1])]! += 1;
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const ctx: EvalContext = {
  model: { kind: 'dense', id: 'toy', embedder: { id: 'toy', dim: DIM, embed: async (t) => t.map(embed) } },
  dims: [],
  encode: async (_role, texts) => texts.map(embed),
  seed: 1,
  log: silentLogger,
};
const rows = (n: number, offset: number) =>
  Array.from({ length: n * LABELS }, (_, j) => ({ text: `label-${j % LABELS} row-${offset + j}`, label: j % LABELS }));
const data: ClassificationData = {
  kind: 'classification',
  labelNames: ['a', 'b', 'c', 'd'],
  train: rows(20, 0), // labels interleaved: 0, 1, 2, 3, 0, 1, ...
  test: rows(10, 1000),
};

describe('classification on separable embeddings', () => {
  it('classifies every test text correctly (accuracy 1), item by item', async () => {
    const task = selectTasks(['Banking77Classification'])[0]!;
    const [r] = await runTask(task, data, ctx);
    expect(r!.scores.test_size).toBe(40);
    expect(r!.main_score).toBe(1);
    expect(r!.scores.accuracy).toBe(1);
    expect(r!.items).toHaveLength(40);
    expect(r!.items!.every((i) => i.score === 1)).toBe(true);
  });

  it('a label permutation of the test set scores 0: the classifier reads the embeddings', async () => {
    const task = selectTasks(['Banking77Classification'])[0]!;
    const shifted = { ...data, test: data.test.map((r) => ({ ...r, label: (r.label + 1) % LABELS })) };
    const [r] = await runTask(task, shifted, ctx);
    expect(r!.main_score).toBe(0);
  });
});
