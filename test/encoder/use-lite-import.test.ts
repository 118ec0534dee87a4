// `gecko import use-lite` (issue 19): USE-lite's weights in the model definition (encoder/use-lite-import.ts)
// give the embeddings of the package's own TF.js graph, and train on every engine path.
//   - the checkpoint round-trips: config, weights and the SentencePiece tokenizer (same ids on 200 texts);
//   - its forward equals the graph's outputs, committed in test/fixtures/use-lite/ (200 varied texts:
//     one-word, digits, unicode, empty, over the 128-token limit; made by make.ts there, through
//     tfjs-converter as `--model use-lite` runs it): cosine >= 0.9999 on the onnx path (all 200) and
//     on the packed and device paths (a 40-text subset, long texts included); the largest
//     differences are printed;
//   - one training step from the real weights: the packed, device and onnx paths give the same loss
//     and gradients (1e-4 relative per parameter) and the same weights after one AdamW step (within
//     0.2 lr: the first step moves each weight by about lr).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/backend/select';
import { inferenceRuntime } from '../../lib/backend/onnx';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from '../../lib/encoder/checkpoint';
import { loadEmbedder } from '../../lib/encoder/embedder';
import { disposeParams, encoderForward, packBatch, paramTensors } from '../../lib/encoder/model';
import { padBatch, paddedForward } from '../../lib/encoder/padded';
import { paramSpecs } from '../../lib/encoder/params';
import { SentencePieceTokenizer, type SentencePieceVocab } from '../../lib/encoder/sentencepiece';
import { useLiteDir } from '../../lib/encoder/use-lite';
import { importUseLite, isUseLiteBackbone, USE_LITE_OVERLAP_TASKS } from '../../lib/encoder/use-lite-import';
import { getTask } from '../../lib/eval/tasks/registry';
import { contrastiveLoss } from '../../lib/losses/contrastive';
import { DeviceEngine } from '../../lib/train/device-engine';
import { TrainEngine } from '../../lib/train/engine';
import { have, SHARED_DATA, tmpDir } from '../helpers';

const fixture = join(__dirname, '..', 'fixtures', 'use-lite');
const texts = JSON.parse(readFileSync(join(fixture, 'texts.json'), 'utf8')) as string[];
const refBytes = readFileSync(join(fixture, 'reference.f32'));
const ref = new Float32Array(refBytes.buffer.slice(refBytes.byteOffset, refBytes.byteOffset + refBytes.byteLength));
const DIM = 512;
const report = (line: string) => console.info(`use-lite-import ${line}`);

