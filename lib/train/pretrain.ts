// Masked-language-model pretraining: our small stand-in for Gecko's pretrained LM.
// 1. the corpus: passages of the configured seed corpora (training splits only);
// 2. a WordPiece vocabulary trained on it (deterministic), saved with the model;
// 3. the text cut into windows of pretrain.seqLen tokens;
// 4. BERT masking per step (maskProb of the tokens; 80% [MASK], 10% random, 10% kept),
//    seeded by (run seed, step), and the MLM loss with the output tied to the embeddings.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentConfig } from '../config/schema';
import { GeckoError } from '../core/errors';
import type { Logger } from '../core/log';
import { deriveSeed, rngFor } from '../core/rng';
import { loadPassages } from '../data/passages';
import { encoderConfigFrom } from '../encoder/config';
import { initParams } from '../encoder/params';
import { loadTokenizer, saveTokenizer, type TextTokenizer } from '../encoder/tokenizer';
import { trainWordPiece } from '../encoder/wordpiece-train';
import { batchIndices } from './batches';
import type { MlmBatch } from './engine';
import { runLoop, type LoopResult } from './loop';

/** One passage as pretraining text: "title. text". */
export const pretrainText = (p: { title?: string; text: string }): string =>
  p.title ? `${p.title}. ${p.text}` : p.text;

/**
 * The pretraining texts of the configured corpora (title and text of every passage).
 * @example pretrainCorpus(['ag_news']).length
 */
export function pretrainCorpus(corpora: readonly string[], dataDir?: string): string[] {
  const out: string[] = [];
  for (const name of corpora) {
    for (const p of loadPassages(name, dataDir ? { dataDir } : {})) out.push(pretrainText(p));
  }
  if (out.length === 0)
    throw new GeckoError(
      `pretrain.corpora ${JSON.stringify(corpora)} gave no text`,
      'list at least one seed corpus: bbc_news, ag_news, squad_v1.1_dev',
    );
  return out;
}

/** Cut each text's token ids into windows of at most seqLen tokens (windows under 4 tokens are dropped). */
export function tokenWindows(texts: readonly string[], tok: TextTokenizer, seqLen: number): number[][] {
  const out: number[][] = [];
  for (const t of texts) {
    const ids = tok.encode(t);
    for (let i = 0; i < ids.length; i += seqLen) {
      const w = ids.slice(i, i + seqLen);
      if (w.length >= 4) out.push(w);
    }
  }
  return out;
}

/**
 * BERT-style masking of a batch, seeded: each non-special token is picked with probability
 * maskProb (at least one per sequence); a picked token becomes [MASK] (80%), a random token
 * (10%) or stays (10%), and must be predicted.
 */
export function maskBatch(seqs: readonly number[][], tok: TextTokenizer, maskProb: number, seed: number): MlmBatch {
  if (tok.maskId < 0)
    throw new GeckoError('the tokenizer has no mask token', 'MLM pretraining needs a [MASK] or <mask> token');
  const rng = rngFor(seed, 'mask');
  const special = new Set(tok.specialIds);
  const out: MlmBatch = { seqs: [], maskedPositions: [], targets: [] };
  for (const s of seqs) {
    const ids = s.slice();
    const pos: number[] = [];
    const candidates = ids.map((id, i) => (special.has(id) ? -1 : i)).filter((i) => i >= 0);
    for (const i of candidates) if (rng.float() < maskProb) pos.push(i);
    if (pos.length === 0 && candidates.length) pos.push(rng.choice(candidates));
    const targets = pos.map((i) => ids[i]!);
    for (const i of pos) {
      const u = rng.float();
      if (u < 0.8) ids[i] = tok.maskId;
      else if (u < 0.9) ids[i] = rng.int(tok.vocabSize);
    }
    out.seqs.push(ids);
    out.maskedPositions.push(pos);
    out.targets.push(targets);
  }
  return out;
}

export interface PretrainOptions {
  config: Readonly<ExperimentConfig>;
  /** Stage folder: tokenizer.json, metrics.jsonl, ckpt/. */
  dir: string;
  log: Logger;
  /** Texts to pretrain on (default: pretrainCorpus(config.pretrain.corpora)). */
  texts?: readonly string[];
  replicas?: number;
  stopAfter?: number;
  showProgress?: boolean;
}

/**
 * Train the tokenizer and pretrain the encoder with MLM; resumes from `dir/ckpt` if present.
 * @example const r = await pretrain({ config, dir: ctx.path('pretrain'), log: ctx.log }); r.checkpoint
 */
export async function pretrain(o: PretrainOptions): Promise<LoopResult> {
  const c = o.config;
  const texts = o.texts ?? pretrainCorpus(c.pretrain.corpora);
  const tokPath = join(o.dir, 'tokenizer.json');
  let tok: TextTokenizer;
  if (existsSync(tokPath)) {
    tok = loadTokenizer(tokPath);
  } else {
    const t0 = Date.now();
    tok = trainWordPiece(texts, { vocabSize: c.tokenizer.vocabSize, lowercase: c.tokenizer.lowercase });
    saveTokenizer(tokPath, tok);
    o.log.info(
      `pretrain: WordPiece vocabulary of ${tok.vocabSize} tokens trained on ${texts.length} texts in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  const cfg = encoderConfigFrom(c.encoder, tok.vocabSize);
  const seqLen = Math.min(c.pretrain.seqLen, cfg.maxLen);
  const windows = tokenWindows(texts, tok, seqLen);
  o.log.info(`pretrain: ${windows.length} windows of <= ${seqLen} tokens`);
  const p = c.pretrain;
  return runLoop({
    stage: 'pretrain',
    dir: o.dir,
    config: cfg,
    tokenizer: tok,
    init: () => initParams(cfg, deriveSeed(c.seed, 'encoder-init')),
    steps: p.steps,
    lr: p.lr,
    warmupSteps: p.warmupSteps,
    clipNorm: p.clipNorm,
    weightDecay: p.weightDecay,
    checkpointEvery: p.checkpointEvery,
    step: (engine, s) => {
      const seqs = batchIndices(windows.length, p.batchSize, s, c.seed, 'pretrain').map((i) => windows[i]!);
      const batch = maskBatch(seqs, tok, p.maskProb, deriveSeed(c.seed, 'pretrain', 'mask', s));
      const dropoutSeeds = seqs.map((_, i) => deriveSeed(c.seed, 'pretrain', 'dropout', s, i));
      return engine.mlm(batch, { chunkSize: p.chunkSize > 0 ? p.chunkSize : seqs.length, dropoutSeeds });
    },
    meta: { corpora: p.corpora, windows: windows.length },
    replicas: o.replicas,
    log: o.log,
    stopAfter: o.stopAfter,
    showProgress: o.showProgress,
  });
}
