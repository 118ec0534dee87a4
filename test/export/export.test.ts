// gecko export: the safetensors writer, the weight mapping to XLMRobertaXLModel's layout and the
// sentence-transformers folder. Numerical parity with PyTorch is in torch-parity.test.ts.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { loadCheckpoint } from '../../lib/encoder/checkpoint';
import { initParams, paramSpecs } from '../../lib/encoder/params';
import { withoutLocalPaths } from '../../lib/export/card';
import { exportCheckpoint } from '../../lib/export/export';
import { hfPositionRows, hfTensors } from '../../lib/export/hf-model';
import { readSafetensors, safetensorsBytes } from '../../lib/export/safetensors';
import { runAsync, tmpDir } from '../helpers';
import { makeFixtureRun } from './fixture';

const ROOT = resolve(__dirname, '..', '..');

describe('safetensors', () => {
  it('writes the 8-byte LE header length, an 8-aligned JSON header and little-endian data', () => {
    const buf = safetensorsBytes(
      [
        { name: 'a', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
        { name: 'b', shape: [1], data: Float32Array.from([-0.5]) },
      ],
      { format: 'pt' },
    );
    const n = Number(buf.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = JSON.parse(buf.subarray(8, 8 + n).toString());
    expect(header.__metadata__).toEqual({ format: 'pt' });
    expect(header.a).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header.b).toEqual({ dtype: 'F32', shape: [1], data_offsets: [24, 28] });
    expect(buf.length).toBe(8 + n + 28);
    expect(buf.readFloatLE(8 + n + 4 * 5)).toBe(6);
    expect(buf.readFloatLE(8 + n + 24)).toBe(-0.5);
  });

  it('round-trips through the reader, and names a truncated file', () => {
    const dir = tmpDir();
    const data = Float32Array.from({ length: 12 }, (_, i) => i / 7);
    const path = join(dir, 'x.safetensors');
    writeFileSync(path, safetensorsBytes([{ name: 'w', shape: [3, 4], data }]));
    const back = readSafetensors(path);
    expect(back.tensors.get('w')!.shape).toEqual([3, 4]);
    expect(back.tensors.get('w')!.data).toEqual(data);
    writeFileSync(path, readFileSync(path).subarray(0, 40));
    expect(() => readSafetensors(path)).toThrow(/x\.safetensors: not a valid safetensors file/);
  });

  it('refuses a shape that does not match the data', () => {
    expect(() => safetensorsBytes([{ name: 'w', shape: [2, 2], data: new Float32Array(3) }])).toThrow(
      /'w' has 3 values/,
    );
  });
});

describe('weights as XLMRobertaXLModel', () => {
  it('refuses a model definition that XLMRobertaXLModel cannot express, naming why', () => {
    const { ckptDir } = makeFixtureRun(tmpDir());
    const cfg = { ...loadCheckpoint(ckptDir).config, embLayerNorm: true };
    expect(() => hfTensors(cfg, initParams(cfg, 1), 0)).toThrow(
      /cannot be written as XLMRobertaXLModel \(it has an embedding LayerNorm\)/,
    );
  });

  it('transposes every linear layer to (out, in), splits q/k/v and offsets positions by pad + 1', () => {
    const { ckptDir } = makeFixtureRun(tmpDir());
    const ck = loadCheckpoint(ckptDir);
    const cfg = ck.config;
    const D = cfg.dModel;
    const byName = new Map(hfTensors(cfg, ck.params, 0).map((t) => [t.name, t]));
    const spec = new Map(paramSpecs(cfg).map((s) => [s.name, s]));
    const ours = (name: string, r: number, c: number, cols: number) =>
      ck.params[spec.get(name)!.offset + r * cols + c]!;
    // key weight (out o, in i) = wqkv[i][D + o]
    const key = byName.get('encoder.layer.1.attention.self.key.weight')!;
    expect(key.shape).toEqual([D, D]);
    expect(key.data[3 * D + 5]).toBe(ours('l1.wqkv', 5, D + 3, 3 * D));
    const value = byName.get('encoder.layer.0.attention.self.value.bias')!;
    expect(value.data[2]).toBe(ours('l0.bqkv', 0, 2 * D + 2, 3 * D));
    const inter = byName.get('encoder.layer.0.intermediate.dense.weight')!;
    expect(inter.shape).toEqual([cfg.ffn, D]);
    expect(inter.data[7 * D + 1]).toBe(ours('l0.w1', 1, 7, cfg.ffn));
    const pos = byName.get('embeddings.position_embeddings.weight')!;
    expect(pos.shape).toEqual([hfPositionRows(cfg, 0), D]);
    expect(pos.data[0]).toBe(0); // row of the pad id: never read for real tokens
    expect(pos.data[1 * D + 4]).toBe(ours('pos_emb', 0, 4, D)); // position 0 -> row pad + 1
    expect(byName.has('mlm.bias')).toBe(false);
    // every parameter but the MLM bias lands somewhere: the tensor sizes add up
    const total = [...byName.values()].reduce((s, t) => s + t.data.length, 0);
    const extra = pos.data.length - cfg.maxLen * D + D /* token type */ + D * D + D; /* pooler */
    expect(total).toBe(ck.params.length - cfg.vocabSize + extra);
  });
});

describe('exportCheckpoint', () => {
  it('writes the sentence-transformers folder with a model card holding the run config and eval score', () => {
    const dir = tmpDir();
    const { ckptDir, runDir, id, cfg } = makeFixtureRun(dir);
    const out = join(dir, 'exported');
    const r = exportCheckpoint(ckptDir, out, { progress: false });
    expect(r.checkpointId).toBe(id);
    expect(r.runDir).toBe(runDir);
    expect(r.scores).toBe(1);
    for (const f of [
      'model.safetensors',
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'modules.json',
      'sentence_bert_config.json',
      'config_sentence_transformers.json',
      '1_Pooling/config.json',
      'README.md',
      'gecko_export.json',
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(statSync(join(out, '2_Normalize')).isDirectory()).toBe(true);
    const json = (f: string) => JSON.parse(readFileSync(join(out, f), 'utf8'));
    const config = json('config.json');
    expect(config.model_type).toBe('xlm-roberta-xl');
    expect(config.architectures).toEqual(['XLMRobertaXLModel']);
    expect(config.hidden_act).toBe('gelu');
    expect(config.max_position_embeddings).toBe(cfg.maxLen + 1);
    expect(json('modules.json').map((m: { type: string }) => m.type)).toEqual([
      'sentence_transformers.models.Transformer',
      'sentence_transformers.models.Pooling',
      'sentence_transformers.models.Normalize',
    ]);
    expect(json('1_Pooling/config.json').pooling_mode_mean_tokens).toBe(true);
    expect(json('sentence_bert_config.json').max_seq_length).toBe(cfg.maxLen);
    expect(json('tokenizer_config.json')).toMatchObject({
      pad_token: '[PAD]',
      tokenizer_class: 'PreTrainedTokenizerFast',
    });
    expect(readFileSync(join(out, 'tokenizer.json'), 'utf8')).toBe(
      readFileSync(join(ckptDir, 'tokenizer.json'), 'utf8'),
    );
    const st = readSafetensors(join(out, 'model.safetensors'));
    expect(st.metadata.gecko_checkpoint).toBe(id);
    expect(st.tensors.size).toBe(3 + 16 * cfg.layers + 4);
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    expect(card).toContain('XLMRobertaXLModel');
    expect(card).toContain('task: {task} | query: {text}');
    expect(card).toMatch(/\| SciFact \| Retrieval \| 16 \| 0\.1235 \| ndcg_at_10 \| maxQueries=30 /);
    expect(card).toContain('"matryoshkaDims"');
    expect(card).toContain('dimensions 16, 8');
  });

  it('finds the run folder of a <run>/ckpt checkpoint too (gecko pretrain/train --out), and works without one', () => {
    const dir = tmpDir();
    const { ckptDir, runDir } = makeFixtureRun(dir, null);
    expect(exportCheckpoint(ckptDir, join(dir, 'o1'), { progress: false })).toMatchObject({ runDir, scores: 1 });
    rmSync(join(runDir, 'config.json'));
    const r = exportCheckpoint(ckptDir, join(dir, 'o2'), { progress: false });
    expect(r.runDir).toBeUndefined();
    expect(readFileSync(join(dir, 'o2', 'README.md'), 'utf8')).toMatch(/not inside a run folder/);
  });

  it('writes no local path: the card and gecko_export.json name the checkpoint by id and the run by name', () => {
    const dir = tmpDir();
    const { ckptDir, runDir, id } = makeFixtureRun(dir);
    // a fine-tuned checkpoint's meta names its init checkpoint, and a run config may hold a path
    const metaPath = join(ckptDir, 'meta.json');
    writeFileSync(
      metaPath,
      JSON.stringify({ ...JSON.parse(readFileSync(metaPath, 'utf8')), init: join(runDir, 'prefinetune', 'ckpt') }),
    );
    const cfgPath = join(runDir, 'config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
    cfg.config.seeding = { corpus: join(dir, 'corpora', 'web.jsonl') };
    writeFileSync(cfgPath, JSON.stringify(cfg));
    const out = join(dir, 'exported');
    const r = exportCheckpoint(ckptDir, out, { progress: false });
    const local = [dir, ROOT, homedir(), process.cwd()].filter((p) => p.length > 1);
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true }))
        e.isDirectory() ? walk(join(d, e.name)) : files.push(join(d, e.name));
    };
    walk(out);
    expect(files.length).toBeGreaterThanOrEqual(r.files.length);
    for (const f of files) {
      const text = readFileSync(f, 'latin1');
      for (const p of local) expect(text.includes(p), `${f} holds ${p}`).toBe(false);
    }
    const provenance = JSON.parse(readFileSync(join(out, 'gecko_export.json'), 'utf8'));
    expect(provenance).toMatchObject({ checkpoint: id, run: basename(runDir) });
    expect(Object.keys(provenance)).not.toContain('checkpointDir');
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    expect(card).toContain('init=<local path>/ckpt'); // said what, not where
    expect(card).toContain('"corpus": "<local path>/web.jsonl"');
    expect(card).toContain(`of run \`${basename(runDir)}\``);
    expect(card).toMatch(/`onnx\/model\.onnx`/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('cuts absolute paths in strings to their last part, and leaves the rest alone', () => {
    expect(
      withoutLocalPaths({
        a: '/home/me/runs/x/ckpt',
        b: ['runs/x/ckpt', 'https://example.org/a/b', 'task: search result | query: x'],
        c: 'loaded from /tmp/abc/model.bin, then C:\\Users\\me\\w.bin',
        d: 3,
        e: 'ckpt:0123456789ab',
      }),
    ).toEqual({
      a: '<local path>/ckpt',
      b: ['runs/x/ckpt', 'https://example.org/a/b', 'task: search result | query: x'],
      c: 'loaded from <local path>/model.bin, then <local path>/w.bin',
      d: 3,
      e: 'ckpt:0123456789ab',
    });
  });

  it('refuses a non-empty output folder without force, and a checkpoint that is not one', () => {
    const dir = tmpDir();
    const { ckptDir } = makeFixtureRun(dir);
    const out = join(dir, 'busy');
    mkdirSync(out);
    writeFileSync(join(out, 'x'), 'x');
    expect(() => exportCheckpoint(ckptDir, out, { progress: false })).toThrow(/busy already exists.*\n.*--force/);
    exportCheckpoint(ckptDir, out, { progress: false, force: true });
    expect(existsSync(join(out, 'x'))).toBe(false);
    expect(() => exportCheckpoint(join(dir, 'nope'), join(dir, 'o2'), { progress: false })).toThrow(
      /no encoder checkpoint/,
    );
  });
});

describe('gecko export (command line)', () => {
  it('exports, and says what is missing', async () => {
    const dir = tmpDir();
    const { ckptDir } = makeFixtureRun(dir);
    const run = (args: string[]) =>
      runAsync(process.execPath, [join(ROOT, 'bin', 'gecko.js'), 'export', ...args], {
        cwd: ROOT,
        env: { ...process.env, GECKO_PROGRESS: 'lines' },
      });
    const ok = await run([ckptDir, '--out', join(dir, 'cli')]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/export: 100%/); // progress with ETA
    expect(ok.stderr).toMatch(/exported ckpt:[0-9a-f]{12} as XLMRobertaXLModel/);
    expect(existsSync(join(dir, 'cli', 'model.safetensors'))).toBe(true);
    const noOut = await run([ckptDir]);
    expect(noOut.status).toBe(2); // a usage error
    expect(noOut.stderr).toMatch(/needs --out/);
    expect((await run([ckptDir, 'extra', '--out', join(dir, 'x')])).status).toBe(2);
    const help = await run(['-h']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/<checkpoint folder>/);
  });
});
