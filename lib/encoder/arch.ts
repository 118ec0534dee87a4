// The model on one screen: the encoder as data. defineEncoder(cfg) lists the ops of the
// forward pass in order, each naming its input values, its output value and its parameters.
// Everything else reads this list:
//   params.ts           the parameter list (names, shapes, init) in the order of first use;
//   model.ts            packed TF.js: walk the ops forward keeping per-op caches, then back;
//   padded.ts           padded TF.js under autograd (device path): walk the ops forward;
//   onnx-train.ts       onnxruntime training: forward nodes, then backward nodes in reverse;
//   onnx-export.ts      the exported model.onnx: forward nodes, weights as initialisers;
//   export/hf-model.ts  the Hugging Face mapping.
// Each op's forms (TF.js forward, packed forward + backward, ONNX forward + backward) sit side
// by side in one file under ops/ (ops/index.ts lists them).
import { GeckoError } from '../core/errors';
import type { EncoderConfig } from './config';

export type OpKind =
  | 'embedding'
  | 'layerNorm'
  | 'dense'
  | 'attention'
  | 'gelu'
  | 'relu'
  | 'tanh'
  | 'dropout'
  | 'add'
  | 'pool'
  | 'l2norm'
  | 'mlmHead';

/** One op of the forward pass. */
export interface OpNode {
  kind: OpKind;
  /** The value it makes (rows of `width` floats per token, or per text after pooling). */
  out: string;
  /** The values it reads. */
  inputs: string[];
  /** Its parameters, in the order its forms take them. */
  params: string[];
  width: number;
  /** layerNorm: epsilon. */
  eps?: number;
  /** attention: number of heads. */
  heads?: number;
  /** dropout: the site label its masks are drawn under (same on every path). */
  site?: string;
  /** embedding: token j reads position row j + offset. */
  offset?: number;
  /** embedding: fixed sinusoidal position rows instead of a learned table (params: tok[, type]). */
  sinusoidal?: boolean;
  /** pool: mean over the real tokens, or the first token. */
  mode?: 'mean' | 'cls';
  /** pool: L2-normalise the pooled row (default true; false when a head follows it). */
  normalize?: boolean;
  /** One row per text (pooling and what follows it) rather than one per token. */
  perText?: boolean;
}

export interface ParamDecl {
  name: string;
  shape: number[];
  /** N(0, 0.02), zeros or ones. */
  init: 'normal' | 'zeros' | 'ones';
}

export interface Arch {
  /** The forward pass in order, from token ids to the sentence embedding. */
  ops: OpNode[];
  /** Every parameter, in checkpoint order. */
  params: ParamDecl[];
  /** The final hidden states, one row per token (MLM reads them). */
  hidden: string;
  /** The sentence embedding, one row per text. */
  embedding: string;
  /** The MLM head over `hidden`: pretraining only, not part of the embedding model. */
  mlm: OpNode;
}

/**
 * The encoder of a checkpoint's config (its options, config.ts, switch BERT-style variants). Today's encoder: token + learned position embeddings,
 * pre-LN blocks x + Attn(LN(x)), x + FFN(LN(x)) with fused q|k|v and exact GELU, a final
 * LayerNorm, mean pooling over the real tokens, L2 normalisation; the MLM head tied to tok_emb.
 * USE-lite (use-lite-import.ts): embDim < dModel, sinusoidal positions, ReLU, no final LayerNorm,
 * mean pooling then tanh(x W + b) then L2 (and no MLM head: tok_emb is narrower than the hidden states).
 * @example defineEncoder(cfg).ops.map((o) => o.kind) // ['embedding', 'dropout', 'layerNorm', 'dense', ...]
 */
