// `npm run profile:nodes`: where onnxruntime spends a training step's forward and backward runs,
// node by node (onnxruntime's own profiler: session option enableProfiling, one JSON trace per
// session). The graphs are the onnx path's (encoder/onnx-train.ts: dropout on, the forward saving
// what the backward reads); the sub-batches are a fine-tuning step's two at the chosen shape: 32
// passages of 60 tokens to maxLen and 16 queries of 16-40 tokens, each padded to its longest
// (onnx-replica.ts sorts a chunk by length and cuts it so). Prints the share of each op type and
// the top nodes of each run; `--optimized DIR` also writes the graphs as onnxruntime optimised them.
//   npm run profile:nodes -- --shape scratch --runs 20
//   npm run profile:nodes -- --shape use-lite --runs 6
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { inferenceRuntime, sessionOptions } from '../lib/backend/onnx';
import { Rng } from '../lib/core/rng';
import { archOf } from '../lib/encoder/arch';
import { backboneConfig } from '../lib/encoder/backbone';
import { encoderConfigFrom, type EncoderConfig } from '../lib/encoder/config';
import { paddedDropoutValues } from '../lib/encoder/model';
import { backwardGraph, forwardGraph, savedNames } from '../lib/encoder/onnx-train';
import { padBatch } from '../lib/encoder/onnx-runtime';
import { initParams, paramSpecs } from '../lib/encoder/params';
import { PRESETS } from '../lib/config/presets';

const argv = process.argv.slice(2);
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const shape = flag('--shape') ?? 'scratch';
const runs = Number(flag('--runs') ?? 20);
const optimizedDir = flag('--optimized');
const top = Number(flag('--top') ?? 25);

interface NodeEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; output_size?: string };
}

