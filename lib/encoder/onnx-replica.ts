// A replica (replica.ts's interface) whose forward and backward run in onnxruntime-node on
// its native CPU kernels: the graphs of onnx-train.ts, the weights fed as inputs. One replica
// uses every core itself (intra-op threads), so the engine runs one of these and no workers.
// A chunk is sorted by length and cut into sub-batches padded only to their own longest text.
// Dropout masks are drawn per text from the same seeds and sites as the packed path
// (model.ts's fillDropout), so both paths compute the same step.
import * as tf from '@tensorflow/tfjs';
import type * as Ort from 'onnxruntime-node';
import { sessionOptions, type OrtModule } from '../backend/onnx';
import { archOf } from './arch';
import { embeddingParams } from './ops/embedding';
import type { EncoderConfig } from './config';
import { paddedDropoutValues } from './model';
import { padBatch } from './onnx-runtime';
import type { OnnxLossSpec } from '../losses/contrastive-onnx';
import { backwardGraph, forwardGraph, mlmGraph, savedNames, stepGraph } from './onnx-train';
import { paramCount, paramSpecs, type ParamSpec } from './params';
import type { Replica } from './replica';
import { phase } from '../core/step-profile';

/** A loss the one-run step can take: its static spec and, per step, the loss graph's inputs (losses/contrastive-onnx.ts). */
export interface OnnxStepLoss {
  spec: OnnxLossSpec;
  inputs(at: readonly number[]): Record<string, { data: Float32Array; dims: number[] }>;
}

/** Most texts in one onnxruntime run: sorted by length, so each sub-batch pads little. */
export const SUB_BATCH = 32;

/** One padded sub-batch: which texts (chunk indices), its ids, mask and dropout masks. */
interface SubBatch {
  index: number[];
  seqs: number[][];
  L: number;
  feeds: Record<string, Ort.Tensor>;
}

/** A forward kept for its backward: sub-batches and their saved activations. */
type Kept = { sub: SubBatch; saved: Record<string, Ort.Tensor> }[];

export class OnnxReplica implements Replica {
  private readonly specs: ParamSpec[];
  private readonly byName: Map<string, ParamSpec>;
  private acc: Float32Array;
  /** Nothing added into acc since takeGrads: the next backward writes its weight gradients straight into it. */
  private accEmpty = true;
  /** The backward run writing into acc, if any: the other backwards add on top only once it has landed. */
  private writing: Promise<unknown> = Promise.resolve();
  private flat: Float32Array | undefined;
  private weights: Record<string, Ort.Tensor> = {};
  private readonly sessions = new Map<string, Promise<Ort.InferenceSession>>();
  private readonly kept = new Map<number, Kept>();

  constructor(
    readonly cfg: EncoderConfig,
    private readonly ort: OrtModule,
    private readonly threads?: number,
  ) {
    this.specs = paramSpecs(cfg);
    this.byName = new Map(this.specs.map((s) => [s.name, s]));
    this.acc = new Float32Array(paramCount(this.specs));
  }

  private session(key: string, build: () => Uint8Array): Promise<Ort.InferenceSession> {
    let s = this.sessions.get(key);
    if (!s) {
      // not spinning between runs: a step alternates several sessions (forward, backward, MLM), each with
      // its own intra-op pool, and TF.js work on this thread; a pool spinning after its run takes a core
      // from the next. bench/spin-ab.ts (bench encoder, 64 pairs, onnx path), 2 cores, load 4-7.6, three
      // sittings of 3-4 alternating rounds: step time ratio not spinning / spinning 0.67, 0.54, 0.62 (medians)
      // no memory pattern: a training run's shapes change every step (padded lengths), and onnxruntime plans and
      // keeps arena blocks per shape seen. `npm run profile:step`, two alternating pairs, quiet: peak RSS 973-990 ->
      // 759-781 MB (use-lite, 8 steps) and 634-638 -> 474-489 MB (scratch, 30 steps); step times within the noise
      s = this.ort.InferenceSession.create(build(), {
        ...sessionOptions(this.threads, { spin: false }),
        enableMemPattern: false,
      });
      this.sessions.set(key, s);
    }
    return s;
  }

  async setParams(flat: Float32Array): Promise<void> {
    if (flat.length !== this.acc.length)
      throw new Error(`replica: ${flat.length} parameters given, the encoder has ${this.acc.length}`);
    this.flat = flat.slice();
    this.weights = {};
    for (const s of this.specs)
      this.weights[s.name] = new this.ort.Tensor('float32', this.flat.subarray(s.offset, s.offset + s.size), s.shape);
  }

