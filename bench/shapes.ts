// The shape lines of `npm run bench -- --shapes use-lite,bert-small` (issue 22): training s/step and
// encoding passages/s of the pretrained backbones' shapes, ours against both torches, on the same
// inputs and the same initial weights, alternating in one run, pinned to the same CPUs.
//   use-lite    what `gecko import use-lite` writes (encoder/use-lite-import.ts): 2 pre-LN blocks,
//               embeddings 256 wide -> blocks 512 (the first attends at 256 and projects its raw
//               input for the residual), 4 heads, ReLU FFN 1536, sinusoidal positions, no final
//               LayerNorm, mean pool -> tanh(x W + b) -> L2, LayerNorm eps 1e-6, 8,000 tokens.
//   bert-small  all-MiniLM-L6-v2's shape as `gecko import` maps it (encoder/hf-map.ts): 6 post-LN
//               blocks, 384 wide, 12 heads, GELU (erf) FFN 1536, embedding LayerNorm, one token-type
//               row, learned positions (256), mean pool -> L2, eps 1e-12, 30,522 tokens.
// The workload is the bench's (../shared/bench/torch_ref.py): 64 (query, positive) pairs of 16-64
// tokens, in-batch softmax over cosine / 0.05, AdamW lr 1e-4 (decay 0.01 on every parameter), 3
// warm-up + 20 timed steps; 2,048 passages of 32-128 tokens encoded in batches of 128. The parent
// draws every token id once (seeded) and writes them with our initial weights to a spec file that
// both sides read (our child: bench/train.ts --child --spec; torch's: bench/torch_shapes.py), and
// before any timing each torch embeds a few texts from those weights: its embeddings must equal
// ours (max |diff| <= 1e-4), or the line is refused, so torch computes the same architecture.
// Torch's side: transformers' BertModel (random weights, then ours) for bert-small where the Python
// has transformers (pip's .venv), else bench/torch_shapes.py's own module that mirrors the
// definition op by op (Debian's torch has no transformers); which one ran is printed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../lib/core/errors';
import { Rng } from '../lib/core/rng';
import { checkEncoderConfig, type EncoderConfig } from '../lib/encoder/config';
import { hfFamilyConfig, hfFamilyOf, hfTensorsOf } from '../lib/encoder/hf-map';
import { initParams, paramCount, paramSpecs } from '../lib/encoder/params';
import { createEngine } from '../lib/train/create-engine';
import { median, pinned, ratioStats, runChild, TORCH_WRAP, type TorchSide } from './common';

export interface Shape {
  /** What it is, printed with its line. */
  what: string;
  cfg: EncoderConfig;
}

/** The shapes a line can be asked for, by name. */
export const SHAPES: Record<string, Shape> = {
  'use-lite': {
    what: 'USE-lite (gecko import use-lite): 2 pre-LN layers, emb 256 -> 512, 4 heads, ReLU FFN 1536, sinusoidal positions, tanh head',
    cfg: {
      vocabSize: 8000,
      layers: 2,
      dModel: 512,
      heads: 4,
      ffn: 1536,
      maxLen: 128,
      dropout: 0,
      lnEps: Math.fround(1e-6), // the graph's float32 constant, as the import reads it
      embDim: 256,
      positions: 'sinusoidal',
      activation: 'relu',
      finalLayerNorm: false,
      poolHead: 'tanh',
    },
  },
  'bert-small': {
    what: "BERT-small (all-MiniLM-L6-v2's shape): 6 post-LN layers, 384 wide, 12 heads, GELU FFN 1536, mean pooling",
    cfg: {
      vocabSize: 30522,
      layers: 6,
      dModel: 384,
      heads: 12,
      ffn: 1536,
      maxLen: 256,
      dropout: 0,
      lnEps: 1e-12,
      embLayerNorm: true,
      norm: 'post',
      activation: 'gelu',
      pooling: 'mean',
      tokenTypeRow: true,
    },
  },
};

/** `--shapes use-lite,bert-small` -> the shapes, each checked; an unknown name is refused with the known ones. */
export function parseShapes(list: string): [string, Shape][] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new ConfigError('--shapes', `give one or more of ${Object.keys(SHAPES).join(', ')}`);
  return names.map((n) => {
    const s = SHAPES[n];
    if (!s) throw new ConfigError('--shapes', `unknown shape '${n}'; known: ${Object.keys(SHAPES).join(', ')}`);
    checkEncoderConfig(s.cfg);
    return [n, s];
  });
}

