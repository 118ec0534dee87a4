// Issue 19 §3: the backbone a run starts from (pretrain.backbone). USE-lite and the tiny XLM-R of
// test/fixtures/hf load with their inputs cut to encoder.maxLen (the weights otherwise untouched),
// a config that contradicts the backbone's shape is refused with the --set flags that fix it, and
// the pretrain stage imports instead of pretraining, content-addressed by the backbone.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../lib/config/resolve';
import { backboneConfig, checkBackboneShape, loadBackbone } from '../../lib/encoder/backbone';
import { loadCheckpoint } from '../../lib/encoder/checkpoint';
import { paramSpecs } from '../../lib/encoder/params';
import { importHfEncoder } from '../../lib/encoder/hf-map';
import { importUseLite } from '../../lib/encoder/use-lite-import';
import { pipelineContext } from '../../lib/pipeline/context';
import { stagePlan } from '../../lib/pipeline/stages';
import { pretrainForRun } from '../../lib/pipeline/pretrain-stages';

const XLMR = join('test', 'fixtures', 'hf', 'xlmr-mean');
const T = mkdtempSync(join(tmpdir(), 'gecko-backbone-'));
afterAll(() => rmSync(T, { recursive: true, force: true }));

/** Bitwise equality of two float arrays (vitest's deep equal is slow on millions of values). */
const same = (a: Float32Array, b: Float32Array) =>
  a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const param = (ck: { config: Parameters<typeof paramSpecs>[0]; params: Float32Array }, name: string) => {
  const s = paramSpecs(ck.config).find((p) => p.name === name)!;
  return ck.params.subarray(s.offset, s.offset + s.size);
};

describe('loadBackbone', () => {
  it('USE-lite cut to 64 tokens keeps every weight (sinusoidal positions have no table)', () => {
    const full = importUseLite();
    const cut = loadBackbone('use-lite', 64);
    expect(full.config.maxLen).toBe(128);
    expect(cut.config.maxLen).toBe(64);
    expect(same(cut.params, full.params)).toBe(true);
    expect(cut.meta.backbone).toBe('use-lite');
  });

  it('a learned position table keeps its first rows (the tiny XLM-R, offset 2)', () => {
    const full = importHfEncoder(XLMR);
    const cut = loadBackbone(XLMR, 16);
    expect(cut.config.maxLen).toBe(16);
    const a = param(full, 'pos_emb'),
      b = param(cut, 'pos_emb');
    const d = full.config.dModel;
    expect(b.length).toBe((16 + (full.config.positionOffset ?? 0)) * d);
    expect(same(b, a.subarray(0, b.length))).toBe(true);
    expect(same(param(cut, 'tok_emb'), param(full, 'tok_emb'))).toBe(true);
    expect(b.length).toBeLessThan(a.length);
  });

  it('refuses a longer input than the backbone reads, and an unknown spec, naming the key', () => {
    expect(() => loadBackbone('use-lite', 256)).toThrow(/encoder\.maxLen.*at most 128/);
    expect(() => loadBackbone(join(T, 'nothing-here'))).toThrow(
      /pretrain\.backbone.*neither 'scratch', 'use-lite' nor a folder/,
    );
    expect(() => loadBackbone(T)).toThrow(/neither a gecko checkpoint .* nor a Hugging Face model/);
  });
});

describe('checkBackboneShape', () => {
  it('passes the demo preset and refuses the scratch shape on USE-lite, with the --set flags', () => {
    const demo = resolveConfig('demo').config;
    expect(demo.pretrain.backbone).toBe('use-lite');
    expect(() => checkBackboneShape('use-lite', demo.encoder)).not.toThrow();
    const scratch = resolveConfig('scratch').config;
    expect(() => checkBackboneShape('use-lite', scratch.encoder)).toThrow(
      /backbone USE-lite has layers 2|dModel 512[\s\S]*--set encoder\.layers=2 encoder\.dModel=512 encoder\.heads=4 encoder\.ffn=1536/,
    );
    expect(() => checkBackboneShape('scratch', scratch.encoder)).not.toThrow();
    expect(backboneConfig(XLMR).dModel).toBe(32);
  });

  it("reads a Hugging Face folder's shape without its weights (corrupt or absent: the same config)", () => {
    const full = importHfEncoder(XLMR).config;
    expect(backboneConfig(XLMR)).toEqual(full);
    const bert = join('test', 'fixtures', 'hf', 'bert-cls');
    expect(backboneConfig(bert)).toEqual(importHfEncoder(bert).config);
    const corrupt = join(T, 'xlmr-corrupt-weights'),
      absent = join(T, 'xlmr-no-weights');
    cpSync(XLMR, corrupt, { recursive: true });
    writeFileSync(join(corrupt, 'model.safetensors'), 'not a safetensors file');
    cpSync(XLMR, absent, { recursive: true });
    rmSync(join(absent, 'model.safetensors'));
    for (const dir of [corrupt, absent]) {
      expect(backboneConfig(dir)).toEqual(full);
      expect(() => checkBackboneShape(dir, { layers: 2, dModel: 32, heads: 4, ffn: 64, maxLen: 16 })).not.toThrow();
    }
    // importing does read them
    expect(() => loadBackbone(corrupt)).toThrow(/safetensors|header/i);
    expect(() => loadBackbone(absent)).toThrow(/no model\.safetensors/);
  });
});

describe('the pretrain stage on a backbone', () => {
  const cfg = (over: Record<string, unknown> = {}) =>
    resolveConfig('smoke', {
      pretrain: { backbone: XLMR },
      encoder: { layers: 2, dModel: 32, heads: 4, ffn: 64, maxLen: 16 },
      ...over,
    }).config;

  it('imports instead of pretraining; the hash follows the backbone and maxLen, not the MLM keys', async () => {
    const a = stagePlan(cfg(), {}, T).pretrain;
    expect(stagePlan(cfg({ pretrain: { backbone: XLMR, steps: 999 } }), {}, T).pretrain.hash).toBe(a.hash);
    expect(
      stagePlan(cfg({ encoder: { layers: 2, dModel: 32, heads: 4, ffn: 64, maxLen: 12 } }), {}, T).pretrain.hash,
    ).not.toBe(a.hash);
    expect(stagePlan(resolveConfig('smoke').config, {}, T).pretrain.hash).not.toBe(a.hash);

    const run = await pretrainForRun(pipelineContext(cfg(), { root: T }));
    expect(run.steps).toBe(0);
    const ck = loadCheckpoint(run.checkpoint);
    expect(ck.config.maxLen).toBe(16);
    expect(ck.config.positionOffset).toBe(2);
    expect(same(param(ck, 'tok_emb'), param(importHfEncoder(XLMR), 'tok_emb'))).toBe(true);
    // read back, not imported again
    expect((await pretrainForRun(pipelineContext(cfg(), { root: T }))).checkpointId).toBe(ck.id);
  });

  it('refuses an encoder section that contradicts the backbone before importing', async () => {
    const bad = resolveConfig('smoke', { pretrain: { backbone: XLMR } }).config; // smoke: 1 layer, d 32
    await expect(pretrainForRun(pipelineContext(bad, { root: T }))).rejects.toThrow(/--set encoder\.layers=2/);
  });
});
