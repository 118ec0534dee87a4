// `npm run profile:step`: where one fine-tuning step's milliseconds go on the onnx training path
// (train/engine.ts with one OnnxReplica): the forward runs, the loss and d loss / d embeddings, the
// backward runs and the JS that adds their gradients up, the gradient sum, clip, AdamW and the
// weight broadcast (core/step-profile.ts's phases). The step is the fine-tuning stage's own loss
// (contrastive-stage.ts: hard and same-tower negatives, Matryoshka), at batch 16 with one hard
// negative each, on synthetic token ids: queries of 16-40 tokens, passages of 60 tokens to maxLen.
// Shapes: `scratch` (2 layers, d128, 4 heads, FFN 512, vocab 8000, maxLen 128, Matryoshka
// 128/64/32/16) or `use-lite` (the demo's backbone: d512, maxLen 64, Matryoshka 512/256/128/64).
// Prints the load average: on a shared machine only ratios taken side by side mean anything.
//   npm run profile:step -- --shape scratch --steps 30
//   npm run profile:step -- --shape use-lite --steps 10
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../lib/backend/select';
import { deriveSeed, Rng } from '../lib/core/rng';
import { startProfile, stopProfile } from '../lib/core/step-profile';
import { backboneConfig } from '../lib/encoder/backbone';
import { encoderConfigFrom, type EncoderConfig } from '../lib/encoder/config';
import { initParams } from '../lib/encoder/params';
import { PRESETS } from '../lib/config/presets';
import { batchLayout, lossOptionsFor, stageLoss } from '../lib/train/contrastive-stage';
import { TrainEngine } from '../lib/train/engine';

const argv = process.argv.slice(2);
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const shape = flag('--shape') ?? 'scratch';
const steps = Number(flag('--steps') ?? 30);
const warmup = 3;
// --tf-loss: the loss by TF.js autograd (the form before its host form), for A/B
const hostLoss = !argv.includes('--tf-loss');
// --two-pass: forward graphs, the loss on the host, backward graphs (the step before the one-run step graph)
const oneRunStep = !argv.includes('--two-pass');
// --adamw onnx: AdamW as its own onnxruntime graph (train/adamw-onnx.ts)
const adamw = (flag('--adamw') ?? 'host') as 'host' | 'onnx';

async function main(): Promise<void> {
  await selectBackend();
  const preset = shape === 'use-lite' ? PRESETS.demo : PRESETS.scratch;
  let cfg: EncoderConfig;
  if (shape === 'use-lite') cfg = { ...backboneConfig('use-lite'), maxLen: preset.encoder.maxLen, dropout: 0.1 };
  else if (shape === 'scratch') cfg = encoderConfigFrom(preset.encoder, preset.tokenizer.vocabSize);
  else throw new Error(`--shape ${shape}: use scratch or use-lite`);
  const B = 16;
  const rng = new Rng(7);
  const text = (lo: number, hi: number) =>
    Array.from({ length: lo + rng.int(hi - lo + 1) }, () => 5 + rng.int(cfg.vocabSize - 5));
  const opts = lossOptionsFor(preset, 'finetune');
  const eng = await TrainEngine.create(cfg, initParams(cfg, 1), { path: 'onnx', adamw, oneRunStep });
  const times: number[] = [];
  for (let s = 0; s < warmup + steps; s++) {
    if (s === warmup) startProfile();
    const seqs = [
      ...Array.from({ length: B }, () => text(16, 40)),
      ...Array.from({ length: 2 * B }, () => text(60, cfg.maxLen)),
    ];
    const layout = batchLayout(
      Array.from({ length: B }, (_, i) => ({ query: `q${s}.${i}`, positive: `p${s}.${i}`, negatives: [`n${s}.${i}`] })),
      true,
    );
    const t0 = performance.now();
    const loss = stageLoss(layout, opts, preset.finetune.matryoshkaDims, preset.finetune.matryoshkaWeights);
    const r = await eng.contrastive(seqs, hostLoss ? loss : (E) => loss(E), {
      chunkSize: seqs.length,
      gradCache: false,
      dropoutSeeds: seqs.map((_, i) => deriveSeed(1, 'profile', s, i)),
    });
    await eng.update(s, r, { lr: 1e-4, clipNorm: 1 });
    if (s >= warmup) times.push(performance.now() - t0);
  }
  const prof = stopProfile();
  await eng.close();
  const total = times.reduce((a, b) => a + b, 0);
  const sorted = [...times].sort((a, b) => a - b);
  const named = [...prof.values()].filter((_, i) => ![...prof.keys()][i]!.startsWith(' ')).reduce((a, b) => a + b, 0);
  console.log(
    `profile:step ${shape} (d${cfg.dModel}, ${cfg.layers} layers, vocab ${cfg.vocabSize}, maxLen ${cfg.maxLen}), onnx path, main thread on ${tf.getBackend()}, ${!hostLoss ? 'loss by TF.js autograd' : oneRunStep ? 'one-run step (loss in the graph)' : 'two passes, loss host form'}, AdamW ${adamw}; ${steps} steps after ${warmup} warm-up; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `step: mean ${(total / steps).toFixed(1)} ms, median ${sorted[steps >> 1]!.toFixed(1)} ms; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
  for (const [k, v] of prof)
    console.log(
      `${k.padEnd(42)} ${(v / steps).toFixed(2).padStart(8)} ms  ${((100 * v) / total).toFixed(1).padStart(5)}%`,
    );
  console.log(
    `${'other (JS glue between phases)'.padEnd(42)} ${((total - named) / steps).toFixed(2).padStart(8)} ms  ${((100 * (total - named)) / total).toFixed(1).padStart(5)}%`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