async function main(): Promise<void> {
  const ort = inferenceRuntime().ort;
  if (!ort) throw new Error('profile:nodes needs onnxruntime-node');
  let cfg: EncoderConfig;
  if (shape === 'use-lite') cfg = { ...backboneConfig('use-lite'), maxLen: PRESETS.demo.encoder.maxLen, dropout: 0.1 };
  else if (shape === 'scratch') cfg = encoderConfigFrom(PRESETS.scratch.encoder, PRESETS.scratch.tokenizer.vocabSize);
  else throw new Error(`--shape ${shape}: use scratch or use-lite`);
  const rng = new Rng(7);
  const text = (lo: number, hi: number) =>
    Array.from({ length: lo + rng.int(hi - lo + 1) }, () => 5 + rng.int(cfg.vocabSize - 5));
  const subs = [Array.from({ length: 32 }, () => text(60, cfg.maxLen)), Array.from({ length: 16 }, () => text(16, 40))];
  const flat = initParams(cfg, 1);
  const weights: Record<string, Ort.Tensor> = {};
  for (const s of paramSpecs(cfg))
    weights[s.name] = new ort.Tensor('float32', flat.subarray(s.offset, s.offset + s.size), s.shape);
  const dir = mkdtempSync(join(tmpdir(), 'gecko-prof-'));
  if (optimizedDir) mkdirSync(optimizedDir, { recursive: true });
  const open = (bytes: Uint8Array, name: string) =>
    ort.InferenceSession.create(bytes, {
      ...sessionOptions(undefined, { spin: false }),
      enableProfiling: true,
      profileFilePrefix: join(dir, name),
      ...(optimizedDir ? { optimizedModelFilePath: join(optimizedDir, `${shape}-${name}.onnx`) } : {}),
    });
  const fwd = await open(forwardGraph(cfg, { dropout: true, save: true, hidden: false }), 'forward');
  const bwd = await open(backwardGraph(cfg, { dropout: true, demb: true, dhidden: false }), 'backward');
  const pick = (s: Ort.InferenceSession, all: Record<string, Ort.Tensor>) =>
    Object.fromEntries(s.inputNames.map((n) => [n, all[n]!]));
  const wall = { forward: 0, backward: 0 };
  for (let r = 0; r < runs + 2; r++)
    for (const seqs of subs) {
      const { ids, mask, L } = padBatch(seqs);
      const B = seqs.length;
      const feeds: Record<string, Ort.Tensor> = {
        ...weights,
        input_ids: new ort.Tensor('int64', ids, [B, L]),
        attention_mask: new ort.Tensor('int64', mask, [B, L]),
      };
      for (const op of archOf(cfg).ops)
        if (op.kind === 'dropout')
          feeds[`drop.${op.site}`] = new ort.Tensor(
            'float32',
            paddedDropoutValues(
              seqs.map((s) => s.length),
              L,
              seqs.map((_, i) => 100 * r + i),
              op.width,
              cfg.dropout,
              op.site!,
            ),
            [B * L, op.width],
          );
      let t0 = performance.now();
      const out = await fwd.run(pick(fwd, feeds));
      if (r >= 2) wall.forward += performance.now() - t0;
      for (const n of savedNames(cfg, true)) feeds[n] = out[n]!;
      const d = new Float32Array(B * cfg.dModel).map(() => rng.float() - 0.5);
      feeds.d_sentence_embedding = new ort.Tensor('float32', d, [B, cfg.dModel]);
      t0 = performance.now();
      await bwd.run(pick(bwd, feeds));
      if (r >= 2) wall.backward += performance.now() - t0;
    }
  fwd.endProfiling();
  bwd.endProfiling();
  await fwd.release();
  await bwd.release();
  console.log(
    `profile:nodes ${shape} (d${cfg.dModel}, ${cfg.layers} layers, maxLen ${cfg.maxLen}); sub-batches 32 x L ${padBatch(subs[0]!).L} and 16 x L ${padBatch(subs[1]!).L}; ${runs} runs each after 2 warm-up; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  for (const name of ['forward', 'backward'] as const) {
    const file = readdirSync(dir).find((f) => f.startsWith(name) && f.endsWith('.json'))!;
    const events = (JSON.parse(readFileSync(join(dir, file), 'utf8')) as NodeEvent[]).filter(
      (e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'),
    );
    // the last `runs` runs' worth of node events (each run emits one event per node)
    const perRun = new Set(events.map((e) => e.name)).size;
    const kept = events.slice(Math.max(0, events.length - runs * 2 * perRun));
    const total = kept.reduce((a, e) => a + e.dur, 0);
    const byType = new Map<string, { us: number; nodes: Set<string> }>();
    const byNode = new Map<string, { us: number; op: string; size: string }>();
    for (const e of kept) {
      const op = e.args?.op_name ?? '?';
      const t = byType.get(op) ?? { us: 0, nodes: new Set() };
      t.us += e.dur;
      t.nodes.add(e.name);
      byType.set(op, t);
      const node = e.name.slice(0, -'_kernel_time'.length);
      const n = byNode.get(node) ?? { us: 0, op, size: '' };
      n.us += e.dur;
      n.size = e.args?.output_size ?? '';
      byNode.set(node, n);
    }
    const ms = (us: number) => (us / 1000 / runs).toFixed(2).padStart(7);
    const pct = (us: number) => ((100 * us) / total).toFixed(1).padStart(5);
    console.log(
      `\n${name}: wall ${(wall[name] / runs).toFixed(1)} ms per step (both sub-batches), kernels ${ms(total)} ms, ${perRun} nodes after optimisation`,
    );
    console.log('by op type:');
    for (const [op, t] of [...byType].sort((a, b) => b[1].us - a[1].us))
      console.log(`  ${op.padEnd(28)} ${String(t.nodes.size).padStart(4)} nodes ${ms(t.us)} ms ${pct(t.us)}%`);
    console.log(`top ${top} nodes:`);
    for (const [node, n] of [...byNode].sort((a, b) => b[1].us - a[1].us).slice(0, top))
      console.log(`  ${node.padEnd(40)} ${n.op.padEnd(24)} ${ms(n.us)} ms ${pct(n.us)}%  out ${n.size} B`);
  }
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