  /** Sort a chunk by length and pad each run of SUB_BATCH texts to its own longest. */
  private subBatches(seqs: number[][], dropoutSeeds?: number[]): SubBatch[] {
    if (!this.flat) throw new Error('replica: setParams() was not called');
    const drop = dropoutSeeds && this.cfg.dropout > 0 ? dropoutSeeds : undefined;
    if (drop && drop.length !== seqs.length)
      throw new Error(`replica: ${drop.length} dropout seeds for ${seqs.length} sequences`);
    const order = seqs.map((_, i) => i).sort((a, b) => seqs[b]!.length - seqs[a]!.length || a - b);
    const out: SubBatch[] = [];
    for (let i = 0; i < order.length; i += SUB_BATCH) {
      const index = order.slice(i, i + SUB_BATCH);
      const sub = index.map((j) => seqs[j]!);
      const { ids, mask, L } = padBatch(sub);
      const B = sub.length;
      const feeds: Record<string, Ort.Tensor> = {
        input_ids: new this.ort.Tensor('int64', ids, [B, L]),
        attention_mask: new this.ort.Tensor('int64', mask, [B, L]),
      };
      if (drop) {
        const lengths = sub.map((s) => s.length),
          seeds = index.map((j) => drop[j]!);
        for (const op of archOf(this.cfg).ops)
          if (op.kind === 'dropout')
            feeds[`drop.${op.site}`] = new this.ort.Tensor(
              'float32',
              paddedDropoutValues(lengths, L, seeds, op.width, this.cfg.dropout, op.site!),
              [B * L, op.width],
            );
      }
      out.push({ index, seqs: sub, L, feeds });
    }
    return out;
  }

  private async runForward(sub: SubBatch, save: boolean, hidden: boolean): Promise<Ort.InferenceSession.ReturnType> {
    const o = { dropout: 'drop.emb' in sub.feeds, save, hidden };
    const s = await this.session(`fwd ${JSON.stringify(o)}`, () => forwardGraph(this.cfg, o));
    const done = phase('  ort forward run');
    const r = await s.run(this.feedsFor(s, sub));
    done();
    return r;
  }

  private feedsFor(s: Ort.InferenceSession, sub: SubBatch, extra: Record<string, Ort.Tensor> = {}) {
    const all = { ...this.weights, ...sub.feeds, ...extra };
    const feeds: Record<string, Ort.Tensor> = {};
    for (const n of s.inputNames) feeds[n] = all[n]!;
    return feeds;
  }

  /** Embeddings of a chunk (rows in chunk order), keeping the activations under `key` when given. */
  private async embed(seqs: number[][], dropoutSeeds: number[] | undefined, key?: number): Promise<Float32Array> {
    const D = this.cfg.dModel;
    const out = new Float32Array(seqs.length * D);
    const kept: Kept = [];
    const done = phase('  sub-batch feeds (ids, dropout masks)');
    const subs = this.subBatches(seqs, dropoutSeeds);
    done();
    for (const sub of subs) {
      const r = await this.runForward(sub, key !== undefined, false);
      const e = r.sentence_embedding!.data as Float32Array;
      sub.index.forEach((j, b) => out.set(e.subarray(b * D, (b + 1) * D), j * D));
      if (key !== undefined) kept.push({ sub, saved: pick(r, savedNames(this.cfg, 'drop.emb' in sub.feeds)) });
    }
    if (key !== undefined) this.kept.set(key, kept);
    return out;
  }

  encode(seqs: number[][], dropoutSeeds?: number[]): Promise<Float32Array> {
    return this.embed(seqs, dropoutSeeds);
  }

  async forward(key: number, seqs: number[][], dropoutSeeds?: number[]): Promise<Float32Array> {
    if (this.kept.has(key)) throw new Error(`replica: chunk ${key} is already kept`);
    return this.embed(seqs, dropoutSeeds, key);
  }

  async backward(key: number, demb: Float32Array): Promise<void> {
    const kept = this.kept.get(key);
    if (!kept) throw new Error(`replica: no kept chunk ${key}`);
    this.kept.delete(key);
    const D = this.cfg.dModel;
    for (const { sub, saved } of kept) {
      const d = new Float32Array(sub.index.length * D);
      sub.index.forEach((j, b) => d.set(demb.subarray(j * D, (j + 1) * D), b * D));
      await this.runBackward(sub, saved, {
        d_sentence_embedding: new this.ort.Tensor('float32', d, [sub.index.length, D]),
      });
    }
  }

