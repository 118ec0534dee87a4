// A replica (replica.ts's interface) whose forward and backward run in onnxruntime-node on
// its native CPU kernels: the graphs of onnx-train.ts, the weights fed as inputs. One replica
// uses every core itself (intra-op threads), so the engine runs one of these and no workers.
// A chunk is sorted by length and cut into sub-batches padded only to their own longest text.
// Dropout masks are drawn per text from the same seeds and sites as the packed path
// (model.ts's fillDropout), so both paths compute the same step.
import * as tf from '@tensorflow/tfjs';
import type * as Ort from 'onnxruntime-node';
import { sessionOptions, type OrtModule } from '../backend/onnx';
import { mlmLossAndGrads } from '../losses/mlm';
import type { EncoderConfig } from './config';
import { fillDropout } from './model';
import { backwardGraph, dropoutSites, forwardGraph, savedNames } from './onnx-train';
import { paramCount, paramSpecs, type ParamSpec } from './params';
import type { Replica } from './replica';

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
      s = this.ort.InferenceSession.create(build(), sessionOptions(this.threads));
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
    const D = this.cfg.dModel;
    const drop = dropoutSeeds && this.cfg.dropout > 0 ? dropoutSeeds : undefined;
    if (drop && drop.length !== seqs.length)
      throw new Error(`replica: ${drop.length} dropout seeds for ${seqs.length} sequences`);
    const order = seqs.map((_, i) => i).sort((a, b) => seqs[b]!.length - seqs[a]!.length || a - b);
    const out: SubBatch[] = [];
    for (let i = 0; i < order.length; i += SUB_BATCH) {
      const index = order.slice(i, i + SUB_BATCH);
      const sub = index.map((j) => seqs[j]!);
      const B = sub.length,
        L = sub[0]!.length;
      const ids = new BigInt64Array(B * L),
        mask = new Float32Array(B * L);
      sub.forEach((s, b) => {
        for (let j = 0; j < s.length; j++) {
          ids[b * L + j] = BigInt(s[j]!);
          mask[b * L + j] = 1;
        }
      });
      const feeds: Record<string, Ort.Tensor> = {
        input_ids: new this.ort.Tensor('int64', ids, [B, L]),
        attention_mask: new this.ort.Tensor('float32', mask, [B, L]),
      };
      if (drop)
        for (const site of dropoutSites(this.cfg)) {
          const m = new Float32Array(B * L * D);
          sub.forEach((s, b) => fillDropout(m, b * L * D, s.length * D, drop[index[b]!]!, this.cfg.dropout, site));
          feeds[`drop.${site}`] = new this.ort.Tensor('float32', m, [B * L, D]);
        }
      out.push({ index, seqs: sub, L, feeds });
    }
    return out;
  }

  private async runForward(sub: SubBatch, save: boolean, hidden: boolean): Promise<Ort.InferenceSession.ReturnType> {
    const o = { dropout: 'drop.emb' in sub.feeds, save, hidden };
    const s = await this.session(`fwd ${JSON.stringify(o)}`, () => forwardGraph(this.cfg, o));
    return s.run({ ...this.feedsFor(s, sub) });
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
    for (const sub of this.subBatches(seqs, dropoutSeeds)) {
      const r = await this.runForward(sub, key !== undefined, false);
      const e = r.sentence_embedding!.data as Float32Array;
      sub.index.forEach((j, b) => out.set(e.subarray(b * D, (b + 1) * D), j * D));
      if (key !== undefined) kept.push({ sub, saved: pick(r, savedNames(this.cfg)) });
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
    const r = await s.run(this.feedsFor(s, sub, { ...saved, ...grads }));
    const acc = this.acc;
    for (const name of s.outputNames) {
      if (!name.startsWith('grad.')) continue;
      const spec = this.byName.get(name.slice(5))!;
      const g = r[name]!.data as Float32Array;
      for (let i = 0, k = spec.offset; i < spec.size; i++, k++) acc[k] = acc[k]! + g[i]!;
    }
    // the embedding tables: each real token's row gradient into its id's and its position's row
    const de = r.d_embedded!.data as Float32Array;
    const D = this.cfg.dModel;
    const tok = this.byName.get('tok_emb')!.offset,
      pos = this.byName.get('pos_emb')!.offset;
    sub.seqs.forEach((s, b) => {
      for (let j = 0; j < s.length; j++) {
        const src = (b * sub.L + j) * D,
          t = tok + s[j]! * D,
          p = pos + j * D;
        for (let k = 0; k < D; k++) {
          const v = de[src + k]!;
          acc[t + k] = acc[t + k]! + v;
          acc[p + k] = acc[p + k]! + v;
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
    const D = this.cfg.dModel;
    // packed row -> (text, position), as the packed path numbers rows
    const starts: number[] = [];
    let off = 0;
    for (const s of seqs) {
      starts.push(off);
      off += s.length;
    }
    const where = (row: number): [number, number] => {
      let lo = 0,
        hi = seqs.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= row) lo = mid;
        else hi = mid - 1;
      }
      return [lo, row - starts[lo]!];
    };
    const tokSpec = this.byName.get('tok_emb')!,
      biasSpec = this.byName.get('mlm.bias')!;
    const tokEmb = tf.tensor2d(this.flat!.subarray(tokSpec.offset, tokSpec.offset + tokSpec.size), [
      this.cfg.vocabSize,
      D,
    ]);
    const bias = tf.tensor1d(this.flat!.subarray(biasSpec.offset, biasSpec.offset + biasSpec.size));
    let loss = 0;
    for (const sub of this.subBatches(seqs, dropoutSeeds)) {
      const slot = new Map(sub.index.map((j, b) => [j, b]));
      const mine: number[] = [];
      rows.forEach((row, m) => {
        if (slot.has(where(row)[0])) mine.push(m);
      });
      if (mine.length === 0) continue; // nothing to predict in this sub-batch: no gradient
      const r = await this.runForward(sub, true, true);
      const hidden = r.hidden!.data as Float32Array;
      const at = mine.map((m) => {
        const [j, t] = where(rows[m]!);
        return (slot.get(j)! * sub.L + t) * D;
      });
      const sel = new Float32Array(mine.length * D);
      at.forEach((a, i) => sel.set(hidden.subarray(a, a + D), i * D));
      const selT = tf.tensor2d(sel, [mine.length, D]);
      const res = mlmLossAndGrads(
        selT,
        Int32Array.from(mine, (_, i) => i),
        Int32Array.from(mine, (m) => targets[m]!),
        tokEmb,
        bias,
        denominator,
      );
      loss += res.loss.dataSync()[0]!;
      const dsel = res.dhidden.dataSync();
      const dh = new Float32Array(sub.index.length * sub.L * D);
      at.forEach((a, i) => {
        for (let k = 0; k < D; k++) dh[a + k] = dh[a + k]! + dsel[i * D + k]!;
      });
      addInto(this.acc, tokSpec.offset, res.dTokEmb.dataSync());
      addInto(this.acc, biasSpec.offset, res.dBias.dataSync());
      tf.dispose([selT, res.loss, res.dhidden, res.dTokEmb, res.dBias]);
      await this.runBackward(sub, pick(r, savedNames(this.cfg)), {
        d_hidden: new this.ort.Tensor('float32', dh, [sub.index.length * sub.L, D]),
      });
    }
    tf.dispose([tokEmb, bias]);
    return loss;
  }

  async takeGrads(): Promise<Float32Array> {
    const out = this.acc;
    this.acc = new Float32Array(out.length);
    return out;
  }

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

function addInto(acc: Float32Array, offset: number, g: ArrayLike<number>): void {
  for (let i = 0; i < g.length; i++) acc[offset + i] = acc[offset + i]! + g[i]!;
}
