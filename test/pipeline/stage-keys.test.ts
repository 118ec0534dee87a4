// Content addressing of the stages: every config key is claimed by a stage (or declared
// operational), and a change reaches exactly the stages downstream of the key it touches.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../lib/config/resolve';
import { OPERATIONAL_KEYS, STAGE_KEYS, stagePlan, STAGE_NAMES, type StageName } from '../../lib/pipeline/stages';

const base = resolveConfig('smoke').config;

function leaves(v: unknown, path = ''): string[] {
  if (v && typeof v === 'object' && !Array.isArray(v))
    return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => leaves(x, path ? `${path}.${k}` : k));
  return [path];
}

const claimed = (leaf: string) =>
  [...Object.values(STAGE_KEYS).flat(), ...OPERATIONAL_KEYS].some((k) => leaf === k || leaf.startsWith(k + '.'));

/** Stages whose hash differs between two plans. */
function changed(a: ReturnType<typeof stagePlan>, b: ReturnType<typeof stagePlan>): StageName[] {
  return STAGE_NAMES.filter((s) => a[s].hash !== b[s].hash);
}

describe('stage plan', () => {
  it('claims every config key (a new key must join a stage slice or OPERATIONAL_KEYS)', () => {
    // mixture weights are a record: any source name is under finetune.mixture
    expect(leaves(base).filter((l) => !claimed(l))).toEqual([]);
  });

  it('a fine-tuning key changes fine-tuning and evaluation only', () => {
    const b = resolveConfig('smoke', { finetune: { sameTower: !base.finetune.sameTower } }).config;
    expect(changed(stagePlan(base), stagePlan(b))).toEqual(['finetune', 'eval']);
  });

  it('a FRet key changes FRet and everything built on it, never pretraining or pre-finetuning', () => {
    const b = resolveConfig('smoke', { fret: { numCandidates: base.fret.numCandidates + 1 } }).config;
    expect(changed(stagePlan(base), stagePlan(b))).toEqual(['fret', 'mixture', 'finetune', 'eval']);
  });

  it('a mixture weight changes the mixture and downstream; with no FRet weight the mixture ignores FRet', () => {
    const b = resolveConfig('smoke', { finetune: { mixture: { nli: 0 } } }).config;
    expect(changed(stagePlan(base), stagePlan(b))).toEqual(['mixture', 'finetune', 'eval']);
    const noFret = resolveConfig('smoke', { finetune: { mixture: { fret: 0 } } }).config;
    const noFret2 = resolveConfig('smoke', { finetune: { mixture: { fret: 0 } }, fret: { numCandidates: 3 } }).config;
    expect(changed(stagePlan(noFret), stagePlan(noFret2))).toEqual(['fret']);
  });

  it('an operational key changes nothing', () => {
    const b = resolveConfig('smoke', { llm: { concurrency: 9 }, eval: { batchSize: 7 }, name: 'x' }).config;
    expect(changed(stagePlan(base), stagePlan(b))).toEqual([]);
  });

  it('seeds: a fine-tuning seed varies the fine-tuning stage (and evaluation of it), a mixture seed the mixture, a FRet seed seeding + FRet', () => {
    const p = stagePlan(base);
    expect(changed(p, stagePlan(base, { finetune: 99 }))).toEqual(['finetune', 'eval']);
    expect(changed(p, stagePlan(base, { mixture: 99 }))).toEqual(['mixture', 'finetune', 'eval']);
    expect(changed(p, stagePlan(base, { fret: 99 }))).toEqual(['seeding', 'fret', 'mixture', 'finetune', 'eval']);
    expect(stagePlan(base, { finetune: 99 }).finetune.seed).toBe(99);
    expect(p.eval.seed).toBe(base.seed); // evaluation samples its items with the base seed
  });

  it('seeds: a pretraining seed varies every stage built on the model, a pre-finetuning seed pre-finetuning down; evaluation keeps the base seed', () => {
    const p = stagePlan(base);
    expect(changed(p, stagePlan(base, { pretrain: 99 }))).toEqual(['pretrain', 'prefinetune', 'finetune', 'eval']);
    expect(changed(p, stagePlan(base, { prefinetune: 99 }))).toEqual(['prefinetune', 'finetune', 'eval']);
    expect(stagePlan(base, { pretrain: 99 }).pretrain.seed).toBe(99);
    expect(stagePlan(base, { prefinetune: 99 }).prefinetune.seed).toBe(99);
    // the base seed given explicitly is the same plan (an ablation's first seed reuses the shared stages)
    expect(changed(p, stagePlan(base, { pretrain: base.seed, prefinetune: base.seed }))).toEqual([]);
    const all = stagePlan(base, { pretrain: 99, prefinetune: 99, fret: 99, mixture: 99, finetune: 99 });
    expect(all.eval.seed).toBe(base.seed);
    // FRet's 'initial' retriever starts from the pre-finetuned model: its seed reaches FRet
    const initial = resolveConfig('smoke', { fret: { retriever: 'initial' } }).config;
    expect(changed(stagePlan(initial), stagePlan(initial, { prefinetune: 99 }))).toContain('fret');
    expect(changed(stagePlan(initial), stagePlan(initial, { prefinetune: initial.seed }))).toEqual([]);
  });

  it('the no-Matryoshka fine-tuning has its own folder', () => {
    const p = stagePlan(base);
    expect(p['finetune-plain'].dir).not.toBe(p.finetune.dir);
    expect(p['finetune-plain'].upstream).toEqual(p.finetune.upstream);
  });
});
