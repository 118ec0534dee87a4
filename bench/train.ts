// `npm run bench`: the workload of ../shared/bench/torch_ref.py (read its docstring) run with
// this project's encoder, trainer, embedder and exact search, side by side with the PyTorch
// reference in the same invocation. Each side runs in its own child process, alternating,
// `--runs` times (default 5), every side pinned to the same CPUs (taskset). The torches are
// Debian's (python3-torch, /usr/bin/python3) and pip's (the project's .venv, made by
// scripts/bench-venv.sh from pip's store), whichever are present; each figure is a median, and
// each ratio (project / torch) is the median of the per-run ratios, printed with its range. The
// bars of issue 22 are checked against the faster torch of each figure.
//
//   npm run bench                      # 5 alternating runs of ours and each torch, ~15 min
//   npm run bench -- --quick           # smoke: 2 timed steps, 256 passages, 1 retrieval run
//   npm run bench -- --only project    # skip torch
//   npm run bench -- --runs 3 --cpus 0,1 --python /path/to/python   # fewer runs, pinning, another torch
//   npm run bench -- --torch-avx2      # torch limited to AVX2 kernels (ATEN_CPU_CAPABILITY=avx2):
//                                      # an estimate for AVX2-only CPUs on an AVX-512 machine
//   npm run bench -- --shapes use-lite,bert-small [--runs N (default 3)] [--quick]
//                                      # instead: training and encoding of the pretrained backbones'
//                                      # shapes against both torches (shapes.ts, torch_shapes.py)
// Prints one JSON line: the torch field names (medians, project side) plus the CPU and its SIMD,
// backend and paths, peak memory (max RSS) of each side, the load average around each run, each
// torch's medians and ratios, and `against_faster_torch` (ratio, range, bar, met); stderr repeats
// the ratios in a table.
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { enginePath } from '../lib/backend/engine-path';
import { selectBackend } from '../lib/backend/select';
import { cpuInfo } from '../lib/core/cpu';
import { Rng } from '../lib/core/rng';
import { initParams, paramCount, paramSpecs } from '../lib/encoder/params';
import { defaultReplicaCount } from '../lib/encoder/worker-pool';
import { batchLayout, stageLoss } from '../lib/train/contrastive-stage';
import { inferenceRuntime, ortThreads } from '../lib/backend/onnx';
import { OnnxEncoder } from '../lib/encoder/onnx-runtime';
import { SUB_BATCH } from '../lib/encoder/onnx-replica';
import { cosineTopK } from '../lib/retrieval/search';
import { createEngine } from '../lib/train/create-engine';
import { median, pinned, PYTHON, ratioStats, runChild, TORCH_WRAP, torchSides, BENCH_CFG as CFG } from './common';
import { benchShapes, embeddingParamCount, parseShapes, readSpec, readSpecParams, type ShapeSpec } from './shapes';

/** ../shared from the main checkout (/work/main), ../../shared from a worktree (/work/wt/NAME). */
const TORCH_REF =
  [join(process.cwd(), '..', 'shared'), join(process.cwd(), '..', '..', 'shared')]
    .map((d) => join(d, 'bench', 'torch_ref.py'))
    .find((p) => existsSync(p)) ?? join(process.cwd(), '..', 'shared', 'bench', 'torch_ref.py');

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

/** Token ids 1..VOCAB-1 with a length uniform in [min, max] (no padding: we pack). */
function randomSeqs(rng: Rng, n: number, min: number, max: number): number[][] {
  return Array.from({ length: n }, () =>
    Array.from({ length: min + rng.int(max - min + 1) }, () => 1 + rng.int(CFG.vocabSize - 1)),
  );
}

const ARCH = {
  packed: 'packed (unpadded) sequences on TF.js',
  onnx: `onnxruntime-node training step as one graph run (forward, the loss, the hand-written backward), length-sorted sub-batches of ${SUB_BATCH}, ${ortThreads()} intra-op threads`,
  device: 'device path: length-bucketed padded batches, tf.Variables',
};

/**
 * Our side of one run: training, encoding and exact search on the bench's encoder; or, given a
 * shape line's spec (shapes.ts), training and encoding of that shape on the spec's inputs and weights.
 */