/** The bench's workload (torch_ref.py's numbers); `quick`: 1 warm-up + 2 timed steps, 256 passages. */
export function workload(quick: boolean) {
  return {
    pairs: 64,
    trainMin: 16,
    trainLen: 64,
    tau: 0.05,
    lr: 1e-4,
    warmup: quick ? 1 : 3,
    steps: quick ? 2 : 20,
    passages: quick ? 256 : 2048,
    encBatch: 128,
    encMin: 32,
    encLen: 128,
  };
}

/** What both sides read: the config, the inputs, the initial weights (files beside it), the reference embeddings. */
export interface ShapeSpec {
  shape: string;
  what: string;
  cfg: EncoderConfig;
  /** BertModel's config.json when the definition is a BERT (hf-map.ts), else null. */
  hf_config: Record<string, unknown> | null;
  /** Our flat parameters (float32 little-endian) and where each sits. */
  params: { file: string; tensors: { name: string; shape: number[]; offset: number }[] };
  /** The same weights under transformers' names and layouts (hfTensorsOf), for BERT definitions. */
  hf_params: { file: string; tensors: { name: string; shape: number[]; offset: number }[] } | null;
  pairs: number;
  tau: number;
  lr: number;
  warmup: number;
  /** Per step (warm-up first): PAIRS queries then PAIRS positives, token ids without padding. */
  train: number[][][];
  encode: number[][];
  enc_batch: number;
  /** A few texts and their embeddings by our engine from the initial weights: torch must match them. */
  check: { ids: number[][]; embeddings: number[][] };
}

/**
 * Draw the inputs (seeded), write our initial weights (initParams(cfg, 0) made larger and less
 * regular, below) and, for a BERT, the same
 * weights in transformers' layout into `dir`, embed the check texts with our engine, and write
 * `<dir>/<name>.json`. Returns the spec's path.
 * @example const spec = await writeShapeSpec(tmp, 'use-lite', SHAPES['use-lite']!, true);
 */
