// Every op of the model definition (lib/encoder/ops/index.ts) has every form, and the forms agree
// on a small batch of three texts (lengths 3, 4, 1):
//   the packed hand-written backward = TF.js autograd of the packed forward (1e-4 relative);
//   the padded TF.js forward = the packed forward on the real rows (1e-6);
//   the ONNX forward nodes = the packed forward, the ONNX backward nodes = the packed backward
//   (run by onnxruntime-node: 1e-6 and 1e-4 relative).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/backend/select';
import { inferenceRuntime } from '../../lib/backend/onnx';
import { DT } from '../../lib/core/onnx-proto';
import { Rng } from '../../lib/core/rng';
import { defineEncoder, type OpNode } from '../../lib/encoder/arch';
import type { EncoderConfig } from '../../lib/encoder/config';
import { disposeParams, paramTensors } from '../../lib/encoder/model';
import { Graph, onnxContext } from '../../lib/encoder/onnx-graph';
import { OPS } from '../../lib/encoder/ops/index';
import { paddedDropoutValues } from '../../lib/encoder/ops/dropout';
import type { PackedCtx, PaddedCtx, ParamTensors } from '../../lib/encoder/ops/types';
import { initParams } from '../../lib/encoder/params';

const base: EncoderConfig = {
  vocabSize: 20,
  layers: 1,
  dModel: 8,
  heads: 2,
  ffn: 12,
  maxLen: 6,
  dropout: 0.2,
  lnEps: 1e-5,
};
/** Definitions that between them use every op kind and every op option. */
const CONFIGS: [string, EncoderConfig][] = [
  ['pre-LN, GELU, mean pooling, embedding LayerNorm', { ...base, embLayerNorm: true }],
  [
    'post-LN, ReLU, CLS pooling, token-type row, position offset 2',
    {
      ...base,
      embLayerNorm: true,
      norm: 'post',
      activation: 'relu',
      pooling: 'cls',
      tokenTypeRow: true,
      positionOffset: 2,
    },
  ],
  [
    'sinusoidal positions from offset 1, ReLU',
    { ...base, positions: 'sinusoidal', positionOffset: 1, activation: 'relu' },
  ],
  [
    'USE-lite: embeddings 6 wide into a width-8 encoder (attention at width 6, residual projection), no final LayerNorm, mean + tanh head + L2',
    {
      ...base,
      layers: 2,
      embDim: 6,
      positions: 'sinusoidal',
      activation: 'relu',
      finalLayerNorm: false,
      poolHead: 'tanh',
      lnEps: 1e-6,
    },
  ],
];
const lengths = [3, 4, 1],
  N = 3,
  L = 4,
  T = 8,
  offsets = [0, 3, 7, 8];
const seeds = [11, 12, 13];
const rng = new Rng(9);
const ids = Int32Array.from({ length: T }, () => 1 + rng.int(base.vocabSize - 1));
const positions = Int32Array.from([0, 1, 2, 0, 1, 2, 3, 0]);
/** Padded row of packed row t. */
const paddedRow = (t: number) => {
  const s = offsets.findIndex((o, i) => t >= o && t < offsets[i + 1]!);
  return s * L + (t - offsets[s]!);
};
const randn = (n: number, scale = 1) => Float32Array.from({ length: n }, () => scale * rng.normal());
/** Packed rows (T, w) spread into padded rows (N * L, w), zeros on padding. */
function toPadded(x: Float32Array, w: number): Float32Array {
  const out = new Float32Array(N * L * w);
  for (let t = 0; t < T; t++) out.set(x.subarray(t * w, (t + 1) * w), paddedRow(t) * w);
  return out;
}
function fromPadded(x: Float32Array, w: number): Float32Array {
  const out = new Float32Array(T * w);
  for (let t = 0; t < T; t++) out.set(x.subarray(paddedRow(t) * w, (paddedRow(t) + 1) * w), t * w);
  return out;
}
/** |a - b| / max(1, max |b|). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0,
    m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / Math.max(1, m);
}

/** Rows of an op's output (one per text from pooling on) and of its inputs. */
const pooled = (op: OpNode) => op.perText === true;
const pooledIn = (op: OpNode) => op.perText === true && op.kind !== 'pool';

it('the definitions use every op kind, and every kind has all its forms', () => {
  expect(new Set(CONFIGS.flatMap(([, c]) => defineEncoder(c).ops.map((o) => o.kind)))).toEqual(
    new Set(Object.keys(OPS)),
  );
  for (const [kind, f] of Object.entries(OPS)) {
    for (const form of ['packedForward', 'packedBackward', 'onnxForward', 'onnxBackward'] as const)
      expect(typeof f[form], `${kind}.${form}`).toBe('function');
    // ops that see the batch layout need their own padded form; the others are row-wise
    if (['embedding', 'attention', 'pool', 'dropout'].includes(kind))
      expect(typeof f.paddedForward, `${kind}.paddedForward`).toBe('function');
  }
});