export function defineEncoder(cfg: EncoderConfig): Arch {
  const m = new ArchBuilder(cfg);
  const D = cfg.dModel;
  const post = cfg.norm === 'post'; //                                        BERT: LN after each residual sum
  const act = (h: string) => (cfg.activation === 'relu' ? m.relu(h) : m.gelu(h));
  const pos = cfg.positions === 'sinusoidal' ? 'sinusoidal' : 'pos_emb'; //     learned table or fixed timing signal
  let x = m.embedding('tok_emb', pos, cfg.tokenTypeRow ? 'type_emb' : undefined, cfg.positionOffset ?? 0);
  if (cfg.embLayerNorm) x = m.layerNorm(x, 'emb_ln'); //                       (off in today's encoder)
  x = m.dropout(x, 'emb');
  for (let l = 0; l < cfg.layers; l++) {
    const p = `l${l}.`;
    const w = m.width(x); //                                                   D, or embDim into the first block (USE-lite)
    const ctx = m.attention(m.dense(post ? x : m.layerNorm(x, `${p}ln1`), `${p}wqkv`, `${p}bqkv`, 3 * w)); // fused q|k|v
    const res = w === D ? x : m.dense(x, `${p}wres`, `${p}bres`, D); //         width change: the raw input projected
    x = m.add(res, m.dropout(m.dense(ctx, `${p}wo`, `${p}bo`, D), `l${l}.attn`));
    if (post) x = m.layerNorm(x, `${p}ln1`);
    const h = act(m.dense(post ? x : m.layerNorm(x, `${p}ln2`), `${p}w1`, `${p}b1`, cfg.ffn));
    x = m.add(x, m.dropout(m.dense(h, `${p}w2`, `${p}b2`, D), `l${l}.ffn`));
    if (post) x = m.layerNorm(x, `${p}ln2`);
  }
  const hidden = post || cfg.finalLayerNorm === false ? x : m.layerNorm(x, 'lnf');
  const head = cfg.poolHead === 'tanh'; //                                   USE-lite: mean, tanh(x W + b), then L2
  let emb = m.pool(hidden, cfg.pooling ?? 'mean', !head); //                 mean or first token, L2-normalised
  if (head) emb = m.l2norm(m.tanh(m.dense(emb, 'tanh.w', 'tanh.b', D)));
  // the MLM head is tied to tok_emb, so it exists only where the hidden states are as wide as the table
  const mlm = m.width('embedded') === D ? m.mlmHead(hidden, 'tok_emb', 'mlm.bias') : undefined;
  return m.done(hidden, emb, mlm);
}

const archs = new WeakMap<EncoderConfig, Arch>();

/** defineEncoder, made once per config object (the interpreters call this on every step). */
export function archOf(cfg: EncoderConfig): Arch {
  let a = archs.get(cfg);
  if (!a) archs.set(cfg, (a = defineEncoder(cfg)));
  return a;
}

/** Appends ops and declares their parameters on first use (so the order is the order of use). */
class ArchBuilder {
  private readonly ops: OpNode[] = [];
  private readonly params: ParamDecl[] = [];
  private readonly widths = new Map<string, number>();
  private n = 0;

  constructor(private readonly cfg: EncoderConfig) {}

  private param(name: string, shape: number[], init: ParamDecl['init']): string {
    const old = this.params.find((p) => p.name === name);
    if (old && old.shape.join() !== shape.join())
      throw new Error(`defineEncoder: parameter ${name} used with shapes ${old.shape} and ${shape}`);
    if (!old) this.params.push({ name, shape, init });
    return name;
  }
  private readonly perText = new Set<string>();
  private push(op: Omit<OpNode, 'out'>, out = `${op.kind}${this.n++}`): string {
    for (const i of op.inputs) if (!this.widths.has(i)) throw new Error(`defineEncoder: no value ${i}`);
    this.widths.set(out, op.width);
    const perText = op.kind === 'pool' || op.inputs.some((i) => this.perText.has(i));
    if (perText) this.perText.add(out);
    this.ops.push(perText ? { ...op, out, perText } : { ...op, out });
    return out;
  }
  width(v: string): number {
    return this.widths.get(v)!;
  }