export async function writeShapeSpec(
  dir: string,
  name: string,
  shape: Shape,
  quick: boolean,
  w: ReturnType<typeof workload> = workload(quick),
): Promise<string> {
  const { cfg } = shape;
  const rng = new Rng(0);
  const seqs = (n: number, min: number, max: number) =>
    Array.from({ length: n }, () =>
      Array.from({ length: min + rng.int(max - min + 1) }, () => 1 + rng.int(cfg.vocabSize - 1)),
    );
  const params = initParams(cfg, 0);
  // Weights at N(0, 0.1) rather than 0.02 (attention then is far from uniform) and biases and
  // LayerNorm parameters random too (they start at 0 and 1): a weight that torch's side puts in the
  // wrong place then shows in the check. Speed does not depend on the values.
  const noise = new Rng(1);
  for (const s of paramSpecs(cfg))
    for (let i = s.offset; i < s.offset + s.size; i++)
      params[i] = s.init === 'normal' ? 5 * params[i]! : params[i]! + 0.1 * noise.normal();
  const write = (file: string, tensors: { name: string; shape: number[]; data: Float32Array }[]) => {
    const out = new Float32Array(tensors.reduce((s, t) => s + t.data.length, 0));
    let at = 0;
    const placed = tensors.map((t) => {
      out.set(t.data, at);
      const p = { name: t.name, shape: t.shape, offset: at };
      at += t.data.length;
      return p;
    });
    writeFileSync(join(dir, file), Buffer.from(out.buffer, out.byteOffset, out.byteLength));
    return { file: join(dir, file), tensors: placed };
  };
  const specs = paramSpecs(cfg);
  const ours = write(
    `${name}.params.bin`,
    specs.map((s) => ({ name: s.name, shape: s.shape, data: params.subarray(s.offset, s.offset + s.size) })),
  );
  const bert = 'family' in hfFamilyOf(cfg);
  const hf = bert
    ? write(
        `${name}.hf.bin`,
        hfTensorsOf(cfg, params)
          .filter((t) => !t.name.startsWith('pooler.'))
          .map((t) => ({ name: t.name, shape: t.shape, data: t.data as Float32Array })),
      )
    : null;
  const checkIds = [3, 17, 40, 9, 64, 1].map((n) => seqs(1, n, n)[0]!);
  const engine = await createEngine(cfg, params, { replicas: 1 });
  let embeddings: Float32Array[];
  try {
    embeddings = await engine.encode(checkIds, checkIds.length);
  } finally {
    await engine.close();
  }
  const spec: ShapeSpec = {
    shape: name,
    what: shape.what,
    cfg,
    hf_config: bert ? hfFamilyConfig(cfg, 0).config : null,
    params: ours,
    hf_params: hf,
    pairs: w.pairs,
    tau: w.tau,
    lr: w.lr,
    warmup: w.warmup,
    train: Array.from({ length: w.warmup + w.steps }, () => [
      ...seqs(w.pairs, w.trainMin, w.trainLen),
      ...seqs(w.pairs, w.trainMin, w.trainLen),
    ]),
    encode: seqs(w.passages, w.encMin, w.encLen),
    enc_batch: w.encBatch,
    check: { ids: checkIds, embeddings: embeddings.map((e) => Array.from(e)) },
  };
  if (paramCount(specs) !== params.length) throw new Error('writeShapeSpec: parameter count');
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

/** Our parameters that the embedding model uses (the MLM head's bias is pretraining only): what torch's module holds. */
export function embeddingParamCount(cfg: EncoderConfig): number {
  return paramSpecs(cfg)
    .filter((s) => s.name !== 'mlm.bias')
    .reduce((n, s) => n + s.size, 0);
}

/** A spec file as our child reads it. */
export function readSpec(path: string): ShapeSpec {
  return JSON.parse(readFileSync(path, 'utf8')) as ShapeSpec;
}

/** Our initial weights from the spec's file, in params.ts order. */
export function readSpecParams(spec: ShapeSpec): Float32Array {
  const buf = readFileSync(spec.params.file);
  const flat = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  if (flat.length !== paramCount(paramSpecs(spec.cfg)))
    throw new Error(
      `${spec.params.file}: ${flat.length} values, the ${spec.shape} definition has ${paramCount(paramSpecs(spec.cfg))}`,
    );
  return flat;
}

const TORCH_SHAPES = join('bench', 'torch_shapes.py');
const FIGS = [
  ['train_step', 'train_step_s_median', false],
  ['encode', 'encode_passages_per_s', true],
] as const;

/**
 * The shape lines: for each run, for each shape, our child (bench/train.ts --child --spec) then each
 * torch (bench/torch_shapes.py), each pinned to `cpus`. Prints a table per shape on stderr (medians,
 * ratios ours / torch as the median of per-run ratios [range], the load average) and returns the
 * figures for the bench's JSON line.
 */
export async function benchShapes(
  shapes: [string, Shape][],
  o: { runs: number; quick: boolean; cpus: string; sides: TorchSide[]; torchEnv: NodeJS.ProcessEnv; tsx: string },
): Promise<Record<string, unknown>> {
  const T = mkdtempSync(join(tmpdir(), 'gecko-bench-shapes-'));
  try {
    const specs = new Map<string, string>();
    for (const [name, shape] of shapes) {
      process.stderr.write(
        `bench: ${name}: drawing the inputs, writing our initial weights and the check embeddings\n`,
      );
      specs.set(name, await writeShapeSpec(T, name, shape, o.quick));
    }
    const ours = new Map<string, Record<string, unknown>[]>(shapes.map(([n]) => [n, []]));
    const torch = new Map<string, Record<string, unknown>[]>(
      shapes.flatMap(([n]) => o.sides.map((s) => [`${n}|${s.label}`, []] as [string, Record<string, unknown>[]])),
    );
    for (let i = 0; i < o.runs; i++)
      for (const [name] of shapes) {
        const spec = specs.get(name)!;
        process.stderr.write(`bench: run ${i + 1}/${o.runs}: ${name}: project...\n`);
        ours.get(name)!.push(
          runChild(pinned([process.execPath, o.tsx, 'bench/train.ts', '--child', '--spec', spec], o.cpus), {
            GECKO_WORKERS: '2',
            ...process.env,
          }),
        );
        for (const s of o.sides) {
          process.stderr.write(`bench: run ${i + 1}/${o.runs}: ${name}: torch ${s.version} (${s.label})...\n`);
          torch
            .get(`${name}|${s.label}`)!
            .push(runChild(pinned([s.python, '-c', TORCH_WRAP, TORCH_SHAPES, spec], o.cpus), o.torchEnv));
        }
      }
    const col = (rows: Record<string, unknown>[], k: string) => rows.map((r) => Number(r[k]));
    const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3));
    const result: Record<string, unknown> = {};
    for (const [name, shape] of shapes) {
      const rows = ours.get(name)!;
      const loads = rows.flatMap((r) => r.load_avg_1min as number[]);
      const line: Record<string, unknown> = {
        what: shape.what,
        params: rows[0]!.params,
        engine_path: rows[0]!.engine_path,
        train_step_s_median: median(col(rows, 'train_step_s_median')),
        encode_passages_per_s: median(col(rows, 'encode_passages_per_s')),
        encode_engine_passages_per_s: median(col(rows, 'encode_engine_passages_per_s')),
        train_loss_step0: rows[0]!.train_loss_step0,
        peak_rss_mb: median(col(rows, 'peak_rss_mb')),
        load_avg_1min: [Math.min(...loads), Math.max(...loads)],
        per_run: rows.map((r) => ({
          train_step_s_median: r.train_step_s_median,
          encode_passages_per_s: r.encode_passages_per_s,
          load_avg_1min: r.load_avg_1min,
        })),
      };
      const table = [
        `bench: ${name}: ${shape.what}; ${o.runs} run(s)${o.quick ? ' (--quick)' : ''}, 1-min load average ${loads.map((x) => x.toFixed(1)).join(' ')} around the runs`,
        `  ${'side'.padEnd(34)} ${'train s/step'.padStart(12)} ${'encode passages/s'.padStart(18)} ${'params'.padStart(11)}  loss at step 0`,
        `  ${`ours (${rows[0]!.engine_path} path)`.padEnd(34)} ${fmt(Number(line.train_step_s_median)).padStart(12)} ${fmt(Number(line.encode_passages_per_s)).padStart(18)} ${String(line.params).padStart(11)}  ${Number(line.train_loss_step0).toFixed(5)}`,
      ];
      const torches: Record<string, unknown> = {};
      for (const s of o.sides) {
        const t = torch.get(`${name}|${s.label}`)!;
        const entry: Record<string, unknown> = {
          version: t[0]!.version,
          python: s.python,
          impl: t[0]!.impl,
          params: t[0]!.params,
          check_max_abs_diff: Math.max(...col(t, 'check_max_abs_diff')),
          train_step_s_median: median(col(t, 'train_step_s_median')),
          encode_passages_per_s: median(col(t, 'encode_passages_per_s')),
          train_loss_step0: t[0]!.train_loss_step0,
          peak_rss_mb: median(col(t, 'peak_rss_mb')),
        };
        for (const [fig, key, inv] of FIGS) entry[`ratio_${fig}`] = ratioStats(col(rows, key), col(t, key), inv);
        torches[s.label] = entry;
        table.push(
          `  ${`torch ${s.version} (${s.label})`.padEnd(34)} ${fmt(Number(entry.train_step_s_median)).padStart(12)} ${fmt(Number(entry.encode_passages_per_s)).padStart(18)} ${String(entry.params).padStart(11)}  ${Number(entry.train_loss_step0).toFixed(5)}; ${entry.impl}; embeds as ours within ${Number(entry.check_max_abs_diff).toExponential(1)}`,
        );
      }
      for (const s of o.sides) {
        const e = torches[s.label] as Record<string, ReturnType<typeof ratioStats>>;
        table.push(
          `  ours / torch ${s.label}: ` +
            FIGS.map(([fig]) => {
              const r = e[`ratio_${fig}`]!;
              return `${fig} ${r.median.toFixed(2)} [${r.min.toFixed(2)}, ${r.max.toFixed(2)}]`;
            }).join(', ') +
            ' (time ratio: below 1 = ours faster)',
        );
      }
      if (o.sides.length) line.torch = torches;
      process.stderr.write(table.join('\n') + '\n');
      result[name] = line;
    }
    return result;
  } finally {
    rmSync(T, { recursive: true, force: true });
  }
}
