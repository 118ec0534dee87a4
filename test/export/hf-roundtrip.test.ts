// Issue 19's round trip: `gecko import` a tiny BERT (CLS, bge prompt) and a tiny XLM-R (mean, e5
// prompts) made by transformers (test/fixtures/hf), train the imported checkpoint one step, `gecko
// export` it, and the folder is the same architecture again (BertModel / XLMRobertaModel, the same
// weight names, the pooling, the prompts); sentence-transformers loads it and encodes equal to
// `gecko embed` (max |diff| <= 1e-5), with the query prompt applied on both sides. The python part
// needs sentence-transformers (GECKO_ST_PYTHON, else the project's .venv/bin/python, which
// scripts/bench-venv.sh makes from pip's store and .ci/run tries to make); without one it is skipped.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/backend/select';
import { readSafetensors } from '../../lib/core/safetensors';
import { loadCheckpoint, saveCheckpoint } from '../../lib/encoder/checkpoint';
import { contrastiveLoss } from '../../lib/losses/contrastive';
import { TrainEngine } from '../../lib/train/engine';
import { runAsync, tmpDir } from '../helpers';

const ROOT = resolve(__dirname, '..', '..');
const FIX = join(ROOT, 'test', 'fixtures', 'hf');

/** A python that imports sentence_transformers (probed without blocking the worker). */
async function stPython(): Promise<string | undefined> {
  for (const py of [process.env.GECKO_ST_PYTHON, join(ROOT, '.venv', 'bin', 'python')].filter(
    (p): p is string => !!p,
  )) {
    if (!existsSync(py) && py.includes('/')) continue;
    const r = await runAsync(py, ['-c', 'import sentence_transformers']);
    if (r.status === 0) return py;
  }
  console.warn('skipping the sentence-transformers load: no python with it (set GECKO_ST_PYTHON)');
  return undefined;
}
const python = await stPython();

