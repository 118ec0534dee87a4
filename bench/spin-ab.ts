// A/B of onnxruntime session settings, each side in its own child process, alternating, so that
// both meet the same machine (shared machines: read the ratios, not the times):
//   retrieval  cosine top-k, 1,000 x 100,000 x 256, k = 10 (bench/train.ts's workload):
//              old   = LpNormalization of both sides in the block graph, 16,777-row blocks (the graph before issue 22's change)
//              new16 = queries normalised once, corpus block by ReduceL2 + Clip + Div, 16M-score blocks
//              new   = the same at the shipped block size (blockRowsFor: up to 32M scores, even blocks)
//   encode     OnnxEncoder (the exported graph), bench/train.ts's encoder, 512 passages of 32-128 tokens, batches of 128
//   train      the onnx training path, bench/train.ts's encoder, 64 pairs of 16-64 tokens, 3 timed steps
// each with the intra-op threads spinning between runs (spin1) or not (spin0, allow_spinning 0).
//   npx tsx bench/spin-ab.ts [--rounds 3] [--load] [--only retrieval,encode,train]
// --load runs a competitor (`yes > /dev/null` pinned to CPU 0) for the whole sitting.
// Prints per-side medians of the per-round figures, each side's ratio to the first, and the load averages.
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type * as Ort from 'onnxruntime-node';
import { inferenceRuntime, sessionOptions, type OrtModule } from '../lib/backend/onnx';
import { selectBackend } from '../lib/backend/select';
import { DT, encodeModel } from '../lib/core/onnx-proto';
import { Rng } from '../lib/core/rng';
import { OnnxEncoder } from '../lib/encoder/onnx-runtime';
import { initParams } from '../lib/encoder/params';
import { inBatchLoss } from '../lib/losses/in-batch';
import { onnxTopK } from '../lib/retrieval/onnx-topk';
import { mergeInto } from '../lib/retrieval/topk-block';
import { createEngine } from '../lib/train/create-engine';
import { median, runChild, BENCH_CFG as CFG } from './common';

const Q = 1000,
  N = 100_000,
  DIM = 256,
  K = 10;

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
};

/** Every session this process makes spins (or not) as told, whatever the caller asked. */
function forceSpin(ort: OrtModule, spin: boolean): void {
  const IS = ort.InferenceSession as unknown as {
    create: (b: Uint8Array, o?: Ort.InferenceSession.SessionOptions) => Promise<Ort.InferenceSession>;
  };
  const create = IS.create.bind(IS);
  IS.create = (bytes, o) => {
    const { extra: _drop, ...rest } = o ?? {};
    void _drop;
    return create(bytes, spin ? rest : { ...rest, extra: { session: { intra_op: { allow_spinning: '0' } } } });
  };
}

/** The block graph before the change: LpNormalization of both sides, then Gemm and TopK. */
function oldGraph(): Uint8Array {
  return encodeModel({
    name: 'exact_cosine_topk_old',
    nodes: [
      { op: 'LpNormalization', inputs: ['queries'], outputs: ['q_unit'], attrs: { axis: 1, p: 2 } },
      { op: 'LpNormalization', inputs: ['corpus'], outputs: ['c_unit'], attrs: { axis: 1, p: 2 } },
      { op: 'Gemm', inputs: ['q_unit', 'c_unit'], outputs: ['scores'], attrs: { transB: 1 } },
      {
        op: 'TopK',
        inputs: ['scores', 'k'],
        outputs: ['values', 'indices'],
        attrs: { axis: 1, largest: 1, sorted: 1 },
      },
    ],
    initializers: [],
    inputs: [
      { name: 'queries', type: DT.FLOAT, dims: ['q', 'd'] },
      { name: 'corpus', type: DT.FLOAT, dims: ['n', 'd'] },
      { name: 'k', type: DT.INT64, dims: [1] },
    ],
    outputs: [
      { name: 'values', type: DT.FLOAT, dims: ['q', 'k'] },
      { name: 'indices', type: DT.INT64, dims: ['q', 'k'] },
    ],
    opset: 17,
    producer: 'gecko-workbench',
  });
}

async function oldTopK(ort: OrtModule, s: Ort.InferenceSession, queries: Float32Array, corpus: Float32Array) {
  const index = new Int32Array(Q * K).fill(-1);
  const score = new Float32Array(Q * K).fill(-Infinity);
  const q = new ort.Tensor('float32', queries, [Q, DIM]);
  const block = Math.floor((16 * 1024 * 1024) / Q);
  for (let b0 = 0; b0 < N; b0 += block) {
    const n = Math.min(block, N - b0);
    const out = await s.run({
      queries: q,
      corpus: new ort.Tensor('float32', corpus.subarray(b0 * DIM, (b0 + n) * DIM), [n, DIM]),
      k: new ort.Tensor('int64', BigInt64Array.of(BigInt(K)), [1]),
    });
    const ix = Int32Array.from(out.indices!.data as BigInt64Array, Number);
    for (let qi = 0; qi < Q; qi++)
      mergeInto(score, index, qi * K, K, out.values!.data as Float32Array, ix, qi * K, K, b0);
  }
  return { index, score };
}

function randomSeqs(rng: Rng, n: number, min: number, max: number): number[][] {
  return Array.from({ length: n }, () =>
    Array.from({ length: min + rng.int(max - min + 1) }, () => 1 + rng.int(CFG.vocabSize - 1)),
  );
}

