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
  /** A LayerNorm on the embeddings (emb_ln.g, emb_ln.b) before the first block; absent = off (arch.ts). */
  embLayerNorm?: boolean;
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
  for (const k of ['vocabSize', 'layers', 'dModel', 'heads', 'ffn', 'maxLen'] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] < 1)
      throw new ConfigError(`encoder.${k}`, `must be a positive integer, got ${cfg[k]}`);
  }
  if (!(cfg.dropout >= 0 && cfg.dropout < 1))
    throw new ConfigError('encoder.dropout', `must be in [0, 1), got ${cfg.dropout}`);
}