  /**
   * One whole contrastive step in one onnxruntime run (onnx-train.ts stepGraph): every sub-batch's
   * forward, the loss, every backward; the gradients land in the accumulator (takeGrads). `loss.inputs(at)`
   * gives the loss graph's inputs when text i of `seqs` is row at[i] of the stacked embeddings.
   * Returns the loss.
   */
  async contrastiveStep(seqs: number[][], loss: OnnxStepLoss, dropoutSeeds?: number[]): Promise<number> {
    const done = phase('  sub-batch feeds (ids, dropout masks)');
    const subs = this.subBatches(seqs, dropoutSeeds);
    const dropout = subs.some((sub) => 'drop.emb' in sub.feeds);
    const feeds: Record<string, Ort.Tensor> = { ...this.weights };
    const at: number[] = new Array(seqs.length);
    let row = 0;
    subs.forEach((sub, k) => {
      for (const [name, t] of Object.entries(sub.feeds)) feeds[`s${k}.${name}`] = t;
      sub.index.forEach((i) => (at[i] = row++));
    });
    for (const [name, t] of Object.entries(loss.inputs(at)))
      feeds[name] = new this.ort.Tensor('float32', t.data, t.dims);
    feeds['loss.split'] = new this.ort.Tensor(
      'int64',
      BigInt64Array.from(subs.map((sub) => BigInt(sub.index.length))),
      [subs.length],
    );
    done();
    const o = { dropout, subs: subs.length, loss: loss.spec };
    const s = await this.session(`step ${JSON.stringify(o)}`, () => stepGraph(this.cfg, o));
    const picked: Record<string, Ort.Tensor> = {};
    for (const n of s.inputNames) picked[n] = feeds[n]!;
    const { r, written } = await this.runIntoAcc(s, picked, '  ort step run (forward, loss, backward)');
    const end = phase('  accumulate (JS)');
    // the weight gradients (summed over the sub-batches in the graph) once; each sub-batch's embedded rows into the tables
    subs.forEach((sub, k) => this.accumulate(sub, r, written || k > 0, `s${k}.d_embedded`));
    end();
    return (r.loss!.data as Float32Array)[0]!;
  }

  async forwardBackward(seqs: number[][], demb: Float32Array, dropoutSeeds?: number[]): Promise<void> {
    const key = -1 - this.kept.size;
    await this.forward(key, seqs, dropoutSeeds);
    await this.backward(key, demb);
  }

  /** Run the backward graph of one sub-batch and add its gradients into the accumulator. */
  private async runBackward(sub: SubBatch, saved: Record<string, Ort.Tensor>, grads: Record<string, Ort.Tensor>) {
    const o = {
      dropout: 'drop.emb' in sub.feeds,
      demb: 'd_sentence_embedding' in grads,
      dhidden: 'd_hidden' in grads,
    };
    const s = await this.session(`bwd ${JSON.stringify(o)}`, () => backwardGraph(this.cfg, o));
    const { r, written } = await this.runIntoAcc(
      s,
      this.feedsFor(s, sub, { ...saved, ...grads }),
      '  ort backward run',
    );
    const done = phase('  accumulate (JS)');
    this.accumulate(sub, r, written);
    done();
  }

  /**
   * Run a graph with grad.<name> outputs. The first run after takeGrads writes them into the (zero)
   * accumulator's slices itself (preallocated outputs): no copy out and no JS pass adding them in
   * (`written`). Runs of several chunks are in flight at once: the flag is taken before this awaits,
   * and the others add their gradients only after that run has written.
   */
  private async runIntoAcc(
    s: Ort.InferenceSession,
    feeds: Record<string, Ort.Tensor>,
    label: string,
  ): Promise<{ r: Ort.InferenceSession.ReturnType; written: boolean }> {
    const into = this.accEmpty ? this.accSlices(s.outputNames) : undefined;
    this.accEmpty = false;
    const done = phase(label);
    const run = into ? s.run(feeds, into) : s.run(feeds);
    if (into) this.writing = run;
    const r = await run;
    done();
    if (!into) await this.writing;
    return { r, written: into !== undefined };
  }

  /** Output tensors over the accumulator's slices for every grad.<name> output; the others onnxruntime allocates. */
  private accSlices(names: readonly string[]): Record<string, Ort.Tensor | null> {
    const out: Record<string, Ort.Tensor | null> = {};
    for (const name of names) {
      const spec =
        name.startsWith('grad.') && !name.startsWith('grad.head.') ? this.byName.get(name.slice(5)) : undefined;
      out[name] = spec
        ? new this.ort.Tensor('float32', this.acc.subarray(spec.offset, spec.offset + spec.size), spec.shape)
        : null;
    }
    return out;
  }

