// A small checkpoint inside a run folder (config.json, one eval result), for the export tests.
// Its weights are drawn large (N(0, 0.3), LayerNorm gains 1 +- 0.3, non-zero biases) so that
// every parameter visibly shapes the embeddings: a wrong transpose or a dropped bias shows.
import { join } from 'node:path';
import { Rng } from '../../lib/core/rng';
import { writeJson } from '../../lib/core/fs';
import { saveCheckpoint } from '../../lib/encoder/checkpoint';
import { encoderConfigFrom, type EncoderConfig } from '../../lib/encoder/config';
import { paramCount, paramSpecs } from '../../lib/encoder/params';
import { trainWordPiece } from '../../lib/encoder/wordpiece-train';

export const FIXTURE_TEXTS = [
  'task: search result | query: who wrote hamlet',
  'title: none | text: Hamlet is a tragedy written by William Shakespeare.',
  'the cat sat on the mat',
  'stock prices fell sharply today as markets reacted to the news',
  'a',
  // longer than maxLen: exercises truncation
  'the football match ended in a draw after the home team scored late in the second half of a long and tiring game',
];

export function fixtureParams(cfg: EncoderConfig, seed: number): Float32Array {
  const specs = paramSpecs(cfg);
  const flat = new Float32Array(paramCount(specs));
  const rng = new Rng(seed);
  for (const s of specs) {
    const one = s.name.endsWith('.g');
    for (let i = s.offset; i < s.offset + s.size; i++) flat[i] = (one ? 1 : 0) + 0.3 * rng.normal();
  }
  return flat;
}

/** Writes <run>/<stage>/ckpt, or <run>/ckpt when stage is null (+ run config.json, env.json and one eval result). */
export function makeFixtureRun(
  dir: string,
  stage: string | null = 'finetune',
): { runDir: string; ckptDir: string; id: string; cfg: EncoderConfig } {
  const tok = trainWordPiece(FIXTURE_TEXTS.concat(['dogs chase cats in the park', 'question answering is fun']), {
    vocabSize: 120,
    lowercase: true,
  });
  const cfg = encoderConfigFrom({ layers: 2, dModel: 16, heads: 4, ffn: 24, maxLen: 12, dropout: 0.1 }, tok.vocabSize);
  const runDir = join(dir, 'runs', '20260101-000000-fixture-abcdef12');
  const ckptDir = stage ? join(runDir, stage, 'ckpt') : join(runDir, 'ckpt');
  const id = saveCheckpoint(ckptDir, {
    config: cfg,
    params: fixtureParams(cfg, 7),
    tokenizer: tok,
    meta: { stage: 'finetune', step: 3 },
  });
  writeJson(join(runDir, 'env.json'), { command: 'fixture' });
  writeJson(join(runDir, 'config.json'), {
    preset: 'fixture',
    hash: 'abcdef12',
    overrides: [],
    config: { name: 'fixture', seed: 7, finetune: { matryoshkaDims: [16, 8] }, encoder: { layers: 2 } },
  });
  writeJson(join(runDir, 'eval', id.replace(/[^A-Za-z0-9._-]+/g, '_'), 'd16', 'SciFact.json'), {
    mteb_version: '1.12.0',
    task_name: 'SciFact',
    task_type: 'Retrieval',
    model: id,
    dim: 16,
    scores: { test: [{ main_score: 0.123456, hf_subset: 'default', languages: ['eng'] }] },
    eval_config: { maxQueries: 30, maxCorpus: 300, maxTrain: 200, maxTest: 100, seed: 7 },
  });
  return { runDir, ckptDir, id, cfg };
}
