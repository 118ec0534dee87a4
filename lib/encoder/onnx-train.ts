// The encoder's training step as ONNX graphs that onnxruntime-node runs as plain inference on
// its native CPU kernels (MLAS GEMMs with AVX2 / AVX-512 and FMA), where TF.js wasm has 128-bit
// SIMD without FMA. An interpreter of the model definition (arch.ts): each op's ONNX forward
// nodes in order, then each op's backward nodes in reverse (the forms in ops/). Padded chunks
// [B, L] (right padding, additive key mask; a chunk's texts are sorted by length, so little padding):
//   forward:  weights (graph inputs, not initialisers), ids, int64 mask [, dropout masks]
//             -> sentence_embedding [B, D] (+ hidden [B*L, D] for MLM), and with `save` the
//             values the backward reads (savedNames: whatever the ops' backward asks for that it
//             cannot cheaply recompute; LayerNorm and GELU outputs are recomputed);
//   backward: weights, mask, the saved values, d loss / d sentence_embedding and/or
//             d loss / d hidden [, dropout masks]
//             -> d loss / d every weight except the two embedding tables, and d loss / d the
//             embedded rows [B*L, D] (onnx-replica.ts adds those into tok_emb and pos_emb);
//   mlm:      forward, the MLM head, its loss and the backward in one graph (MLM's loss is per
//             token, so nothing has to leave the graph in between);
//   step:     a whole contrastive step in one graph: every sub-batch's forward, the loss's ONNX
//             form (losses/contrastive-onnx.ts), every backward. The default step of the onnx path
//             when the batch is one chunk; forward + backward remain for chunks and GradCache.
// Rows of padding get exactly zero gradient: they are not pooled, and their softmax weight as
// keys is exp(-1e9) = 0. Each graph is built once per shape of options (onnx-replica caches the sessions).
import { DT } from '../core/onnx-proto';
import { archOf, program, type Program } from './arch';
import type { EncoderConfig } from './config';
import { contrastiveLossOnnx, type OnnxLossSpec } from '../losses/contrastive-onnx';
import { Graph, onnxContext, type OnnxCtx } from './onnx-graph';
import { formsOf } from './ops/index';
import { mlmOnnx } from './ops/mlm-head';

export { ONNX_OPSET } from './onnx-graph';

/** Dropout mask inputs drop.<site>, [B*L, width] of 0 and 1/(1-p), in the order of the definition. */
export function dropoutSites(cfg: EncoderConfig): string[] {
  return archOf(cfg)
    .ops.filter((o) => o.kind === 'dropout')
    .map((o) => o.site!);
}

export interface ForwardGraphOptions {
  /** Dropout mask inputs (training with dropout). */
  dropout: boolean;
  /** Output the activations for the backward graph. */
  save: boolean;
  /** Output the final hidden states [B*L, D] (MLM). */
  hidden: boolean;
}

export interface BackwardGraphOptions {
  dropout: boolean;
  /** Take d loss / d sentence_embedding [B, D]. */
  demb: boolean;
  /** Take d loss / d hidden [B*L, D]. */
  dhidden: boolean;
}

/** A graph with the padded batch's inputs, weights as graph inputs (or initialisers with `weights`). */
export function newGraph(
  cfg: EncoderConfig,
  dropout: boolean,
  weights?: Float32Array,
  inputs?: (g: Graph) => { ids: string; maskI64: string },
): OnnxCtx {
  const g = new Graph(cfg, weights);
  const io = inputs
    ? inputs(g)
    : { ids: g.input('input_ids', ['B', 'L'], DT.INT64), maskI64: g.input('attention_mask', ['B', 'L'], DT.INT64) };
  return onnxContext(g, cfg, { dropout, ...io, inference: weights !== undefined });
}

/** Emit the forward nodes of `prog`: every value by name, and the op-internal tensors the backward may read. */
export function emitForward(c: OnnxCtx, prog: Program) {
  const values = new Map<string, string>();
  const internals = new Map<string, { t: string; dims: (number | string)[] }>();
  c.keepInternal = (name, t, dims) => void internals.set(name, { t, dims });
  for (const s of prog.steps)
    values.set(
      s.op.out,
      formsOf(s.op.kind).onnxForward(
        c,
        s.op,
        s.inputs.map((v) => values.get(v)!),
      ),
    );
  return { values, internals };
}