  /** Token rows + position rows (from row `offset`; pos 'sinusoidal': fixed, no parameter) [+ one token-type row]. */
  embedding(tok: string, pos: string, type: string | undefined, offset: number): string {
    const { vocabSize: V, maxLen } = this.cfg;
    const D = this.cfg.embDim ?? this.cfg.dModel;
    const sinusoidal = pos === 'sinusoidal';
    const params = [this.param(tok, [V, D], 'normal')];
    if (!sinusoidal) params.push(this.param(pos, [maxLen + offset, D], 'normal'));
    if (type) params.push(this.param(type, [1, D], 'normal'));
    return this.push({ kind: 'embedding', inputs: [], params, width: D, offset, sinusoidal }, 'embedded');
  }
  /** LayerNorm with gain `<name>.g` and bias `<name>.b`. */
  layerNorm(x: string, name: string): string {
    const D = this.width(x);
    const params = [this.param(`${name}.g`, [D], 'ones'), this.param(`${name}.b`, [D], 'zeros')];
    return this.push({ kind: 'layerNorm', inputs: [x], params, width: D, eps: this.cfg.lnEps }, name);
  }
  /** x @ w + b, w (width of x, out). */
  dense(x: string, w: string, b: string, out: number): string {
    const params = [this.param(w, [this.width(x), out], 'normal'), this.param(b, [out], 'zeros')];
    return this.push({ kind: 'dense', inputs: [x], params, width: out }, `${w}.y`);
  }
  /** Multi-head self-attention over one text's tokens, from fused q|k|v rows. */
  attention(qkv: string): string {
    const width = this.width(qkv) / 3;
    return this.push({ kind: 'attention', inputs: [qkv], params: [], width, heads: this.cfg.heads });
  }
  gelu(x: string): string {
    return this.push({ kind: 'gelu', inputs: [x], params: [], width: this.width(x) });
  }
  relu(x: string): string {
    return this.push({ kind: 'relu', inputs: [x], params: [], width: this.width(x) });
  }
  tanh(x: string): string {
    return this.push({ kind: 'tanh', inputs: [x], params: [], width: this.width(x) });
  }
  /** Each row divided by its L2 norm. */
  l2norm(x: string): string {
    return this.push({ kind: 'l2norm', inputs: [x], params: [], width: this.width(x) }, 'sentence');
  }
  dropout(x: string, site: string): string {
    return this.push({ kind: 'dropout', inputs: [x], params: [], width: this.width(x), site }, `${site}.dropped`);
  }
  /** The residual sum a + b. */
  add(a: string, b: string): string {
    return this.push({ kind: 'add', inputs: [a, b], params: [], width: this.width(a) });
  }
  /** Mean over each text's real tokens (or its first token), then L2 normalisation (unless `normalize` is false). */
  pool(x: string, mode: 'mean' | 'cls', normalize = true): string {
    const op = { kind: 'pool' as const, inputs: [x], params: [], width: this.width(x), mode };
    return normalize ? this.push(op, 'sentence') : this.push({ ...op, normalize }, 'pooled');
  }
  /** Logits over the vocabulary tied to the table `tok` (plus a bias), for MLM. */
  mlmHead(x: string, tok: string, bias: string): OpNode {
    const params = [tok, this.param(bias, [this.cfg.vocabSize], 'zeros')];
    return { kind: 'mlmHead', out: 'mlm_logits', inputs: [x], params, width: this.cfg.vocabSize };
  }

  done(hidden: string, embedding: string, mlm: OpNode | undefined): Arch {
    const arch = { ops: this.ops, params: this.params, hidden, embedding } as Omit<Arch, 'mlm'>;
    return Object.defineProperty(arch, 'mlm', {
      enumerable: true,
      get() {
        if (mlm) return mlm;
        throw new GeckoError(
          `this encoder has no MLM head: its token table is ${arch.ops[0]!.width} wide and its hidden states ${arch.ops.find((o) => o.out === hidden)!.width} (embDim differs from dModel), so the tied head cannot be made`,
          'pretrain (MLM) a from-scratch encoder; a pretrained backbone such as USE-lite starts at pre-finetuning',
        );
      },
    }) as Arch;
  }
}

/** One op as an engine runs it: its inputs resolved through skipped ops. */
export interface Step {
  op: OpNode;
  inputs: string[];
  /** Values last read by this op (an interpreter may free them after it), outputs excluded. */
  frees: string[];
}

/** What an engine path runs: the ops in order, dropout skipped when off. */
export interface Program {
  steps: Step[];
  hidden: string;
  embedding: string;
}

const programs = new WeakMap<Arch, Map<string, Program>>();

/**
 * The steps that produce `wanted` (default: the sentence embedding and the hidden states), with
 * dropout ops left out when `dropout` is false (their output is their input). Made once per arch.
 */
export function program(arch: Arch, dropout: boolean, wanted = [arch.embedding, arch.hidden]): Program {
  let byKey = programs.get(arch);
  if (!byKey) programs.set(arch, (byKey = new Map()));
  const key = `${dropout}|${wanted.join(',')}`;
  let p = byKey.get(key);
  if (p) return p;
  const alias = new Map<string, string>();
  const resolve = (v: string) => alias.get(v) ?? v;
  let steps: Step[] = [];
  for (const op of arch.ops) {
    if (op.kind === 'dropout' && !dropout) alias.set(op.out, resolve(op.inputs[0]!));
    else steps.push({ op, inputs: op.inputs.map(resolve), frees: [] });
  }
  const outputs = new Set(wanted.map(resolve));
  const need = new Set(outputs);
  steps = steps
    .reverse()
    .filter((s) => need.has(s.op.out) && (s.inputs.forEach((i) => need.add(i)), true))
    .reverse();
  const seen = new Set<string>();
  for (let k = steps.length - 1; k >= 0; k--)
    for (const i of steps[k]!.inputs)
      if (!seen.has(i) && !outputs.has(i)) (seen.add(i), steps[k]!.frees.push(i));
      else seen.add(i);
  p = { steps, hidden: resolve(arch.hidden), embedding: resolve(arch.embedding) };
  byKey.set(key, p);
  return p;
}