const gecko = (...args: string[]) =>
  runAsync(process.execPath, [join(ROOT, 'bin', 'gecko.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, GECKO_PROGRESS: 'off' },
  });

const TEXTS = [
  'the quick brown fox jumps over the lazy dog',
  'dogs',
  'In 2024, 100 dogs and 3 foxes jumped over 2 fences; the farmer counted them twice and wrote the numbers down in a small notebook.',
  'Café owners don\u2019t like the lazier dogs.',
  '東京 is a city',
];

const ST_SCRIPT = `
import json, sys
from sentence_transformers import SentenceTransformer
folder, texts_path, out = sys.argv[1:4]
m = SentenceTransformer(folder, device="cpu")
texts = json.load(open(texts_path))
q = m.encode(texts, prompt_name="query", convert_to_numpy=True)
p = m.encode(texts, convert_to_numpy=True)
json.dump({"query": q.tolist(), "plain": p.tolist(), "modules": [type(x).__name__ for x in m],
           "model": type(m[0].auto_model).__name__, "max_seq_length": m.max_seq_length}, open(out, "w"))
`;

function maxDiff(a: number[][], b: number[][]): number {
  let w = 0;
  a.forEach((r, i) => r.forEach((x, k) => (w = Math.max(w, Math.abs(x - b[i]![k]!)))));
  return w;
}

/** One contrastive AdamW step on the packed path (a "trained" checkpoint whose weights differ from the import). */
async function trainOneStep(ckDir: string): Promise<void> {
  await selectBackend({ override: 'wasm' });
  const ck = loadCheckpoint(ckDir);
  const eng = await TrainEngine.create({ ...ck.config, dropout: 0 }, ck.params, { path: 'packed' });
  try {
    const seqs = [...TEXTS.slice(0, 2), ...TEXTS.slice(2, 4)].map((t) => ck.tokenizer.encode(t, ck.config.maxLen));
    const D = ck.config.dModel;
    const r = await eng.contrastive(
      seqs,
      (E) =>
        contrastiveLoss(
          { queries: tf.slice(E, [0, 0], [2, D]), positives: tf.slice(E, [2, 0], [2, D]) },
          { temperature: 0.05, hardNegatives: false, sameTower: false },
        ),
      { chunkSize: 4, gradCache: false },
    );
    await eng.update(0, r, { lr: 1e-2, clipNorm: 0 });
    saveCheckpoint(ckDir, { ...ck, params: (await eng.snapshot()).params, meta: { ...ck.meta, stage: 'test-step' } });
  } finally {
    await eng.close();
  }
}

describe.each([
  ['bert-cls', 'BertModel', 'bert', 'cls'],
  ['xlmr-mean', 'XLMRobertaModel', 'xlm-roberta', 'mean'],
])('%s: import, train, export', (model, architecture, modelType, pooling) => {
  const dir = tmpDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ck = join(dir, 'ckpt');
  const out = join(dir, 'exported');
  const src = join(FIX, model);

  it('writes the same architecture back: config.json, weight names, pooling, prompts', async () => {
    const imp = await gecko('import', src, '--out', ck);
    expect(imp.status, imp.stderr).toBe(0);
    expect(imp.stderr).toMatch(new RegExp(`imported ${modelType} .*${pooling} pooling`));
    const before = loadCheckpoint(ck).params;
    await trainOneStep(ck);
    const after = loadCheckpoint(ck);
    expect(after.params).not.toEqual(before);
    const exp = await gecko('export', ck, '--out', out);
    expect(exp.status, exp.stderr).toBe(0);
    expect(exp.stderr).toContain(`as ${architecture}`);

    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    const orig = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8'));
    expect(cfg.architectures).toEqual([architecture]);
    expect(cfg.model_type).toBe(modelType);
    for (const k of [
      'hidden_size',
      'num_hidden_layers',
      'num_attention_heads',
      'intermediate_size',
      'hidden_act',
      'layer_norm_eps',
      'pad_token_id',
      'vocab_size',
    ])
      expect(cfg[k], k).toBe(orig[k]);
    expect(cfg.max_position_embeddings).toBe(24 + (modelType === 'bert' ? 0 : orig.pad_token_id + 1));
    const names = (f: string) => [...readSafetensors(f).tensors.keys()].sort();
    expect(names(join(out, 'model.safetensors'))).toEqual(names(join(src, 'model.safetensors')));
    const pool = JSON.parse(readFileSync(join(out, '1_Pooling', 'config.json'), 'utf8'));
    expect(pool.pooling_mode_cls_token).toBe(pooling === 'cls');
    expect(pool.pooling_mode_mean_tokens).toBe(pooling === 'mean');
    const st = (f: string) => JSON.parse(readFileSync(join(f, 'config_sentence_transformers.json'), 'utf8')).prompts;
    expect(st(out)).toEqual(st(src));
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain(`transformers' **${architecture}**`);
  });

  it('gecko embed --role query puts the query prompt before the formatted query (= --prompt query on it)', async () => {
    expect(existsSync(join(ck, 'encoder.json')), 'the first test imports').toBe(true);
    const raw = join(dir, 'raw.txt');
    const formatted = join(dir, 'formatted.txt');
    writeFileSync(raw, 'how do foxes hunt\nlazy dog\n');
    writeFileSync(formatted, 'task: search result | query: how do foxes hunt\ntask: search result | query: lazy dog\n');
    const vec = async (args: string[], name: string) => {
      const r = await gecko('embed', '--model', ck, '--out', join(dir, name), ...args);
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(join(dir, name), 'utf8');
    };
    const role = await vec(['--in', raw, '--role', 'query'], 'role.jsonl');
    expect(role).toBe(await vec(['--in', formatted, '--prompt', 'query'], 'prompted.jsonl'));
    expect(role).not.toBe(await vec(['--in', formatted], 'bare.jsonl'));
  });

  it.skipIf(!python)('sentence-transformers loads the export and encodes equal to gecko embed', async () => {
    expect(existsSync(join(out, 'config.json')), 'the first test exports').toBe(true);
    const txt = join(dir, 'texts.txt');
    writeFileSync(txt, TEXTS.join('\n') + '\n');
    const vectors = async (extra: string[], name: string) => {
      const r = await gecko('embed', '--model', ck, '--in', txt, '--out', join(dir, name), ...extra);
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(join(dir, name), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).vector as number[]);
    };
    const oursQuery = await vectors(['--prompt', 'query'], 'q.jsonl');
    const oursPlain = await vectors([], 'p.jsonl');
    writeFileSync(join(dir, 'texts.json'), JSON.stringify(TEXTS));
    writeFileSync(join(dir, 'st.py'), ST_SCRIPT);
    const r = await runAsync(python!, [join(dir, 'st.py'), out, join(dir, 'texts.json'), join(dir, 'st.json')]);
    expect(r.status, r.stderr).toBe(0);
    const theirs = JSON.parse(readFileSync(join(dir, 'st.json'), 'utf8'));
    expect(theirs.model).toBe(architecture);
    expect(theirs.modules).toEqual(['Transformer', 'Pooling', 'Normalize']);
    expect(theirs.max_seq_length).toBe(24);
    const dq = maxDiff(oursQuery, theirs.query);
    const dp = maxDiff(oursPlain, theirs.plain);
    console.log(
      `${model}: gecko embed vs sentence-transformers on the export: max |diff| ${dq.toExponential(2)} (query prompt), ${dp.toExponential(2)} (none)`,
    );
    expect(dq).toBeLessThanOrEqual(1e-5);
    expect(dp).toBeLessThanOrEqual(1e-5);
    expect(maxDiff(oursQuery, theirs.plain)).toBeGreaterThan(1e-3); // the prompt is applied on both sides
  });
});