/**
 * Emit the backward nodes of `prog` in reverse, from the gradients in `d` (value -> tensor);
 * `value(name)` gives a forward value (an op's input or its own output) when an op's backward asks for one.
 */
function emitBackward(c: OnnxCtx, prog: Program, d: Map<string, string>, value: (name: string) => string): void {
  for (let k = prog.steps.length - 1; k >= 0; k--) {
    const s = prog.steps[k]!;
    const dy = d.get(s.op.out);
    if (!dy) continue;
    const dxs = formsOf(s.op.kind).onnxBackward(
      c,
      s.op,
      (i) => value(s.inputs[i]!),
      dy,
      () => value(s.op.out),
    );
    dxs.forEach((dx, i) => {
      if (!dx) return;
      const v = s.inputs[i]!;
      const old = d.get(v);
      d.set(v, old ? c.g.op('Add', [old, dx]) : dx);
    });
  }
}

/**
 * Values for a backward graph without its forward: an op with a cheap forward (LayerNorm, GELU)
 * is recomputed from its own inputs, any other value is the graph input save.<name>.
 */
function savedOrRecomputed(c: OnnxCtx, prog: Program): (name: string) => string {
  const producer = new Map(prog.steps.map((s) => [s.op.out, s]));
  const memo = new Map<string, string>();
  c.saved = (name, dims) => c.g.input(`save.${name}`, dims);
  const value = (name: string): string => {
    const hit = memo.get(name);
    if (hit) return hit;
    const s = producer.get(name)!;
    const f = formsOf(s.op.kind);
    const v = f.onnxRecompute
      ? f.onnxRecompute(c, s.op, (i) => value(s.inputs[i]!))
      : c.g.input(`save.${name}`, [s.op.perText ? 'B' : 'BL', s.op.width]);
    memo.set(name, v);
    return v;
  };
  return value;
}

/** The backward nodes and their inputs. */
function backwardInto(c: OnnxCtx, cfg: EncoderConfig, o: BackwardGraphOptions): void {
  if (!o.demb && !o.dhidden) throw new Error('backwardGraph: give demb and/or dhidden');
  const prog = program(archOf(cfg), o.dropout);
  const d = new Map<string, string>();
  if (o.dhidden) d.set(prog.hidden, c.g.input('d_hidden', ['BL', c.D]));
  if (o.demb) d.set(prog.embedding, c.g.input('d_sentence_embedding', ['B', c.D]));
  emitBackward(c, prog, d, savedOrRecomputed(c, prog));
}

const saved = new WeakMap<EncoderConfig, Map<boolean, string[]>>();

/** The values the forward saves for the backward (graph outputs save.<name>): what the backward graph reads. */
export function savedNames(cfg: EncoderConfig, dropout: boolean): string[] {
  let m = saved.get(cfg);
  if (!m) saved.set(cfg, (m = new Map()));
  let names = m.get(dropout);
  if (!names) {
    const c = newGraph(cfg, dropout);
    backwardInto(c, cfg, { dropout, demb: true, dhidden: true });
    names = c.g.inputs.map((i) => i.name).filter((n) => n.startsWith('save.'));
    m.set(dropout, names);
  }
  return names;
}

/** ONNX bytes of the training forward. */
export function forwardGraph(cfg: EncoderConfig, o: ForwardGraphOptions): Uint8Array {
  const c = newGraph(cfg, o.dropout);
  const prog = program(archOf(cfg), o.dropout);
  const { values, internals } = emitForward(c, prog);
  const g = c.g;
  // outputs under their own names, not copies (Identity nodes): onnxruntime would copy each one
  g.outputAs(values.get(prog.embedding)!, 'sentence_embedding', ['B', c.D]);
  if (o.hidden) g.outputAs(values.get(prog.hidden)!, 'hidden', ['BL', c.D]);
  if (o.save) {
    const dims = new Map(prog.steps.map((s) => [s.op.out, [s.op.perText ? 'B' : 'BL', s.op.width]]));
    for (const n of savedNames(cfg, o.dropout)) {
      const name = n.slice('save.'.length);
      const internal = internals.get(name);
      if (internal) g.outputAs(internal.t, n, internal.dims);
      else g.outputAs(values.get(name)!, n, dims.get(name)!);
    }
  }
  return g.bytes('gecko_forward');
}