/** The lowest cosine and the largest |a - b| of our vectors against the graph's (rows of `which`). */
function compare(ours: ArrayLike<number>[], which: number[]) {
  let minCos = 1,
    maxAbs = 0,
    at = -1;
  ours.forEach((v, k) => {
    const r = ref.subarray(which[k]! * DIM, (which[k]! + 1) * DIM);
    let dot = 0,
      nv = 0,
      nr = 0;
    for (let j = 0; j < DIM; j++) {
      dot += v[j]! * r[j]!;
      nv += v[j]! * v[j]!;
      nr += r[j]! * r[j]!;
      maxAbs = Math.max(maxAbs, Math.abs(v[j]! - r[j]!));
    }
    const cos = dot / Math.sqrt(nv * nr);
    if (cos < minCos) ((minCos = cos), (at = which[k]!));
  });
  return { minCos, maxAbs, worst: at };
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('gecko import use-lite', () => {
  let ck: Checkpoint;
  let dir: string;
  beforeAll(async () => {
    await selectBackend();
    dir = join(tmpDir(), 'use-lite');
    dirs.push(dirname(dir));
    saveCheckpoint(dir, importUseLite());
    ck = loadCheckpoint(dir);
  });
  const dirname = (p: string) => join(p, '..');

  it('writes an ordinary checkpoint whose tokenizer round-trips (the SentencePiece ids of all 200 texts)', () => {
    expect(ck.config).toMatchObject({ embDim: 256, dModel: 512, layers: 2, heads: 4, ffn: 1536, maxLen: 128 });
    expect(ck.config).toMatchObject({
      positions: 'sinusoidal',
      activation: 'relu',
      finalLayerNorm: false,
      poolHead: 'tanh',
    });
    expect(ck.tokenizer.kind).toBe('sentencepiece');
    const vocab = JSON.parse(readFileSync(join(useLiteDir(), 'vocab.json'), 'utf8')) as SentencePieceVocab;
    const sp = new SentencePieceTokenizer(vocab);
    let long = 0;
    for (const t of texts) {
      const want = sp.encode(t).slice(0, 128);
      expect(ck.tokenizer.encode(t, 128), t).toEqual(want.length ? want : [0]);
      if (sp.encode(t).length > 128) long++;
    }
    expect(long).toBeGreaterThanOrEqual(20); // the fixture's texts over the length limit
  });

  it('is recognised as the USE-lite backbone, whose possibly overlapping evaluation tasks are real task names', () => {
    expect(isUseLiteBackbone(ck.config)).toBe(true);
    expect(isUseLiteBackbone({ ...ck.config, poolHead: undefined })).toBe(false);
    for (const t of USE_LITE_OVERLAP_TASKS) expect(getTask(t).name).toBe(t);
  });

  it.skipIf(!inferenceRuntime().ort)('equals the graph on 200 texts on the onnx path (cosine >= 0.9999)', async () => {
    const e = await loadEmbedder(dir);
    try {
      expect(e.runtime).toBe('onnxruntime');
      const r = compare(
        await e.embed(texts),
        texts.map((_, i) => i),
      );
      report(
        `onnx path vs the graph, 200 texts: min cosine 1 - ${(1 - r.minCos).toExponential(2)} (text ${r.worst}), max |diff| ${r.maxAbs.toExponential(2)}`,
      );
      expect(r.minCos).toBeGreaterThanOrEqual(0.9999);
    } finally {
      await e.close();
    }
  });

  // 40 texts: every fifth, and the last 10 (over the length limit)
  const subset = [
    ...texts.map((_, i) => i).filter((i) => i % 5 === 0 && i < 190),
    ...Array.from({ length: 10 }, (_, k) => 190 + k),
  ];
  it('equals the graph on the packed and device paths (cosine >= 0.9999, 40 texts)', () => {
    const seqs = subset.map((i) => ck.tokenizer.encode(texts[i]!, ck.config.maxLen));
    const P = paramTensors(ck.config, ck.params);
    try {
      const packed = tf.tidy(() => encoderForward(ck.config, P, packBatch(seqs), { keepCache: false }).emb.arraySync());
      const padded = tf.tidy(() => paddedForward(ck.config, P, padBatch(seqs)).emb.arraySync());
      for (const [name, vecs] of [
        ['packed', packed],
        ['device', padded],
      ] as const) {
        const r = compare(vecs, subset);
        report(
          `${name} path vs the graph, 40 texts: min cosine 1 - ${(1 - r.minCos).toExponential(2)} (text ${r.worst}), max |diff| ${r.maxAbs.toExponential(2)}`,
        );
        expect(r.minCos).toBeGreaterThanOrEqual(0.9999);
      }
    } finally {
      disposeParams(P);
    }
  });

  it('trains one step from the real weights alike on the packed, device and onnx paths', async () => {
    await selectBackend({ override: 'cpu' }); // the device path's autograd of gather needs a kernel wasm lacks
    const seqs = [20, 2, 21, 3].map((i) => ck.tokenizer.encode(texts[i]!, ck.config.maxLen)); // 2 pairs, short
    const n = seqs.length / 2;
    const loss = (E: tf.Tensor2D) =>
      contrastiveLoss(
        { queries: tf.slice(E, [0, 0], [n, DIM]), positives: tf.slice(E, [n, 0], [n, DIM]) },
        { temperature: 0.05, hardNegatives: false, sameTower: true },
      );
    const opts = { chunkSize: 8, gradCache: false, dropoutSeeds: seqs.map((_, i) => 100 + i) };
    const update = { lr: 1e-4, clipNorm: 1 };
    const packed = await TrainEngine.create(ck.config, ck.params, { replicas: 1 });
    const engines: { close(): Promise<void> }[] = [packed];
    try {
      const a = await packed.contrastive(seqs, loss, opts);
      const ag = a.grads.slice(); // update() clips the gradient in place
      await packed.update(1, a, update);
      const after = packed.params.slice();
      const others: [string, number, Float32Array, Float32Array][] = [];
      const device = await DeviceEngine.create(ck.config, ck.params);
      engines.push(device);
      const d = await device.contrastive(seqs, loss, opts);
      const dg = await device.hostGrads(d);
      await device.update(1, d, update);
      others.push(['device', d.loss, dg, (await device.snapshot()).params]);
      if (inferenceRuntime().ort) {
        const onnx = await TrainEngine.create(ck.config, ck.params, { path: 'onnx' });
        engines.push(onnx);
        const o = await onnx.contrastive(seqs, loss, opts);
        const og = o.grads.slice();
        await onnx.update(1, o, update);
        others.push(['onnx', o.loss, og, onnx.params.slice()]);
      }
      expect(ag.some((g) => g !== 0)).toBe(true);
      for (const [name, l, g, p] of others) {
        let worst = { rel: 0, name: '' };
        for (const s of paramSpecs(ck.config)) {
          let dd = 0,
            m = 0;
          for (let i = s.offset; i < s.offset + s.size; i++) {
            dd = Math.max(dd, Math.abs(g[i]! - ag[i]!));
            m = Math.max(m, Math.abs(ag[i]!));
          }
          const rel = m === 0 ? (dd === 0 ? 0 : Infinity) : dd / m;
          if (rel > worst.rel) worst = { rel, name: s.name };
        }
        const wdiff = p.reduce((x, v, i) => Math.max(x, Math.abs(v - after[i]!)), 0);
        report(
          `one step from the real weights, ${name} vs packed: loss rel diff ${(Math.abs(l - a.loss) / a.loss).toExponential(2)}, worst gradient ${worst.name} ${worst.rel.toExponential(2)}, weight diff after AdamW ${wdiff.toExponential(2)}`,
        );
        expect(Math.abs(l - a.loss) / a.loss).toBeLessThan(1e-5);
        expect(worst.rel, worst.name).toBeLessThan(1e-4);
        // AdamW's first step moves every weight by about lr = 1e-4 (g / |g|): near-zero gradients may differ in sign
        expect(wdiff).toBeLessThan(0.2 * update.lr);
      }
    } finally {
      await Promise.all(engines.map((e) => e.close()));
    }
  });

  it.skipIf(!have(join(SHARED_DATA, 'sick'), 'shared data (sick)'))(
    'gecko eval marks the tasks that may overlap USE-lite`s training data (SICK-R) like in-domain ones',
    async () => {
      const out = tmpDir();
      dirs.push(out);
      const env = {
        ...process.env,
        GECKO_DATA_DIR: SHARED_DATA,
        GECKO_CACHE_DIR: join(out, 'cache'),
        GECKO_PROGRESS: 'off',
      };
      const args = ['bin/gecko.js', 'eval', '--model', dir, '--tasks', 'SICK-R,BIOSSES', '--preset', 'smoke'];
      const r = await promisify(execFile)('node', [...args, '--out', join(out, 'eval'), '--json'], { env });
      const tasks = (JSON.parse(r.stdout) as { task: string }[]).map((x) => x.task);
      expect(tasks).toContain('SICK-R (in-domain)');
      expect(tasks).toContain('BIOSSES');
    },
  );

  it('is a CLI command: gecko import use-lite --out DIR (beside gecko import <folder>)', async () => {
    const run = promisify(execFile);
    const out = join(tmpDir(), 'ck');
    dirs.push(dirname(out));
    const r = await run('node', ['bin/gecko.js', 'import', 'use-lite', '--out', out]);
    expect(r.stdout.trim()).toBe(out);
    expect(loadCheckpoint(out).id).toBe(ck.id);
    const fresh = join(out, '..', 'other'); // not written: each call below fails before writing
    const bad = await run('node', ['bin/gecko.js', 'import', 'use-lyte', '--out', fresh]).catch((e) => e);
    expect(bad.code).toBe(1); // not use-lite and no such folder: the near miss is named
    expect(bad.stderr).toMatch(/no folder 'use-lyte'; did you mean use-lite\?/);
    const pooled = await run('node', ['bin/gecko.js', 'import', 'use-lite', '--pooling', 'cls', '--out', fresh]).catch(
      (e) => e,
    );
    expect(pooled.code).toBe(2);
    expect(pooled.stderr).toMatch(/--pooling is for a model folder/);
  });
});
