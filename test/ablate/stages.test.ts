// The 'stages' ablation's arms are what they say: with finetune.steps 0 the fine-tuned checkpoint
// holds the pre-finetuned weights bit for bit, and with both stages at 0 steps it holds the
// backbone's (here the smoke preset's MLM-pretrained encoder). Were a 0-step stage to take a step
// (or a warm-up to move the weights), the arms would not be the stages they are named after.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArm } from '../../lib/ablate/run';
import { SPECS } from '../../lib/ablate/specs/index';
import { onStage, type StageEvent } from '../../lib/pipeline/stages';
import { have, SHARED_DATA, tmpDir } from '../helpers';

const haveData = have(SHARED_DATA, 'shared data sets');
const small = {
  pretrain: { steps: 4 },
  prefinetune: { steps: 4 },
  finetune: { steps: 4 },
  eval: { maxQueries: 10, maxCorpus: 100, maxTest: 40, maxTrain: 60 },
};

describe("gecko ablate stages: each arm's checkpoint is the stage it names", () => {
  const env: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const k of ['GECKO_CACHE_DIR', 'GECKO_DATA_DIR', 'GECKO_PROGRESS']) env[k] = process.env[k];
    process.env.GECKO_CACHE_DIR = tmpDir('gecko-stages-cache-');
    process.env.GECKO_DATA_DIR = SHARED_DATA;
    process.env.GECKO_PROGRESS = 'off';
  });
  afterAll(() => {
    rmSync(process.env.GECKO_CACHE_DIR!, { recursive: true, force: true });
    for (const [k, v] of Object.entries(env))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  const weights = (events: StageEvent[], stage: string) => {
    const e = events.find((x) => x.stage === stage);
    expect(e, stage).toBeDefined();
    return readFileSync(join(e!.dir, 'ckpt', 'weights.bin'));
  };
  const run = async (arm: string) => {
    const events: StageEvent[] = [];
    const off = onStage((e) => events.push(e));
    try {
      const r = await runArm(SPECS['stages']!, arm, { preset: 'smoke', overrides: small });
      expect(r.scores.map((s) => s.task)).toEqual([...SPECS['stages']!.tasks]);
      return events;
    } finally {
      off();
    }
  };

  it.skipIf(!haveData)(
    'pre-finetuned = the pre-finetuning checkpoint; backbone = the pretrained one; fine-tuned differs',
    async () => {
      const pre = await run('pre-finetuned');
      expect(weights(pre, 'finetune').equals(weights(pre, 'prefinetune'))).toBe(true);
      const bb = await run('backbone');
      expect(weights(bb, 'finetune').equals(weights(bb, 'pretrain'))).toBe(true);
      expect(weights(bb, 'prefinetune').equals(weights(bb, 'pretrain'))).toBe(true);
      const ft = await run('fine-tuned');
      expect(weights(ft, 'finetune').equals(weights(ft, 'prefinetune'))).toBe(false);
    },
    600_000,
  );
});