async function project(quick: boolean, spec?: ShapeSpec): Promise<Record<string, unknown>> {
  const backend = await selectBackend();
  const replicas = defaultReplicaCount(backend.tfBackend);
  const cfg = spec?.cfg ?? CFG;
  if (spec && (spec.pairs !== PAIRS || spec.enc_batch !== ENC_BATCH))
    throw new Error(`bench: the spec's batch sizes differ from this bench's (${PAIRS} pairs, ${ENC_BATCH} passages)`);
  const params = spec ? readSpecParams(spec) : initParams(CFG, 0);
  const steps = spec ? spec.train.length - spec.warmup : quick ? 2 : 20,
    warmup = spec ? spec.warmup : quick ? 1 : 3;
  const rng = new Rng(0);
  const engine = await createEngine(cfg, params, { replicas, decayAll: true }); // path: GECKO_ENGINE or the backend's
  process.stderr.write(`bench: backend ${backend.name} (${backend.package}), ${engine.path} path\n`);
  const out: Record<string, unknown> = {
    framework: 'tfjs',
    version: tf.version.tfjs,
    backend: backend.name,
    backend_package: backend.package,
    engine_path: engine.path,
    gpu: backend.gpu,
    replicas: engine.path === 'packed' ? replicas : 1,
    params: spec ? embeddingParamCount(cfg) : paramCount(paramSpecs(CFG)),
    arch: `${spec ? spec.what : 'pre-LN, erf GELU, learned pos emb, mean pool, L2 norm'}, fp32; ${ARCH[engine.path]}`,
    quick,
    train_pairs: PAIRS,
    train_seq_len: TRAIN_LEN,
    train_timed_steps: steps,
    train_warmup_steps: warmup,
  };
  try {
    // the in-batch loss as a training stage builds it (stageLoss: its TF.js, host and ONNX forms), so that
    // each engine path runs the step it runs in a stage (the onnx path: one graph run); distinct keys,
    // so no text is masked as a duplicate: the in-batch softmax of torch's side
    const layout = batchLayout(
      Array.from({ length: PAIRS }, (_, i) => ({ query: `q${i}`, positive: `p${i}`, negatives: [] })),
      false,
    );
    const loss = stageLoss(layout, { temperature: TAU, hardNegatives: false, sameTower: false }, [cfg.dModel], [1]);
    const times: number[] = [],
      losses: number[] = [];
    for (let i = 0; i < warmup + steps; i++) {
      const seqs = spec
        ? spec.train[i]!
        : [...randomSeqs(rng, PAIRS, TRAIN_MIN, TRAIN_LEN), ...randomSeqs(rng, PAIRS, TRAIN_MIN, TRAIN_LEN)];
      const t0 = performance.now();
      const r = await engine.contrastive(seqs, loss, { chunkSize: seqs.length, gradCache: false });
      await engine.update(i + 1, r, {
        lr: LR,
        clipNorm: 0,
        adamw: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
      });
      const dt = (performance.now() - t0) / 1000;
      if (i === 0) out.train_loss_step0 = r.loss;
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

    // the training engine's own encode (its path: onnx replica or TF.js replicas)
    const passages = spec ? spec.encode.length : quick ? 256 : ENC_PASSAGES;
    const data = spec ? spec.encode : randomSeqs(rng, passages, ENC_MIN, ENC_LEN);
    await engine.encode(data.slice(0, ENC_BATCH), ENC_BATCH); // untimed warm-up batch
    const t0 = performance.now();
    const emb = await engine.encode(data, ENC_BATCH);
    const encS = (performance.now() - t0) / 1000;
    if (emb.length !== passages) throw new Error('encode: wrong count');
    Object.assign(out, {
      encode_passages: passages,
      encode_engine_s: encS,
      encode_engine_passages_per_s: passages / encS,
    });
    out.rss_after_train_mb = process.memoryUsage().rss / 2 ** 20;

    // the path users get: the same weights exported to ONNX, run by onnxruntime-node
    const ort = inferenceRuntime();
    out.inference_runtime = ort.name;
    out.inference_runtime_reason = ort.reason;
    if (ort.ort) {
      const enc = await OnnxEncoder.create(cfg, params, ort.ort);
      try {
        await enc.encode(data.slice(0, ENC_BATCH), ENC_BATCH); // untimed warm-up batch
        const t1 = performance.now();
        const e2 = await enc.encode(data, ENC_BATCH);
        const s2 = (performance.now() - t1) / 1000;
        if (e2.length !== passages) throw new Error('encode (onnxruntime): wrong count');
        Object.assign(out, { encode_s: s2, encode_passages_per_s: passages / s2 });
      } finally {
        await enc.close();
      }
    } else Object.assign(out, { encode_s: encS, encode_passages_per_s: passages / encS });
  } finally {
    await engine.close();
  }
  if (spec) return out; // a shape line: no retrieval (it does not depend on the encoder)

  // Untimed, as torch_ref.py's torch.randn: raw vectors in one row-major matrix each.
  const normal = (n: number) => Float32Array.from({ length: n * RET_DIM }, () => rng.normal());
  const corpusM = { data: normal(RET_N), rows: RET_N, dim: RET_DIM },
    queriesM = { data: normal(RET_Q), rows: RET_Q, dim: RET_DIM };
  const rowsOf = (m: typeof corpusM) =>
    Array.from({ length: m.rows }, (_, i) => m.data.subarray(i * RET_DIM, (i + 1) * RET_DIM));
  const corpus = rowsOf(corpusM),
    queries = rowsOf(queriesM);
  const unit = (v: Float32Array) => {
    let ss = 0;
    for (let j = 0; j < v.length; j++) ss += v[j]! * v[j]!;
    const n = Math.sqrt(ss);
    return v.map((x) => x / n);
  };
  // timed, as torch_ref.py's top_k_cosine: normalise both + search (cosineTopK: onnxruntime when it
  // loads, the path users get, normalising inside the graph; then TF.js, normalising in JS)
  const search = (runtime: 'auto' | 'tfjs') => cosineTopK(queriesM, corpusM, RET_K, { runtime });
  const timeSearch = async (runtime: 'auto' | 'tfjs') => {
    await search(runtime); // warm-up
    const times: number[] = [];
    let h = await search(runtime);
    for (let r = 0; r < (quick ? 1 : 3); r++) {
      const t0 = performance.now();
      h = await search(runtime);
      times.push((performance.now() - t0) / 1000);
    }
    return { h, times };
  };
  const tfjsSearch = await timeSearch('tfjs');
  out.retrieval_tfjs_s = median(tfjsSearch.times);
  const { h: hits, times: rt } = await timeSearch('auto');
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
  out.peak_rss_mb = process.resourceUsage().maxRSS / 1024; // whole process, worker threads included
  return out;
}

/** Issue 22's bars, against the faster torch: project time / torch time. */
const BARS = { train_step: 0.9, encode: 0.6, retrieval: 0.6 } as const;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  if (argv.includes('--child')) {
    const spec = flag('--spec');
    process.stdout.write(JSON.stringify(await project(quick, spec ? readSpec(spec) : undefined)) + '\n');
    return;
  }
  const only = flag('--only');
  const runs = Number(flag('--runs') ?? (flag('--shapes') ? 3 : 5));
  const cpus = flag('--cpus') ?? `0-${cpuInfo().cores - 1}`;
  const extraPythons = argv.flatMap((a, i) => (a === '--python' && argv[i + 1] ? [argv[i + 1]!] : []));
  const torchAvx2 = argv.includes('--torch-avx2');
  const torchEnv = torchAvx2 ? { ...process.env, ATEN_CPU_CAPABILITY: 'avx2' } : process.env;
  const shapes = flag('--shapes');
  const shapeList = shapes === undefined ? undefined : parseShapes(shapes);
  const sides = only === 'project' || (!shapes && !existsSync(TORCH_REF)) ? [] : torchSides(extraPythons);
  if (only !== 'project' && sides.length === 0)
    process.stderr.write(
      `bench: PyTorch reference not run (needs ${PYTHON} with torch, or .venv/bin/python from scripts/bench-venv.sh${shapes ? '' : `, and ${TORCH_REF}`})\n`,
    );
  const cpu = cpuInfo();
  const ort = inferenceRuntime();
  process.stderr.write(
    `bench: CPU ${cpu.cpu_model}, widest SIMD ${cpu.simd} (${cpu.simd_flags.join(' ')}); load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; every side pinned to CPUs ${cpus}\n` +
      `bench: training on the ${enginePath('wasm')} path (GECKO_ENGINE, default onnx when onnxruntime-node loads); encoding and exact search on ${ort.name} (${ort.reason})` +
      `${torchAvx2 ? '; torch limited to AVX2 (ATEN_CPU_CAPABILITY=avx2)' : ''}\n` +
      `bench: torches: ${sides.map((s) => `${s.label} ${s.version} (${s.python})`).join(', ') || 'none'}\n`,
  );
  const tsx = join(process.cwd(), 'node_modules', 'tsx', 'dist', 'cli.mjs');
  if (shapeList) {
    await selectBackend(); // our reference embeddings for torch's check, on the engine path training uses
    const lines = await benchShapes(shapeList, { runs, quick, cpus, sides, torchEnv, tsx });
    process.stdout.write(JSON.stringify({ ...cpuInfo(), runs, quick, cpus_pinned: cpus, shapes: lines }) + '\n');
    return;
  }
  const ours: Record<string, unknown>[] = [];
  const torch: Record<string, Record<string, unknown>[]> = Object.fromEntries(sides.map((s) => [s.label, []]));
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`bench: run ${i + 1}/${runs}: project...\n`);
    // two threads on our side as on torch's (torch_ref.py --threads 2), unless GECKO_WORKERS says otherwise
    ours.push(
      runChild(pinned([process.execPath, tsx, 'bench/train.ts', '--child', ...(quick ? ['--quick'] : [])], cpus), {
        GECKO_WORKERS: '2',
        ...process.env,
      }),
    );
    for (const s of sides) {
      process.stderr.write(`bench: run ${i + 1}/${runs}: torch ${s.version} (${s.label})...\n`);
      torch[s.label]!.push(
        runChild(pinned([s.python, '-c', TORCH_WRAP, TORCH_REF, ...(quick ? ['--quick'] : [])], cpus), torchEnv),
      );
    }
  }
  const FIELDS = [
    'train_step_s_median',
    'train_pairs_per_s',
    'encode_passages_per_s',
    'retrieval_s',
    'peak_rss_mb',
    'load_avg_1min',
  ] as const;
  const EXTRA = ['encode_engine_passages_per_s', 'retrieval_tfjs_s'] as const;
  const col = (rows: Record<string, unknown>[], k: string) => rows.map((r) => Number(r[k]));
  const med = (rows: Record<string, unknown>[], k: string) => median(col(rows, k));
  const result: Record<string, unknown> = { ...ours[0], ...cpuInfo(), runs, cpus_pinned: cpus };
  for (const k of [...FIELDS, ...EXTRA]) if (k !== 'load_avg_1min') result[k] = med(ours, k);
  result.retrieval_check = ours.every((r) => r.retrieval_check === true);
  result.per_run = ours.map((r) => Object.fromEntries([...FIELDS, ...EXTRA].map((k) => [k, r[k]])));
  // ratios of project time to torch time (higher = slower than torch), per torch, as median and range over runs
  const FIGS = [
    ['train_step', 'train_step_s_median', false],
    ['encode', 'encode_passages_per_s', true],
    ['retrieval', 'retrieval_s', false],
  ] as const;
  const torches: Record<string, unknown> = {};
  for (const s of sides) {
    const rows = torch[s.label]!;
    const t: Record<string, unknown> = {
      version: rows[0]!.version,
      python: s.python,
      num_threads: rows[0]!.num_threads,
      aten_cpu_capability: torchAvx2
        ? 'avx2 (forced: an estimate for AVX2-only CPUs)'
        : 'default (the widest this CPU has)',
    };
    for (const k of FIELDS) if (k !== 'load_avg_1min') t[k] = med(rows, k);
    t.retrieval_check = rows.every((r) => r.retrieval_check === true);
    t.per_run = rows.map((r) => Object.fromEntries(FIELDS.map((k) => [k, r[k]])));
    for (const [name, key, inv] of FIGS) t[`ratio_${name}`] = ratioStats(col(ours, key), col(rows, key), inv);
    torches[s.label] = t;
  }
  if (sides.length) {
    result.torch = torches;
    // the bars are against the faster torch of each figure (lower median time)
    const against: Record<string, unknown> = {};
    for (const [name, key, inv] of FIGS) {
      const best = sides
        .map((s) => s.label)
        .sort((a, b) => {
          const ta = Number((torches[a] as Record<string, unknown>)[key]),
            tb = Number((torches[b] as Record<string, unknown>)[key]);
          return inv ? tb - ta : ta - tb;
        })[0]!;
      const r = (torches[best] as Record<string, ReturnType<typeof ratioStats>>)[`ratio_${name}`]!;
      against[name] = {
        torch: best,
        ratio: r.median,
        range: [r.min, r.max],
        bar: BARS[name],
        met: r.median <= BARS[name],
      };
      result[`ratio_${name}`] = r.median;
    }
    result.against_faster_torch = against;
    process.stderr.write(
      'bench: ours / faster torch (median of per-run ratios, [min, max]):\n' +
        FIGS.map(([name]) => {
          const a = against[name] as { torch: string; ratio: number; range: number[]; bar: number; met: boolean };
          return `  ${name.padEnd(10)} ${a.ratio.toFixed(2)} [${a.range.map((x) => x.toFixed(2)).join(', ')}] vs ${a.torch}; bar <= ${a.bar}: ${a.met ? 'met' : 'NOT met'}\n`;
        }).join(''),
    );
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
