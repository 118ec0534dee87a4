// The encoder's architecture: the experiment config's `encoder` section plus the
// tokenizer's vocabulary size. Saved inside every checkpoint.
import type { ExperimentConfig } from '../config/schema';
import { ConfigError } from '../core/errors';

export interface EncoderConfig {
  vocabSize: number;
  layers: number;
  dModel: number;
  heads: number;
  ffn: number;
  /** Longest input in tokens (learned positions 0..maxLen-1); longer texts are truncated. */
  maxLen: number;
  /** Dropout on the embeddings, the attention output and the FFN output (training only). */
  dropout: number;
  /** LayerNorm epsilon. */
  lnEps: number;
  // Architecture options of the model definition (arch.ts); each absent = today's encoder.
  /** A LayerNorm on the embeddings (emb_ln.g, emb_ln.b) before the first block. */
  embLayerNorm?: boolean;
  /** 'pre' (default): x + f(LN(x)); 'post' (BERT): LN(x + f(x)), and no final LayerNorm. */
  norm?: 'pre' | 'post';
  /** The FFN's activation: exact GELU (default) or ReLU. */
  activation?: 'gelu' | 'relu';
  /** Sentence embedding: mean over the real tokens (default) or the first token (CLS); then L2 norm. */
  pooling?: 'mean' | 'cls';
  /** One token-type row (type_emb [1, D]) added to every token: BERT's type 0, folded. */
  tokenTypeRow?: boolean;
  /** Position rows: a learned table pos_emb (default) or the fixed sinusoidal timing signal (no parameters). */
  positions?: 'learned' | 'sinusoidal';
  /** Token j reads row j + positionOffset of pos_emb (XLM-R: padding_idx + 1); the table has maxLen + offset rows. */
  positionOffset?: number;
  /**
   * Width of the token embeddings when it differs from dModel (USE-lite: 256, then 512): the first
   * block attends at this width (q|k|v of 3 x embDim, heads of embDim / heads), its output projection
   * maps to dModel and its residual is the raw block input through a dense embDim -> dModel.
   */
  embDim?: number;
  /** A LayerNorm after the last pre-LN block (default true; USE-lite has none). */
  finalLayerNorm?: boolean;
  /** After pooling (without normalising), tanh(x W + b) with W dModel x dModel (tanh.w, tanh.b), then L2 (USE-lite). */
  poolHead?: 'tanh';
  /** Text prompts by name (sentence-transformers' prompts of an imported checkpoint: query, passage...), prepended to role texts at encoding and in training (prompts.ts). Not part of the forward pass. */
  prompts?: Record<string, string>;
}

/**
 * Build the encoder config from the experiment config's `encoder` section.
 * @example const cfg = encoderConfigFrom(config.encoder, tokenizer.vocabSize);
 */
export function encoderConfigFrom(section: ExperimentConfig['encoder'], vocabSize: number): EncoderConfig {
  const cfg: EncoderConfig = { vocabSize, ...section, lnEps: 1e-5 };
  checkEncoderConfig(cfg);
  return cfg;
}

export function checkEncoderConfig(cfg: EncoderConfig): void {
  if (cfg.dModel % cfg.heads !== 0)
    throw new ConfigError('encoder.heads', `dModel ${cfg.dModel} is not divisible by heads ${cfg.heads}`);
  if (cfg.embDim !== undefined && !(Number.isInteger(cfg.embDim) && cfg.embDim > 0 && cfg.embDim % cfg.heads === 0))
    throw new ConfigError(
      'encoder.embDim',
      `must be a positive integer divisible by heads ${cfg.heads}, got ${cfg.embDim}`,
    );
  for (const k of ['vocabSize', 'layers', 'dModel', 'heads', 'ffn', 'maxLen'] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] < 1)
      throw new ConfigError(`encoder.${k}`, `must be a positive integer, got ${cfg[k]}`);
  }
  const choices: [keyof EncoderConfig, readonly unknown[]][] = [
    ['embLayerNorm', [true, false]],
    ['tokenTypeRow', [true, false]],
    ['norm', ['pre', 'post']],
    ['activation', ['gelu', 'relu']],
    ['pooling', ['mean', 'cls']],
    ['positions', ['learned', 'sinusoidal']],
    ['finalLayerNorm', [true, false]],
    ['poolHead', ['tanh']],
  ];
  for (const [k, allowed] of choices)
    if (cfg[k] !== undefined && !allowed.includes(cfg[k]))
      throw new ConfigError(`encoder.${k}`, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(cfg[k])}`);
  if (cfg.positionOffset !== undefined && !(Number.isInteger(cfg.positionOffset) && cfg.positionOffset >= 0))
    throw new ConfigError('encoder.positionOffset', `must be a non-negative integer, got ${cfg.positionOffset}`);
  if (
    cfg.prompts !== undefined &&
    (typeof cfg.prompts !== 'object' || Object.values(cfg.prompts).some((p) => typeof p !== 'string'))
  )
    throw new ConfigError('encoder.prompts', `must map prompt names to strings, got ${JSON.stringify(cfg.prompts)}`);
  if (!(cfg.dropout >= 0 && cfg.dropout < 1))
    throw new ConfigError('encoder.dropout', `must be in [0, 1), got ${cfg.dropout}`);
}