  /**
   * Add a backward's outputs into the accumulator: every grad.<name> (unless `written`: the run wrote
   * them there itself), and d_embedded into the two embedding tables.
   */
  private accumulate(
    sub: SubBatch,
    r: Ort.InferenceSession.ReturnType,
    written = false,
    dEmbedded = 'd_embedded',
  ): void {
    const acc = this.acc;
    this.accEmpty = false;
    for (const [name, t] of Object.entries(r)) {
      if (!name.startsWith('grad.') || (written && !name.startsWith('grad.head.'))) continue;
      const spec = this.byName.get(name.startsWith('grad.head.') ? name.slice('grad.head.'.length) : name.slice(5))!;
      const g = t.data as Float32Array;
      for (let i = 0, k = spec.offset; i < spec.size; i++, k++) acc[k] = acc[k]! + g[i]!;
    }
    // the embedding tables: each real token's row gradient into its id's and its position's row
    const de = r[dEmbedded]!.data as Float32Array;
    const embOp = archOf(this.cfg).ops.find((o) => o.kind === 'embedding')!;
    const D = embOp.width;
    const emb = embeddingParams(embOp);
    const off = embOp.offset ?? 0;
    const tok = this.byName.get(emb.tok)!.offset,
      pos = emb.pos ? this.byName.get(emb.pos)!.offset + off * D : -1; // -1: fixed positions, no gradient
    sub.seqs.forEach((s, b) => {
      for (let j = 0; j < s.length; j++) {
        const src = (b * sub.L + j) * D,
          t = tok + s[j]! * D,
          p = pos + j * D;
        for (let k = 0; k < D; k++) {
          const v = de[src + k]!;
          acc[t + k] = acc[t + k]! + v;
          if (pos >= 0) acc[p + k] = acc[p + k]! + v;
        }
      }
    });
  }

  async mlm(
    seqs: number[][],
    rows: Int32Array,
    targets: Int32Array,
    denominator: number,
    dropoutSeeds?: number[],
  ): Promise<number> {
    // packed row (as the packed path numbers them) -> (text, position)
    const textOf: number[] = [],
      posOf: number[] = [];
    seqs.forEach((s, i) => {
      for (let j = 0; j < s.length; j++) (textOf.push(i), posOf.push(j));
    });
    const scale = new this.ort.Tensor('float32', Float32Array.of(1 / denominator), []);
    let loss = 0;
    for (const sub of this.subBatches(seqs, dropoutSeeds)) {
      const slot = new Map(sub.index.map((j, b) => [j, b]));
      const padded: bigint[] = [],
        tgt: bigint[] = [];
      rows.forEach((row, m) => {
        const b = slot.get(textOf[row]!);
        if (b === undefined) return;
        padded.push(BigInt(b * sub.L + posOf[row]!));
        tgt.push(BigInt(targets[m]!));
      });
      if (padded.length === 0) continue; // nothing to predict in this sub-batch: no gradient
      const o = { dropout: 'drop.emb' in sub.feeds };
      const s = await this.session(`mlm ${JSON.stringify(o)}`, () => mlmGraph(this.cfg, o));
      const r = await s.run(
        this.feedsFor(s, sub, {
          mlm_rows: new this.ort.Tensor('int64', BigInt64Array.from(padded), [padded.length]),
          mlm_targets: new this.ort.Tensor('int64', BigInt64Array.from(tgt), [tgt.length]),
          mlm_scale: scale,
        }),
      );
      loss += (r.mlm_loss!.data as Float32Array)[0]!;
      this.accumulate(sub, r);
    }
    return loss;
  }

  async takeGrads(): Promise<Float32Array> {
    await this.writing;
    const out = this.acc;
    this.acc = new Float32Array(out.length);
    this.accEmpty = true;
    return out;
  }

  /** Live TF.js tensors (leak checks): this replica makes none, so this is the thread's count. */
  async tensorCount(): Promise<number> {
    return tf.memory().numTensors;
  }

  async close(): Promise<void> {
    this.kept.clear();
    const all = await Promise.all(this.sessions.values());
    this.sessions.clear();
    await Promise.all(all.map((s) => s.release()));
  }
}

function pick(r: Ort.InferenceSession.ReturnType, names: string[]): Record<string, Ort.Tensor> {
  const out: Record<string, Ort.Tensor> = {};
  for (const n of names) out[n] = r[n]!;
  return out;
}