/** ONNX bytes of the training backward. */
export function backwardGraph(cfg: EncoderConfig, o: BackwardGraphOptions): Uint8Array {
  const c = newGraph(cfg, o.dropout);
  backwardInto(c, cfg, o);
  return c.g.bytes('gecko_backward');
}

/**
 * ONNX bytes of one whole contrastive step on `subs` padded sub-batches in one run: each sub-batch's
 * forward (inputs s<k>.input_ids, s<k>.attention_mask [, s<k>.drop.<site>], dims B.s<k>, L.s<k>),
 * their embeddings stacked in sub-batch order, the loss (losses/contrastive-onnx.ts: its inputs
 * loss.qsel, loss.sel, loss.mask, loss.eye say which stacked row is which text), the loss's
 * gradient split back by loss.split (int64 [subs]: each sub-batch's text count), and each
 * sub-batch's backward reading its forward's own tensors. Outputs: loss [], grad.<param> summed
 * over the sub-batches, s<k>.d_embedded [B*L, D] (onnx-replica.ts adds those into the tables).
 * Nothing but the gradients leaves onnxruntime: the two-graph step hands every saved activation
 * to JS and back (experiments.md).
 */
export function stepGraph(cfg: EncoderConfig, o: { dropout: boolean; subs: number; loss: OnnxLossSpec }): Uint8Array {
  const g = new Graph(cfg);
  const prog = program(archOf(cfg), o.dropout);
  const runs = Array.from({ length: o.subs }, (_, k) => {
    const p = `s${k}.`;
    const c = onnxContext(g, cfg, {
      dropout: o.dropout,
      ids: g.input(`${p}input_ids`, [`B.s${k}`, `L.s${k}`], DT.INT64),
      maskI64: g.input(`${p}attention_mask`, [`B.s${k}`, `L.s${k}`], DT.INT64),
      prefix: p,
    });
    return { c, ...emitForward(c, prog) };
  });
  const stacked = runs.map((r) => r.values.get(prog.embedding)!);
  const E = stacked.length === 1 ? stacked[0]! : g.op('Concat', stacked, { axis: 0 });
  const { loss, dE } = contrastiveLossOnnx(g, E, cfg.dModel, o.loss);
  g.outputAs(loss, 'loss', []);
  const parts =
    o.subs === 1 ? [dE] : g.opN('Split', [dE, g.input('loss.split', [o.subs], DT.INT64)], o.subs, { axis: 0 });
  g.gradSink = new Map();
  runs.forEach((r, k) => {
    r.c.saved = (name) => r.internals.get(name)!.t;
    emitBackward(r.c, prog, new Map([[prog.embedding, parts[k]!]]), (n) => r.values.get(n)!);
  });
  const sink = g.gradSink;
  g.gradSink = undefined;
  for (const [param, ts] of sink) {
    const sum = ts.reduce((a, t) => g.op('Add', [a, t]));
    g.outputAs(sum, `grad.${param}`, g.shape(param));
  }
  return g.bytes('gecko_step');
}

/**
 * ONNX bytes of one whole MLM step on a padded sub-batch: forward to the hidden states, the MLM
 * head (ops/mlm-head.ts: tied output layer, cross-entropy summed over the masked rows times
 * mlm_scale = 1 / the step's masked-token count), and the backward.
 *   extra inputs  mlm_rows int64 [M], mlm_targets int64 [M], mlm_scale float []
 *   extra outputs mlm_loss float [], grad.head.tok_emb [V, D], grad.mlm.bias [V]
 */
export function mlmGraph(cfg: EncoderConfig, o: { dropout: boolean }): Uint8Array {
  const arch = archOf(cfg);
  const c = newGraph(cfg, o.dropout);
  const prog = program(arch, o.dropout, [arch.hidden]);
  const { values, internals } = emitForward(c, prog);
  c.saved = (name) => internals.get(name)!.t;
  const hidden = values.get(prog.hidden)!;
  emitBackward(c, prog, new Map([[prog.hidden, mlmOnnx(c, arch.mlm, hidden)]]), (n) => values.get(n)!);
  return c.g.bytes('gecko_mlm');
}
