// The references of test/fixtures/hf (made by make_tiny.py) hold together before any port uses them:
// the training-step reference is exactly one torch AdamW step (lr 1e-3, betas 0.9/0.999, eps 1e-8,
// weight decay 0.01 on 2-D tensors) of the reference gradient, which lib/train's adamwStep reproduces;
// and the reference embeddings have one row of the model's width per text.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '../../lib/core/safetensors';
import { adamwInit, adamwStep } from '../../lib/train/adamw';

const FIX = join(__dirname, '..', 'fixtures', 'hf');

describe('tiny checkpoint references', () => {
  it("train-step.safetensors is one AdamW step of train-grad.safetensors (lib/train's adamwStep agrees with torch)", () => {
    const before = readSafetensors(join(FIX, 'bert-cls', 'model.safetensors')).tensors;
    const grads = readSafetensors(join(FIX, 'bert-cls', 'train-grad.safetensors')).tensors;
    const after = readSafetensors(join(FIX, 'bert-cls', 'train-step.safetensors')).tensors;
    const ref = JSON.parse(readFileSync(join(FIX, 'bert-cls', 'reference.json'), 'utf8'));
    expect(ref.train.adamw).toEqual({
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weight_decay: 0.01,
      decay: '2-D parameters only',
    });
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    expect(ref.train.no_grad.sort()).toEqual([...before.keys()].filter((k) => !grads.has(k)).sort());
    let worst = 0;
    let moved = 0;
    for (const [name, t] of before) {
      const p = Float32Array.from(t.data);
      const g = grads.get(name);
      if (g) {
        const decay = new Uint8Array(p.length).fill(t.shape.length === 2 ? 1 : 0);
        adamwStep(
          p,
          g.data,
          adamwInit(p.length),
          1e-3,
          { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
          decay,
        );
      }
      const want = after.get(name)!.data;
      for (let i = 0; i < p.length; i++) {
        worst = Math.max(worst, Math.abs(p[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!))); // relative above 1, where float32 spacing grows
        if (want[i] !== t.data[i]) moved++;
      }
    }
    expect(moved).toBeGreaterThan(10_000); // the step changed the weights...
    expect(worst).toBeLessThanOrEqual(2 ** -23); // ...exactly as adamwStep does (float32 rounding: 1 ulp)
  });

  it('the reference embeddings have one row of the hidden width per text, prompted ones too', () => {
    for (const model of ['bert-cls', 'xlmr-mean']) {
      const ref = JSON.parse(readFileSync(join(FIX, model, 'reference.json'), 'utf8'));
      expect(ref.embeddings).toHaveLength(ref.texts.length);
      expect(ref.texts.length).toBeGreaterThanOrEqual(20);
      for (const row of [...ref.embeddings, ...ref.prompted.embeddings]) {
        expect(row).toHaveLength(32);
        expect(row.every(Number.isFinite)).toBe(true);
      }
      expect(ref.prompted.embeddings).toHaveLength(ref.prompted.texts.length);
      expect(ref.ids.some((ids: number[]) => ids.length === ref.max_seq_length)).toBe(true); // one text was cut
      expect(Number.isFinite(ref.train.loss)).toBe(true);
    }
  });
});
