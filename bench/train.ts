// `npm run bench`: the workload of ../shared/bench/torch_ref.py (read its docstring) run with
// this project's encoder, trainer, embedder and exact search, side by side with the PyTorch
// reference in the same invocation. Each side runs in its own child process, alternating,
// `--runs` times (default 3); the figures are medians, and ratios are project / torch.
//
//   npm run bench                      # 3 alternating runs of both, ~5 min
//   npm run bench -- --quick           # smoke: 2 timed steps, 256 passages, 1 retrieval run
//   npm run bench -- --only project    # skip torch
// Prints one JSON line: the torch field names (medians, project side) plus backend, the
// torch medians and the ratios.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../lib/backend/select';
import { Rng } from '../lib/core/rng';
import type { EncoderConfig } from '../lib/encoder/config';
import { initParams, paramCount, paramSpecs } from '../lib/encoder/params';
import { defaultReplicaCount } from '../lib/encoder/worker-pool';
import { inBatchLoss } from '../lib/losses/in-batch';
import { exactTopK } from '../lib/retrieval/search';
import { createEngine } from '../lib/train/create-engine';

const TORCH_REF = join(process.cwd(), '..', 'shared', 'bench', 'torch_ref.py');
const PYTHON = '/usr/bin/python3';

const CFG: EncoderConfig = {
  vocabSize: 8192,
  layers: 4,
  dModel: 256,
  heads: 4,
  ffn: 1024,
  maxLen: 128,
  dropout: 0,
  lnEps: 1e-5,
};
const PAIRS = 64,
  TRAIN_LEN = 64,
  TRAIN_MIN = 16,
  TAU = 0.05,
  LR = 1e-4;
const ENC_PASSAGES = 2048,
  ENC_BATCH = 128,
  ENC_LEN = 128,
  ENC_MIN = 32;
const RET_Q = 1000,
  RET_N = 100_000,
  RET_DIM = 256,
  RET_K = 10;

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Token ids 1..VOCAB-1 with a length uniform in [min, max] (no padding: we pack). */
function randomSeqs(rng: Rng, n: number, min: number, max: number): number[][] {
  return Array.from({ length: n }, () =>
    Array.from({ length: min + rng.int(max - min + 1) }, () => 1 + rng.int(CFG.vocabSize - 1)),
  );
}

async function project(quick: boolean): Promise<Record<string, unknown>> {
  const backend = await selectBackend();
  const replicas = defaultReplicaCount(backend.tfBackend);
  const steps = quick ? 2 : 20,
    warmup = quick ? 1 : 3;
  const rng = new Rng(0);
  const engine = await createEngine(CFG, initParams(CFG, 0), { replicas, decayAll: true }); // path: GECKO_ENGINE or the backend's
  process.stderr.write(`bench: backend ${backend.name} (${backend.package}), ${engine.path} path\n`);
  const out: Record<string, unknown> = {
    framework: 'tfjs',
    version: tf.version.tfjs,
    backend: backend.name,
    backend_package: backend.package,
    engine_path: engine.path,
    gpu: backend.gpu,
    replicas: engine.path === 'packed' ? replicas : 1,
    params: paramCount(paramSpecs(CFG)),
    arch: `pre-LN, erf GELU, learned pos emb, mean pool, L2 norm, fp32; ${engine.path === 'packed' ? 'packed (unpadded) sequences' : 'device path: length-bucketed padded batches, tf.Variables'}`,
    quick,
    train_pairs: PAIRS,
    train_seq_len: TRAIN_LEN,
    train_timed_steps: steps,
    train_warmup_steps: warmup,
  };
  try {
    const loss = (E: tf.Tensor2D) =>
      inBatchLoss(
        { queries: tf.slice(E, [0, 0], [PAIRS, CFG.dModel]), positives: tf.slice(E, [PAIRS, 0], [PAIRS, CFG.dModel]) },
        TAU,
      );
    const times: number[] = [],
      losses: number[] = [];
    for (let i = 0; i < warmup + steps; i++) {
      const seqs = [...randomSeqs(rng, PAIRS, TRAIN_MIN, TRAIN_LEN), ...randomSeqs(rng, PAIRS, TRAIN_MIN, TRAIN_LEN)];
      const t0 = performance.now();
      const r = await engine.contrastive(seqs, loss, { chunkSize: seqs.length, gradCache: false });
      await engine.update(i + 1, r, {
        lr: LR,
        clipNorm: 0,
        adamw: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
      });
      const dt = (performance.now() - t0) / 1000;
      if (i >= warmup) {
        times.push(dt);
        losses.push(r.loss);
      }
    }
    const step = median(times);
    Object.assign(out, {
      train_step_s_median: step,
      train_pairs_per_s: PAIRS / step,
      train_step_s_min: Math.min(...times),
      train_step_s_max: Math.max(...times),
      train_loss_first_timed: losses[0],
      train_loss_last: losses[losses.length - 1],
    });

    const passages = quick ? 256 : ENC_PASSAGES;
    const data = randomSeqs(rng, passages, ENC_MIN, ENC_LEN);
    await engine.encode(data.slice(0, ENC_BATCH), ENC_BATCH); // untimed warm-up batch
    const t0 = performance.now();
    const emb = await engine.encode(data, ENC_BATCH);
    const encS = (performance.now() - t0) / 1000;
    if (emb.length !== passages) throw new Error('encode: wrong count');
    Object.assign(out, { encode_passages: passages, encode_s: encS, encode_passages_per_s: passages / encS });
  } finally {
    await engine.close();
  }

  const normal = (n: number) =>
    Array.from({ length: n }, () => Float32Array.from({ length: RET_DIM }, () => rng.normal()));
  const corpus = normal(RET_N),
    queries = normal(RET_Q);
  const unit = (v: Float32Array) => {
    let ss = 0;
    for (let j = 0; j < v.length; j++) ss += v[j]! * v[j]!;
    const n = Math.sqrt(ss);
    return v.map((x) => x / n);
  };
  const search = () => exactTopK(queries.map(unit), corpus.map(unit), RET_K); // timed: normalise both + search
  await search(); // warm-up
  const rt: number[] = [];
  let hits = await search();
  for (let r = 0; r < (quick ? 1 : 3); r++) {
    const t0 = performance.now();
    hits = await search();
    rt.push((performance.now() - t0) / 1000);
  }
  // untimed check of 8 queries against a float64 brute force
  let ok = true;
  const unitCorpus = corpus.map(unit);
  for (let qi = 0; qi < 8; qi++) {
    const q = unit(queries[qi]!);
    const scores = unitCorpus.map((u, i) => {
      let s = 0;
      for (let j = 0; j < RET_DIM; j++) s += q[j]! * u[j]!;
      return [s, i] as const;
    });
    const ref = scores
      .sort((a, b) => b[0] - a[0])
      .slice(0, RET_K)
      .map((x) => x[1]);
    if (ref.join() !== Array.from(hits[qi]!.index).join()) ok = false;
  }
  Object.assign(out, { retrieval_s: median(rt), retrieval_check: ok });
  return out;
}

