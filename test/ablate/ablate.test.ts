// `gecko ablate` on the smoke preset with two seeds (the CI ablation): per-item rows, intervals,
// and the benchmark: no arm or seed redoes pretraining or pre-finetuning (stage executions are
// counted), and a second invocation reruns nothing. With --seed-scope all, each seed has its own
// pretraining, pre-finetuning and FRet, and the entry says so.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { ablationEntry } from '../../lib/ablate/report';
import { t975 } from '../../lib/ablate/intervals';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ablate } from '../../lib/ablate/command';
import { resolveArms } from '../../lib/ablate/spec';
import { SPECS } from '../../lib/ablate/specs/index';
import { onStage, type StageEvent } from '../../lib/pipeline/stages';
import { silentLogger } from '../../lib/core/log';
import { have, SHARED_DATA, tmpDir } from '../helpers';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/backend/select';

const haveData = have(SHARED_DATA, 'shared data sets');
// fewer steps and small evaluation caps keep it fast; the spec's own tasks and arms are unchanged
const small = {
  pretrain: { steps: 4 },
  prefinetune: { steps: 4 },
  finetune: { steps: 4 },
  eval: { maxQueries: 10, maxCorpus: 100, maxTest: 60, maxTrain: 100 },
};

describe('gecko ablate (smoke preset, 2 seeds)', () => {
  const env: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const k of ['GECKO_CACHE_DIR', 'GECKO_RUNS_DIR', 'GECKO_DATA_DIR', 'GECKO_PROGRESS']) env[k] = process.env[k];
    process.env.GECKO_CACHE_DIR = tmpDir('gecko-ablate-cache-');
    process.env.GECKO_RUNS_DIR = tmpDir('gecko-ablate-runs-');
    process.env.GECKO_DATA_DIR = SHARED_DATA;
    process.env.GECKO_PROGRESS = 'off';
  });
  afterAll(() => {
    // the temp cache and runs folders this test made
    for (const k of ['GECKO_CACHE_DIR', 'GECKO_RUNS_DIR']) rmSync(process.env[k]!, { recursive: true, force: true });
    for (const [k, v] of Object.entries(env))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  it('refuses a bad arm before any work, naming the spec and arm', () => {
    const bad = {
      ...SPECS['same-tower']!,
      arms: [...SPECS['same-tower']!.arms, { name: 'typo', overrides: { finetune: { sameTowr: true } }, note: '' }],
    };
    expect(() => resolveArms(bad, 'smoke', {})).toThrow(/same-tower.*arm 'typo'.*sameTowr/s);
  });

  it.skipIf(!haveData)(
    'runs same-tower with two seeds: shared upstream stages run once, intervals and items written, a rerun redoes nothing',
    async () => {
      const events: StageEvent[] = [];
      const off = onStage((e) => events.push(e));
      const spec = SPECS['same-tower']!;
      const opts = {
        preset: 'smoke' as const,
        overrides: small,
        seeds: 2,
        command: 'test',
        experimentsPath: null,
        plots: false,
        progress: false,
        log: silentLogger,
      };
      const { result } = await ablate(spec, opts);
      off();
      // the arms trained on the selected backend (wasm here), not on TF.js's default 'cpu' backend
      const trainedOn = tf.getBackend();
      expect(trainedOn).toBe((await selectBackend()).tfBackend);
      expect(result.backend).toBe((await selectBackend()).name);
      const ran = (stage: string) => events.filter((e) => e.stage === stage && e.action === 'ran').length;
      const summary = Object.fromEntries(
        ['pretrain', 'prefinetune', 'fret', 'mixture', 'finetune', 'eval'].map((s) => [s, ran(s)]),
      );
      console.log(`stage executions for 2 arms x 2 seeds: ${JSON.stringify(summary)}`);
      expect(ran('pretrain')).toBe(1);
      expect(ran('prefinetune')).toBe(1);
      expect(ran('fret')).toBe(1); // same-tower does not change FRet, and a seed does not vary it here
      expect(ran('mixture')).toBe(2); // one per seed, shared by both arms
      expect(ran('finetune')).toBe(4);
      expect(ran('eval')).toBe(4);

      const rows = readFileSync(join(result.out, 'items.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(Object.keys(rows[0]).sort()).toEqual(['arm', 'item', 'score', 'seed', 'task']);
      expect(new Set(rows.map((r) => r.task))).toEqual(new Set(spec.tasks));
      expect(new Set(rows.map((r) => `${r.arm}/${r.seed}`)).size).toBe(4);
      const off2 = result.arms.find((a) => a.arm === 'off')!;
      expect(off2.vsReference!.average.lo).toBeLessThanOrEqual(off2.vsReference!.average.mean);
      expect(off2.vsReference!.average.hi).toBeGreaterThanOrEqual(off2.vsReference!.average.mean);
      // the arm's mean over items and seeds equals the mean of the rows
      const sts = rows.filter((r) => r.arm === 'off' && r.task === 'STSBenchmark');
      expect(off2.perTask.STSBenchmark!.mean).toBeCloseTo(sts.reduce((s, r) => s + r.score, 0) / sts.length, 10);
      // the arms trained differently: an arm whose overrides were lost would score every item as the reference does
      const onScore = new Map(
        rows.filter((r) => r.arm === 'on').map((r) => [`${r.task}/${r.item}/${r.seed}`, r.score]),
      );
      const offRows = rows.filter((r) => r.arm === 'off');
      expect(offRows.length).toBe(onScore.size);
      expect(offRows.filter((r) => r.score !== onScore.get(`${r.task}/${r.item}/${r.seed}`)).length).toBeGreaterThan(0);
      expect(off2.vsReference!.average.mean).not.toBe(0);
      expect(existsSync(join(result.out, 'results.json'))).toBe(true);
      expect(result.seedScope).toBe('finetune');
      expect(off2.vsReference!.average.method).toMatch(/two-way|seeds/);
      const entry = ablationEntry(result, { command: 'test', seconds: 1, plots: [], machine: 'test', t: t975 });
      expect(entry).toMatch(/Seed scope: finetune \(the default\)\. A seed varies fine-tuning/);
      expect(entry).toMatch(/conditional on that one pre-finetuned model/);
      expect(entry).toMatch(/two-way seed x item random-effects t interval \(no bootstrap, 0 draws\)/);
      expect(existsSync(join(result.out, 'figures.json'))).toBe(true);

      const again: StageEvent[] = [];
      const off3 = onStage((e) => again.push(e));
      const second = await ablate(spec, opts);
      off3();
      expect(again.filter((e) => e.action === 'ran')).toEqual([]);
      expect(second.result.arms.map((a) => a.average.mean)).toEqual(result.arms.map((a) => a.average.mean));
    },
    600_000,
  );

  it.skipIf(!haveData)(
    '--seed-scope all: each seed pretrains, pre-finetunes and runs FRet with its own seed; evaluation items stay shared',
    async () => {
      const events: StageEvent[] = [];
      const off = onStage((e) => events.push(e));
      const spec = SPECS['same-tower']!;
      const { result } = await ablate(spec, {
        preset: 'smoke',
        overrides: small,
        seeds: 2,
        seedScope: 'all',
        command: 'test',
        experimentsPath: null,
        plots: false,
        progress: false,
        log: silentLogger,
      });
      off();
      const seedOf = (e: StageEvent) => JSON.parse(readFileSync(join(e.dir, 'stage.json'), 'utf8')).seed as number;
      const seedsOf = (stage: string) => new Set(events.filter((e) => e.stage === stage).map(seedOf));
      expect(result.seeds).toEqual([result.seeds[0], result.seeds[0]! + 1]);
      // the base seed's stages are the default scope's (already done by the test above: read back or
      // skipped); the second seed pretrains, pre-finetunes and runs FRet with its own seed
      for (const stage of ['pretrain', 'prefinetune', 'fret', 'mixture', 'finetune'])
        expect([...seedsOf(stage)], stage).toContain(result.seeds[1]);
      const ranPretrain = events.filter((e) => e.stage === 'pretrain' && e.action === 'ran');
      expect(ranPretrain.map(seedOf)).toContain(result.seeds[1]);
      expect(seedsOf('eval')).toEqual(new Set([result.seeds[0]])); // the evaluation sample keeps the base seed
      // a separate output folder from the default scope's, and the entry names the scope
      expect(result.out).toMatch(/ablate-same-tower-smoke-/);
      expect(result.seedScope).toBe('all');
      const entry = ablationEntry(result, { command: 'test', seconds: 1, plots: [], machine: 'test', t: t975 });
      expect(entry).toMatch(/seeds, seed scope all\n/);
      expect(entry).toMatch(/Seed scope: all\. A seed varies pretraining, pre-finetuning, seeding \+ FRet/);
      expect(entry).toMatch(/only the evaluation sample is shared/);
      // the same items for every seed: the pairing holds
      const rows = readFileSync(join(result.out, 'items.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const ids = (seed: number) =>
        rows
          .filter((r) => r.seed === seed && r.arm === 'off')
          .map((r) => `${r.task}/${r.item}`)
          .sort();
      expect(ids(result.seeds[1]!)).toEqual(ids(result.seeds[0]!));
    },
    600_000,
  );
});
