// AdamW as its own onnxruntime graph (train/adamw-onnx.ts) against torch.optim.AdamW's trajectory
// (test/fixtures/adamw_torch.json, printed by adamw_torch.py) and against adamw.ts's host loop on a
// vector large enough for onnxruntime to split the work, with clipping folded in; and the onnx
// engine with `adamw: 'onnx'` taking the same step as with the host loop.
import { describe, expect, it } from 'vitest';
import { inferenceRuntime } from '../../lib/backend/onnx';
import { Rng } from '../../lib/core/rng';
import type { EncoderConfig } from '../../lib/encoder/config';
import { initParams } from '../../lib/encoder/params';
import { adamwInit, adamwStep, ADAMW_DEFAULTS } from '../../lib/train/adamw';
import { OnnxAdamW } from '../../lib/train/adamw-onnx';
import { clipGlobalNorm, clipScale, globalNorm } from '../../lib/train/clip';
import { TrainEngine } from '../../lib/train/engine';
import { haveOnnxRuntime } from '../helpers';
import { ADAMW_TORCH } from '../fixtures/adamw-torch';

const TORCH = ADAMW_TORCH;

describe.skipIf(!haveOnnxRuntime())('AdamW as an onnx graph', () => {
  const ort = inferenceRuntime().ort!;

  it('follows torch.optim.AdamW over 8 steps (the fixture adamw.ts is held to)', async () => {
    const p = Float32Array.from(TORCH.init);
    const s = adamwInit(p.length);
    const o = { beta1: TORCH.betas[0], beta2: TORCH.betas[1], eps: TORCH.eps, weightDecay: TORCH.weightDecay };
    const opt = await OnnxAdamW.create(ort, p.length, Uint8Array.from(TORCH.decayed));
    for (const [k, want] of TORCH.trajectory.entries()) {
      const t = k + 1;
      const g = Float32Array.from(p, (_, i) => Math.sin(t * (i + 1)) * 10 ** ((i % 3) - 1));
      await opt.step(p, g, s, TORCH.lrs[k]!, o);
      want.forEach((w, i) => expect(p[i], `step ${t}, element ${i}`).toBeCloseTo(w, 6));
    }
    expect(s.t).toBe(8);
    await opt.close();
  });

  it("takes adamw.ts's steps on 100k parameters, with clipGlobalNorm's scale folded in", async () => {
    const n = 100_003;
    const rng = new Rng(5);
    const p0 = Float32Array.from({ length: n }, () => rng.normal());
    const decay = Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : 1));
    const host = p0.slice(),
      graph = p0.slice();
    const sh = adamwInit(n),
      sg = adamwInit(n);
    const opt = await OnnxAdamW.create(ort, n, decay);
    const o = { ...ADAMW_DEFAULTS, weightDecay: 0.1 };
    for (let t = 0; t < 5; t++) {
      const g = Float32Array.from({ length: n }, () => rng.normal() * (t + 1));
      const gh = g.slice();
      clipGlobalNorm(gh, 50); // the gradient's norm is ~316 * (t + 1): clipped every step
      adamwStep(host, gh, sh, 1e-2, o, decay);
      await opt.step(graph, g, sg, 1e-2, o, clipScale(globalNorm(g), 50));
    }
    let worst = 0,
      moved = 0;
    for (let i = 0; i < n; i++) {
      // float32 rounding apart (the host loop keeps m and v in float64 between its own lines)
      const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(1, Math.abs(x));
      worst = Math.max(worst, rel(host[i]!, graph[i]!), rel(sh.m[i]!, sg.m[i]!), rel(sh.v[i]!, sg.v[i]!));
      moved = Math.max(moved, Math.abs(host[i]! - p0[i]!));
    }
    expect(moved).toBeGreaterThan(0.01);
    expect(worst).toBeLessThan(2e-6);
    expect(sg.t).toBe(5);
    await expect(opt.step(graph.subarray(1), new Float32Array(n - 1), sg, 1e-2, o)).rejects.toThrow(/for a graph of/);
    await opt.close();
  });

  it("the onnx engine's update with adamw: 'onnx' equals the host loop's (clipped)", async () => {
    const cfg: EncoderConfig = {
      vocabSize: 40,
      layers: 1,
      dModel: 16,
      heads: 2,
      ffn: 32,
      maxLen: 12,
      dropout: 0,
      lnEps: 1e-5,
    };
    const p0 = initParams(cfg, 3);
    const engines = [
      await TrainEngine.create(cfg, p0, { path: 'onnx' }),
      await TrainEngine.create(cfg, p0, { path: 'onnx', adamw: 'onnx' }),
    ];
    const rng = new Rng(9);
    const grads = Float32Array.from(p0, () => rng.normal());
    const norms: number[] = [];
    for (const e of engines)
      norms.push(await e.update(0, { loss: 1, tokens: 1, grads: grads.slice() }, { lr: 1e-2, clipNorm: 1 }));
    expect(norms[1]).toBe(norms[0]);
    const [a, b] = await Promise.all(engines.map((e) => e.snapshot()));
    let worst = 0;
    for (let i = 0; i < p0.length; i++) worst = Math.max(worst, Math.abs(a!.params[i]! - b!.params[i]!));
    expect(worst).toBeLessThan(1e-6);
    expect(Math.max(...a!.params.map((x, i) => Math.abs(x - p0[i]!)))).toBeGreaterThan(1e-3);
    await Promise.all(engines.map((e) => e.close()));
    await expect(TrainEngine.create(cfg, p0, { path: 'packed', adamw: 'onnx' })).rejects.toThrow(/onnx path/);
  });
});