/** One side: the median of its timed runs, in seconds. */
async function child(work: string, variant: string): Promise<number> {
  const ort = inferenceRuntime().ort;
  if (!ort) throw new Error('onnxruntime-node did not load');
  forceSpin(ort, arg('spin') !== '0');
  const rng = new Rng(5);
  const times: number[] = [];
  const timed = async (runs: number, f: () => Promise<unknown>) => {
    await f(); // warm-up
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      await f();
      times.push((performance.now() - t0) / 1000);
    }
  };
  if (work === 'retrieval') {
    const normal = (n: number) => Float32Array.from({ length: n * DIM }, () => rng.normal());
    const corpus = normal(N),
      queries = normal(Q);
    if (variant === 'old') {
      const s = await ort.InferenceSession.create(oldGraph(), sessionOptions());
      await timed(3, () => oldTopK(ort, s, queries, corpus));
    } else {
      const rows = variant === 'new16' ? Math.floor((16 * 1024 * 1024) / Q) : undefined;
      await timed(3, () => onnxTopK(ort, queries, Q, corpus, N, DIM, K, rows, true));
    }
  } else if (work === 'encode') {
    const enc = await OnnxEncoder.create(CFG, initParams(CFG, 1), ort);
    const data = randomSeqs(rng, 512, 32, 128);
    await timed(2, () => enc.encode(data, 128));
    await enc.close();
  } else if (work === 'train') {
    process.env.GECKO_ENGINE = 'onnx';
    await selectBackend();
    const engine = await createEngine(CFG, initParams(CFG, 1), { replicas: 1, decayAll: true });
    if (engine.path !== 'onnx') throw new Error(`train: the ${engine.path} path, not onnx`);
    const loss = (E: tf.Tensor2D) =>
      inBatchLoss(
        { queries: tf.slice(E, [0, 0], [64, CFG.dModel]), positives: tf.slice(E, [64, 0], [64, CFG.dModel]) },
        0.05,
      );
    let step = 0;
    await timed(3, async () => {
      const seqs = [...randomSeqs(rng, 64, 16, 64), ...randomSeqs(rng, 64, 16, 64)];
      const r = await engine.contrastive(seqs, loss, { chunkSize: seqs.length, gradCache: false });
      await engine.update(++step, r, {
        lr: 1e-4,
        clipNorm: 0,
        adamw: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
      });
    });
    await engine.close();
  } else throw new Error(`unknown workload ${work}`);
  return median(times);
}

async function parent(): Promise<void> {
  const rounds = Number(arg('rounds') ?? 3);
  const only = (arg('only') ?? 'retrieval,encode,train').split(',');
  const sides: [string, string, string][] = []; // workload, variant, spin
  if (only.includes('retrieval'))
    sides.push(
      ['retrieval', 'old', '1'],
      ['retrieval', 'new16', '1'],
      ['retrieval', 'new', '1'],
      ['retrieval', 'new', '0'],
    );
  if (only.includes('encode')) sides.push(['encode', 'onnx', '1'], ['encode', 'onnx', '0']);
  if (only.includes('train')) sides.push(['train', 'onnx', '1'], ['train', 'onnx', '0']);
  let competitor: ChildProcess | undefined;
  if (process.argv.includes('--load')) {
    competitor = spawn('taskset', ['-c', '0', 'yes'], { stdio: ['ignore', 'ignore', 'ignore'] });
    await new Promise((r) => setTimeout(r, 2000));
  }
  const loads: number[] = [];
  const got = new Map<string, number[]>();
  try {
    for (let r = 0; r < rounds; r++)
      for (const [w, v, spin] of r % 2 ? [...sides].reverse() : sides) {
        loads.push(loadavg()[0]!);
        const tsx = join(process.cwd(), 'node_modules', 'tsx', 'dist', 'cli.mjs');
        const out = runChild([process.execPath, tsx, 'bench/spin-ab.ts', '--child', w, '--variant', v, '--spin', spin]);
        const key = `${w} ${v} spin${spin}`;
        got.set(key, [...(got.get(key) ?? []), (out as { s: number }).s]);
        process.stderr.write(
          `round ${r + 1}: ${key} ${(out as { s: number }).s.toFixed(3)} s (load ${loads.at(-1)!.toFixed(2)})\n`,
        );
      }
  } finally {
    competitor?.kill();
  }
  loads.push(loadavg()[0]!);
  const rows: Record<string, unknown>[] = [];
  for (const w of only) {
    const keys = [...got.keys()].filter((k) => k.startsWith(`${w} `));
    const base = got.get(keys[0]!)!;
    for (const k of keys) {
      const t = got.get(k)!;
      const ratios = t.map((x, i) => x / base[i]!);
      rows.push({
        side: k,
        median_s: +median(t).toFixed(3),
        ratio_to_first: +median(ratios).toFixed(3),
        ratios: ratios.map((x) => +x.toFixed(3)),
      });
    }
  }
  console.log(
    JSON.stringify(
      {
        rounds,
        load: process.argv.includes('--load'),
        loadavg_1min: { min: Math.min(...loads), max: Math.max(...loads) },
        rows,
      },
      null,
      1,
    ),
  );
}

if (process.argv.includes('--child')) {
  const s = await child(arg('child')!, arg('variant') ?? '');
  console.log(JSON.stringify({ s }));
} else await parent();