for (const [label, cfg] of CONFIGS)
  describe(`every op's forms agree: ${label}`, () => {
    const arch = defineEncoder(cfg);
    /** The first op of each kind, as the definition has it (dense: also its first per-text one, the tanh head's). */
    const opOf = (kind: string) => arch.ops.find((o) => o.kind === kind);
    const cases = Object.keys(OPS).map((k) => [k, opOf(k)] as const);
    const headDense = arch.ops.find((o) => o.kind === 'dense' && o.perText);
    if (headDense) cases.push(['dense', headDense]);
    const widthOf = (v: string) => arch.ops.find((o) => o.out === v)!.width;
    let P: ParamTensors;
    const flat = initParams(cfg, 4).map((x, i) => x * 10 + 0.1 * Math.sin(i)); // gains and biases away from 1 and 0
    const packedCtx = (autograd: boolean): PackedCtx => ({
      cfg,
      offsets,
      ids: tf.tensor1d(ids, 'int32'),
      positions: tf.tensor1d(positions, 'int32'),
      dropoutSeeds: seeds,
      autograd,
    });
    beforeAll(async () => {
      await selectBackend({ override: 'cpu' });
      P = paramTensors(cfg, flat);
      return () => disposeParams(P);
    });

    for (const [k, found] of cases) {
      if (!found) continue; // another definition has it
      const kind = k as keyof typeof OPS;
      const op = found;
      const f = OPS[kind];
      const inW = op.inputs.map(widthOf);
      const inRows = pooledIn(op) ? N : T;
      const xs = inW.map((w) => randn(inRows * w, 2));
      const outRows = pooled(op) ? N : T;
      /** Input i as the padded paths see it. */
      const padIn = (a: Float32Array, w: number) => (pooledIn(op) ? a : toPadded(a, w));
      const padRows = pooledIn(op) ? N : N * L;
      const unpadIn = (a: Float32Array, w: number) => (pooledIn(op) ? a : fromPadded(a, w));
      const dy = randn(outRows * op.width);

      /** The packed forward and backward: y, dxs and parameter gradients as arrays. */
      function packed() {
        return tf.tidy(() => {
          const c = packedCtx(false);
          const x = xs.map((a, i) => tf.tensor2d(a, [inRows, inW[i]!]));
          const r = f.packedForward(c, op, P, x, true);
          const b = f.packedBackward(c, op, P, r.cache, tf.tensor2d(dy, [outRows, op.width]));
          const out = {
            y: r.y.dataSync().slice(),
            dxs: b.dxs.map((d) => d!.dataSync().slice()),
            grads: Object.fromEntries(Object.entries(b.grads).map(([n, t]) => [n, t.dataSync().slice()])),
          };
          if (f.disposeCache) f.disposeCache(r.cache);
          return out;
        });
      }

      const name = op.perText && kind === 'dense' ? 'dense (per text)' : kind;
      it(`${name}: the packed backward equals autograd`, () => {
        const ref = packed();
        tf.tidy(() => {
          const c = packedCtx(true);
          const x = xs.map((a, i) => tf.tensor2d(a, [inRows, inW[i]!]));
          const ps = op.params.map((n) => P[n]!);
          const loss = (...all: tf.Tensor[]) => {
            const Pv = { ...P };
            op.params.forEach((n, i) => (Pv[n] = all[x.length + i]!));
            const y = f.packedForward(c, op, Pv, all.slice(0, x.length) as tf.Tensor2D[], false).y;
            return tf.sum(tf.mul(y, tf.tensor2d(dy, [outRows, op.width])));
          };
          const auto = tf.grads(loss)([...x, ...ps]);
          x.forEach((_, i) => expect(relErr(ref.dxs[i]!, auto[i]!.dataSync()), `d input ${i}`).toBeLessThan(1e-4));
          op.params.forEach((n, i) =>
            expect(relErr(ref.grads[n]!, auto[x.length + i]!.dataSync()), `d ${n}`).toBeLessThan(1e-4),
          );
        });
      });

      it(`${name}: the padded forward equals the packed forward`, () => {
        const ref = packed();
        const y = tf.tidy(() => {
          const c: PaddedCtx = {
            cfg,
            N,
            L,
            lengths,
            ids: Int32Array.from(toPadded(Float32Array.from(ids), 1)),
            mask: tf.tensor2d(
              Float32Array.from({ length: N * L }, (_, i) => (i % L < lengths[Math.floor(i / L)]! ? 1 : 0)),
              [N, L],
            ),
            dropoutSeeds: seeds,
          };
          const x = xs.map((a, i) => tf.tensor2d(padIn(a, inW[i]!), [padRows, inW[i]!]));
          const out = f.paddedForward
            ? f.paddedForward(c, op, P, x)
            : f.packedForward(undefined as unknown as PackedCtx, op, P, x, false).y;
          return out.dataSync().slice() as Float32Array;
        });
        expect(relErr(pooled(op) ? y : fromPadded(y, op.width), ref.y)).toBeLessThan(1e-6);
      });

      it.skipIf(!inferenceRuntime().ort)(
        `${name}: the ONNX forward and backward nodes equal the packed forms`,
        async () => {
          const ref = packed();
          const g = new Graph(cfg);
          const c = onnxContext(g, cfg, {
            dropout: true,
            ids: g.input('input_ids', ['B', 'L'], DT.INT64),
            maskI64: g.input('attention_mask', ['B', 'L'], DT.INT64),
          });
          const internals = new Map<string, string>();
          c.keepInternal = (n, t) => void internals.set(n, t);
          c.saved = (n) => internals.get(n)!;
          const xin = inW.map((w, i) => g.input(`x${i}`, [pooledIn(op) ? 'B' : 'BL', w]));
          const yOut = f.onnxForward(c, op, xin);
          g.output(g.alias(yOut, 'y'), pooled(op) ? ['B', op.width] : ['BL', op.width]);
          const dys = g.input('dy', pooled(op) ? ['B', op.width] : ['BL', op.width]);
          f.onnxBackward(
            c,
            op,
            (i) => xin[i]!,
            dys,
            () => yOut,
          ).forEach((d, i) => d && g.output(g.alias(d, `dx${i}`), [pooledIn(op) ? 'B' : 'BL', inW[i]!]));
          const ort = inferenceRuntime().ort!;
          const s = await ort.InferenceSession.create(g.bytes('op'), { logSeverityLevel: 3 });
          const big = (a: ArrayLike<number>) => BigInt64Array.from(Array.from(a, (v) => BigInt(v)));
          const all: Record<string, InstanceType<typeof ort.Tensor>> = {
            input_ids: new ort.Tensor('int64', big(toPadded(Float32Array.from(ids), 1)), [N, L]),
            attention_mask: new ort.Tensor(
              'int64',
              big(Array.from({ length: N * L }, (_, i) => (i % L < lengths[Math.floor(i / L)]! ? 1 : 0))),
              [N, L],
            ),
            dy: pooled(op)
              ? new ort.Tensor('float32', dy, [N, op.width])
              : new ort.Tensor('float32', toPadded(dy, op.width), [N * L, op.width]),
          };
          xs.forEach((a, i) => (all[`x${i}`] = new ort.Tensor('float32', padIn(a, inW[i]!), [padRows, inW[i]!])));
          if (op.site)
            all[`drop.${op.site}`] = new ort.Tensor(
              'float32',
              paddedDropoutValues(lengths, L, seeds, op.width, cfg.dropout, op.site),
              [N * L, op.width],
            );
          for (const n of s.inputNames)
            if (!all[n]) {
              const spec = arch.params.find((p) => p.name === n)!;
              all[n] = new ort.Tensor('float32', P[n]!.dataSync() as Float32Array, spec.shape);
            }
          const feeds = Object.fromEntries(s.inputNames.map((n) => [n, all[n]!]));
          const r = await s.run(feeds);
          const y = r.y!.data as Float32Array;
          expect(relErr(pooled(op) ? y : fromPadded(y, op.width), ref.y), 'forward').toBeLessThan(1e-6);
          ref.dxs.forEach((d, i) =>
            expect(relErr(unpadIn(r[`dx${i}`]!.data as Float32Array, inW[i]!), d), `d input ${i}`).toBeLessThan(1e-4),
          );
          for (const [n, gr] of Object.entries(ref.grads)) {
            if (op.kind === 'embedding') continue; // its ONNX backward hands d_embedded to the host (onnx-replica.ts adds the rows)
            expect(relErr(r[`grad.${n}`]!.data as Float32Array, gr), `d ${n}`).toBeLessThan(1e-4);
          }
          if (op.kind === 'embedding') {
            // d_embedded is dy itself; the host scatters it into the two tables as the packed backward does
            expect(relErr(fromPadded(r.d_embedded!.data as Float32Array, op.width), dy)).toBe(0);
          }
          await s.release();
        },
      );
    }
  });
