// The harness on a tiny task with a known answer: a retrieval task of 3 passages and 2 queries
// whose embeddings are chosen by hand, so the ranking and nDCG@10 are worked out below; and an
// STS task whose similarities are a known monotone function of the gold scores.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/core/log';
import { runTask } from '../../lib/eval/evaluate';
import type { EvalContext } from '../../lib/eval/runners/context';
import type { TaskData } from '../../lib/eval/task-data';
import { selectTasks } from '../../lib/eval/tasks/registry';

/** A context whose embedder looks each text up by the word it contains. */
function ctxFor(vectors: Record<string, number[]>, dims: number[] = []): EvalContext {
  const vec = (text: string) => {
    const key = Object.keys(vectors).find((k) => text.includes(k));
    if (!key) throw new Error(`no vector for '${text}'`);
    const v = Float32Array.from(vectors[key]!);
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const embedder = { id: 'toy', dim: 3, embed: async (t: readonly string[]) => t.map(vec) };
  return {
    model: { kind: 'dense', id: 'toy', embedder },
    dims,
    encode: async (_role, texts) => texts.map(vec),
    seed: 1,
    log: silentLogger,
  };
}

describe('runTask on tasks with a known answer', () => {
  it('retrieval: nDCG@10 = (1/log2(3) + 1) / 2 when one query finds its passage second and one first', async () => {
    const task = selectTasks(['SciFact'])[0]!;
    // q-alpha is closest to d-beta, then d-alpha (relevant), then d-gamma; q-gamma is closest to d-gamma.
    const vectors = {
      'q-alpha': [1, 0.2, 0],
      'd-beta': [1, 0.3, 0],
      'd-alpha': [1, 0, 0.5],
      'd-gamma': [0, 0, 1],
      'q-gamma': [0, 0.1, 1],
    };
    const data: TaskData = {
      kind: 'retrieval',
      corpus: ['d-alpha', 'd-beta', 'd-gamma'].map((id) => ({ id, text: `text ${id}`, source: 'toy' })),
      queries: [
        { id: 'q1', text: 'q-alpha' },
        { id: 'q2', text: 'q-gamma' },
      ],
      qrels: { q1: { 'd-alpha': 1 }, q2: { 'd-gamma': 1 } },
    };
    const [full] = await runTask(task, data, ctxFor(vectors));
    const want = (1 / Math.log2(3) + 1) / 2; // q1: relevant at rank 2; q2: at rank 1
    expect(full!.scores.ndcg_at_10).toBeCloseTo(want, 12);
    expect(full!.main_score).toBeCloseTo(want, 12);
    expect(full!.scores.mrr_at_10).toBeCloseTo((1 / 2 + 1) / 2, 12);
    expect(full!.scores.recall_at_1).toBeCloseTo(0.5, 12);
  });

  it('STS: Spearman 1 when cosine order follows the gold scores, -1 when it is reversed', async () => {
    const task = selectTasks(['STSBenchmark'])[0]!;
    // s0 vs t0..t3: cosines fall as the angle grows; gold scores fall with them.
    const angle = (a: number) => [Math.cos(a), Math.sin(a), 0];
    const vectors = { s0: [1, 0, 0], t0: angle(0.1), t1: angle(0.5), t2: angle(1.0), t3: angle(1.4) };
    const pairs = (gold: number[]) => ({
      kind: 'sts' as const,
      pairs: ['t0', 't1', 't2', 't3'].map((t, i) => ({ text1: 's0', text2: t, score: gold[i]! })),
    });
    const [up] = await runTask(task, pairs([5, 3, 2, 0]), ctxFor(vectors));
    expect(up!.main_score).toBeCloseTo(1, 12);
    const [down] = await runTask(task, pairs([0, 2, 3, 5]), ctxFor(vectors));
    expect(down!.main_score).toBeCloseTo(-1, 12);
  });
});
