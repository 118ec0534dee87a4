// In-domain tasks (their training split is in the fine-tuning mixture: Banking77, STS Benchmark)
// are marked wherever scores are averaged: category averages, the summary table, the ablation
// tables, the score-by-dimension plot's label and the demo's experiments.md entry.
import { describe, expect, it } from 'vitest';
import { categoryAverages, summaryRecords, type ScoreRow } from '../../lib/eval/results';
import { inDomainTasks } from '../../lib/mixture/build';
import { armsTable } from '../../lib/ablate/report';
import { analyse } from '../../lib/ablate/run';
import { SPECS } from '../../lib/ablate/specs';
import { scoreByDimension } from '../../lib/plots/eval';
import { resolveConfig } from '../../lib/config/resolve';

const row = (task: string, type: ScoreRow['type'], score: number): ScoreRow => ({
  model: 'ft',
  task,
  type,
  dim: 64,
  main_score: score,
  metric: 'm',
});
const rows = [
  row('SciFact', 'Retrieval', 0.2),
  row('STSBenchmark', 'STS', 0.8),
  row('Banking77Classification', 'Classification', 0.9),
  row('MRPC', 'PairClassification', 0.6),
];

describe('in-domain tasks in averages', () => {
  it("the demo preset's mixture makes Banking77 in-domain, and STS Benchmark when its train split is added", () => {
    const mixture = resolveConfig('demo').config.finetune.mixture;
    expect(inDomainTasks(mixture)).toEqual(['Banking77Classification']);
    expect(inDomainTasks({ ...mixture, sts: 0.1 })).toEqual(['Banking77Classification', 'STSBenchmark']);
  });
  it('categoryAverages lists them and gives the mean without them', () => {
    const [a] = categoryAverages(rows, ['Banking77Classification', 'STSBenchmark']);
    expect(a!.mean).toBeCloseTo(0.625, 10);
    expect(a!.meanOutOfDomain).toBeCloseTo(0.4, 10);
    expect(a!.inDomain).toEqual(['STSBenchmark', 'Banking77Classification']);
    expect(categoryAverages(rows)[0]!.meanOutOfDomain).toBeCloseTo(0.625, 10);
  });
  it('summaryRecords labels them and adds the out-of-domain mean', () => {
    const recs = summaryRecords(rows, ['STSBenchmark']);
    expect(recs.map((r) => r.task)).toContain('STSBenchmark (in-domain)');
    expect(recs.at(-1)).toEqual({ task: 'mean, in-domain tasks left out', 'ft d64': (0.2 + 0.9 + 0.6) / 3 });
    expect(summaryRecords(rows).some((r) => String(r.task).includes('in-domain'))).toBe(false);
  });
  it('the ablation table and the dimension plot name them', () => {
    const iv = { mean: 0.5, lo: 0.4, hi: 0.6, n: 3 };
    const r = {
      tasks: ['SciFact', 'STSBenchmark'],
      inDomain: ['STSBenchmark'],
      reference: 'a',
      arms: [{ arm: 'a', note: '', perTask: { SciFact: iv, STSBenchmark: iv }, average: iv, seconds: {} }],
    };
    expect(armsTable(r as never)).toMatch(/\| STSBenchmark \(in-domain\) \|/);
    const recs = rows.flatMap((x) =>
      [16, 64].map((dims) => ({ task: x.task, model: 'ft', score: x.main_score!, dims })),
    );
    expect(JSON.stringify(scoreByDimension(recs, { inDomain: ['STSBenchmark'] }).layout.yaxis)).toMatch(
      /in-domain: STSBenchmark/,
    );
  });
  it('an ablation scored at several widths marks the in-domain task at each width', () => {
    const spec = SPECS['matryoshka']!;
    const items = ['matryoshka', 'plain'].flatMap((arm) =>
      [1, 2].flatMap((seed) =>
        ['Banking77Classification@128', 'SciFact@128'].flatMap((task) =>
          ['a', 'b', 'c'].map((item, i) => ({ task, item, arm, seed, score: 0.1 * i + (arm === 'plain' ? 0.01 : 0) })),
        ),
      ),
    );
    const r = analyse(spec, items, {
      preset: 'smoke',
      seeds: [1, 2],
      seedVaries: [],
      out: '/tmp/x',
      jobs: [],
      inDomain: ['Banking77Classification'],
    });
    expect(r.inDomain).toEqual(['Banking77Classification@128']);
    expect(armsTable(r)).toMatch(/Banking77Classification@128 \(in-domain\)/);
  });
});
