// Our encoder as an evaluation model (imported lazily by models.ts: it loads TF.js):
//   <checkpoint dir>        a trained checkpoint (gecko pretrain / gecko train output)
//   random:<checkpoint dir> the same architecture and tokenizer with seeded random weights
//   random                  config.encoder architecture, WordPiece trained (deterministically)
//                           on config.pretrain.corpora, seeded random weights
import type { ExperimentConfig } from '../config/schema';
import { GeckoError } from '../core/errors';
import { existsSync } from '../core/fs';
import { loadPassages } from '../data/passages';
import { isCheckpoint, loadCheckpoint } from '../encoder/checkpoint';
import { loadEmbedder, randomEmbedder, type EncoderEmbedder } from '../encoder/embedder';
import { rolePrompts } from '../encoder/prompts';
import { trainWordPiece } from '../encoder/wordpiece-train';
import type { EvalModel } from './runners/context';

/**
 * Our encoder as a dense eval model, with its checkpoint's prompts (none unless imported with them):
 * random:<ckpt> keeps them too, so the untrained control sees the same inputs as the checkpoint.
 */
function encoderModel(embedder: EncoderEmbedder): EvalModel {
  return { kind: 'dense', id: embedder.id, embedder, prompts: rolePrompts(embedder.config) };
}

/** A checkpoint folder as a dense eval model. */
export async function checkpointModel(dir: string): Promise<EvalModel> {
  if (!existsSync(dir) || !isCheckpoint(dir)) {
    throw new GeckoError(
      `'${dir}' is not an encoder checkpoint folder (encoder.json + weights.bin + tokenizer.json)`,
      'pass the ckpt folder of a gecko pretrain / gecko train run, or bm25, hash, random, openai:NAME',
    );
  }
  const embedder = await loadEmbedder(dir);
  return encoderModel(embedder);
}

/** A random-init encoder: like `fromCheckpoint` (architecture and tokenizer), else from the config. */
export async function randomModel(config: ExperimentConfig, fromCheckpoint?: string): Promise<EvalModel> {
  if (fromCheckpoint) {
    if (!isCheckpoint(fromCheckpoint))
      throw new GeckoError(
        `random:${fromCheckpoint}: not an encoder checkpoint folder`,
        'use random:<ckpt folder> or plain random',
      );
    const ck = loadCheckpoint(fromCheckpoint);
    const embedder = await randomEmbedder(ck.config, config.seed, ck.tokenizer);
    return encoderModel(embedder);
  }
  const texts: string[] = [];
  for (const corpus of config.pretrain.corpora)
    for (const p of loadPassages(corpus)) texts.push(p.title ? `${p.title} ${p.text}` : p.text);
  const tokenizer = trainWordPiece(texts, {
    vocabSize: config.tokenizer.vocabSize,
    lowercase: config.tokenizer.lowercase,
  });
  const embedder = await randomEmbedder(config.encoder, config.seed, tokenizer);
  return encoderModel(embedder);
}