function runChild(args: string[]): Record<string, unknown> {
  const r = spawnSync(args[0]!, args.slice(1), {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = (r.stdout ?? '')
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (r.status !== 0 || !line) throw new Error(`${args.join(' ')} failed (status ${r.status})`);
  return JSON.parse(line);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  if (argv.includes('--child')) {
    process.stdout.write(JSON.stringify(await project(quick)) + '\n');
    return;
  }
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  const runs = argv.includes('--runs') ? Number(argv[argv.indexOf('--runs') + 1]) : 3;
  const withTorch =
    only !== 'project' &&
    existsSync(PYTHON) &&
    existsSync(TORCH_REF) &&
    spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  if (only !== 'project' && !withTorch)
    process.stderr.write(`bench: PyTorch reference not run (needs ${PYTHON} with torch and ${TORCH_REF})\n`);
  const ours: Record<string, unknown>[] = [],
    torch: Record<string, unknown>[] = [];
  const tsx = join(process.cwd(), 'node_modules', 'tsx', 'dist', 'cli.mjs');
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`bench: run ${i + 1}/${runs}: project...\n`);
    ours.push(runChild([process.execPath, tsx, 'bench/train.ts', '--child', ...(quick ? ['--quick'] : [])]));
    if (withTorch) {
      process.stderr.write(`bench: run ${i + 1}/${runs}: torch...\n`);
      torch.push(runChild([PYTHON, TORCH_REF, ...(quick ? ['--quick'] : [])]));
    }
  }
  const FIELDS = ['train_step_s_median', 'train_pairs_per_s', 'encode_passages_per_s', 'retrieval_s'] as const;
  const med = (rows: Record<string, unknown>[], k: string) => median(rows.map((r) => Number(r[k])));
  const result: Record<string, unknown> = { ...ours[0], runs };
  for (const k of FIELDS) result[k] = med(ours, k);
  result.retrieval_check = ours.every((r) => r.retrieval_check === true);
  result.per_run = ours.map((r) => Object.fromEntries(FIELDS.map((k) => [k, r[k]])));
  if (withTorch) {
    const t: Record<string, unknown> = {
      version: torch[0]!.version,
      num_threads: torch[0]!.num_threads,
      cpu_model: torch[0]!.cpu_model,
    };
    for (const k of FIELDS) t[k] = med(torch, k);
    t.retrieval_check = torch.every((r) => r.retrieval_check === true);
    t.per_run = torch.map((r) => Object.fromEntries(FIELDS.map((k) => [k, r[k]])));
    result.torch = t;
    // ratios of project time to torch time (higher = slower than torch)
    result.ratio_train_step = Number(result.train_step_s_median) / Number(t.train_step_s_median);
    result.ratio_encode = Number(t.encode_passages_per_s) / Number(result.encode_passages_per_s);
    result.ratio_retrieval = Number(result.retrieval_s) / Number(t.retrieval_s);
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
