// Our encoder in the harness: a checkpoint folder and random:<ckpt> as --model, every task at
// two dims through `gecko eval` (the smoke integration with a real encoder), and clear errors.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main';
import { PRESETS } from '../../lib/config/presets';
import { saveCheckpoint } from '../../lib/encoder/checkpoint';
import { encoderConfigFrom } from '../../lib/encoder/config';
import { initParams } from '../../lib/encoder/params';
import { trainWordPiece } from '../../lib/encoder/wordpiece-train';
import { closeModel, resolveModel } from '../../lib/eval/models';
import type { EvalModel } from '../../lib/eval/runners/context';
import { resultFiles } from '../../lib/eval/results';
import { SHARED_DATA, have, tmpDir } from '../helpers';

const ok = have(join(SHARED_DATA, 'scifact', 'corpus.jsonl'), 'shared data sets');
const texts = [
  'the cat sat on the mat',
  'dogs chase cats in the park',
  'stock prices fell sharply today',
  'the football match ended in a draw',
  'claims about cells and genes',
];
const tok = trainWordPiece(texts, { vocabSize: 120, lowercase: true });
const cfg = encoderConfigFrom(PRESETS.smoke.encoder, tok.vocabSize); // 32-d
const ckpt = join(tmpDir('gecko-ckpt-'), 'ckpt');
saveCheckpoint(ckpt, { config: cfg, params: initParams(cfg, 3), tokenizer: tok, meta: { stage: 'test' } });

describe('encoder checkpoints as eval models', () => {
  const open: EvalModel[] = [];
  afterAll(async () => {
    for (const m of open) await closeModel(m);
  });

  it('resolves a checkpoint folder and random:<ckpt> (same shape, other weights, random id)', async () => {
    const m = await resolveModel(ckpt);
    const r = await resolveModel(`random:${ckpt}`, { config: PRESETS.smoke });
    open.push(m, r);
    expect(m.kind === 'dense' && m.id).toMatch(/^ckpt:[0-9a-f]{12}$/);
    expect(r.kind === 'dense' && r.id).toMatch(/^random:/);
    if (m.kind !== 'dense' || r.kind !== 'dense') return;
    const [a] = await m.embedder.embed(['task: search result | query: cats']);
    const [b] = await r.embedder.embed(['task: search result | query: cats']);
    expect(a).toHaveLength(32);
    expect(b).toHaveLength(32);
    expect(Array.from(a!)).not.toEqual(Array.from(b!));
  });

  it('explains a folder that is not a checkpoint, and an unknown spec', async () => {
    const dir = tmpDir('gecko-notckpt-');
    mkdirSync(join(dir, 'x'));
    await expect(resolveModel(dir)).rejects.toThrow(/is not an encoder checkpoint folder[\s\S]*fix:/);
    await expect(resolveModel('no-such-model')).rejects.toThrow(/unknown model 'no-such-model'[\s\S]*bm25/);
  });
});

describe.runIf(ok)('gecko eval on an encoder checkpoint (smoke preset)', () => {
  it('runs every task at two dims and writes the result files', async () => {
    const out = tmpDir('gecko-eval-ckpt-');
    const saved = { data: process.env.GECKO_DATA_DIR, cache: process.env.GECKO_CACHE_DIR };
    process.env.GECKO_DATA_DIR = SHARED_DATA;
    process.env.GECKO_CACHE_DIR = tmpDir('gecko-cache-');
    try {
      expect(
        await main([
          'eval',
          '--model',
          ckpt,
          '--tasks',
          'all',
          '--dims',
          '32,8',
          '--preset',
          'smoke',
          '--out',
          out,
          '--json',
        ]),
      ).toBe(0);
    } finally {
      for (const [k, v] of [
        ['GECKO_DATA_DIR', saved.data],
        ['GECKO_CACHE_DIR', saved.cache],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const [modelDir] = readdirSync(out);
    expect(modelDir).toMatch(/^gecko-workbench__ckpt_[0-9a-f]{12}$/);
    for (const d of ['d32', 'd8']) expect(resultFiles(out).filter((f) => f.includes(`/${d}/`))).toHaveLength(17);
    expect(existsSync(join(out, modelDir!, 'summary.json'))).toBe(true);
  }, 300_000); // 17 tasks x 2 dims on 2 shared cores
});
