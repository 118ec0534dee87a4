// The optimizer against PyTorch: test/fixtures/adamw_torch.json is the output of the committed
// test/fixtures/adamw_torch.py (torch.optim.AdamW, Debian python3-torch); where PyTorch is
// installed (CI), a test re-runs the script and checks the fixture still matches it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adamwInit, adamwStep, ADAMW_DEFAULTS } from '../../lib/train/adamw';
import { clipGlobalNorm, globalNorm } from '../../lib/train/clip';
import { lrAt } from '../../lib/train/schedule';
import { batchIndices } from '../../lib/train/batches';
import { pythonWith, runPythonJson } from '../helpers';
import { ADAMW_TORCH } from '../fixtures/adamw-torch';

const FIXTURES = join(__dirname, '..', 'fixtures');
const TORCH = ADAMW_TORCH;
const TORCH_PY = await pythonWith('torch');

describe('AdamW', () => {
  it('first step is a signed step of size lr after decay (hand-computed)', () => {
    // t=1: m_hat = g, v_hat = g^2 -> update = lr * g / (|g| + eps) = lr * sign(g)
    const p = Float32Array.from([1, -2, 0.5]);
    const s = adamwInit(3);
    adamwStep(p, Float32Array.from([0.3, -4, 0]), s, 0.1, ADAMW_DEFAULTS, Uint8Array.from([1, 1, 0]));
    expect(p[0]).toBeCloseTo(1 * (1 - 0.1 * 0.01) - 0.1, 6);
    expect(p[1]).toBeCloseTo(-2 * (1 - 0.1 * 0.01) + 0.1, 6);
    expect(p[2]).toBe(0.5); // no decay there, zero gradient
    expect(s.t).toBe(1);
  });

  it('follows torch.optim.AdamW (test/fixtures/adamw_torch.json, printed by adamw_torch.py) over 8 steps', () => {
    const p = Float32Array.from(TORCH.init);
    const s = adamwInit(p.length);
    const decay = Uint8Array.from(TORCH.decayed);
    const o = { beta1: TORCH.betas[0], beta2: TORCH.betas[1], eps: TORCH.eps, weightDecay: TORCH.weightDecay };
    TORCH.trajectory.forEach((want, k) => {
      const t = k + 1;
      const g = Float32Array.from(p, (_, i) => Math.sin(t * (i + 1)) * 10 ** ((i % 3) - 1));
      adamwStep(p, g, s, TORCH.lrs[k]!, o, decay);
      want.forEach((w, i) => expect(p[i], `step ${t}, element ${i}`).toBeCloseTo(w, 6));
    });
  });

  it.skipIf(!TORCH_PY)(
    "the fixture is what adamw_torch.py prints with this machine's PyTorch",
    async () => {
      const now = (await runPythonJson(TORCH_PY!, join(FIXTURES, 'adamw_torch.py'))) as typeof TORCH;
      now.trajectory.forEach((row, k) => row.forEach((v, i) => expect(v).toBeCloseTo(TORCH.trajectory[k]![i]!, 6)));
    },
    300_000,
  ); // importing torch on a loaded machine
});

describe('clipping, schedule, batches', () => {
  it('clips to the global norm', () => {
    const g = Float32Array.from([3, 4]);
    expect(clipGlobalNorm(g, 1)).toBe(5);
    expect(globalNorm(g)).toBeCloseTo(1, 5);
    expect(clipGlobalNorm(Float32Array.from([NaN, 1]), 1)).toBeNaN();
  });

  it('warms up linearly, then decays linearly to 10%', () => {
    const o = { lr: 1, warmupSteps: 4, totalSteps: 14 };
    expect([0, 1, 2, 3].map((s) => lrAt(s, o))).toEqual([0.25, 0.5, 0.75, 1]);
    expect(lrAt(4, o)).toBe(1);
    expect(lrAt(13, o)).toBeCloseTo(0.1, 12);
  });

  it('batches: each epoch is a permutation, deterministic per seed', () => {
    const e0 = [0, 1, 2].flatMap((s) => batchIndices(12, 4, s, 7, 'x'));
    expect([...e0].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(batchIndices(12, 4, 5, 7, 'x')).toEqual(batchIndices(12, 4, 5, 7, 'x'));
    expect(batchIndices(12, 4, 0, 7, 'x')).not.toEqual(batchIndices(12, 4, 0, 8, 'x'));
    expect(batchIndices(5, 4, 1, 7, 'x')).toHaveLength(4); // crosses an epoch boundary
  });
});
