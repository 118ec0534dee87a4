// The checkpoint readers of issue 19 against the tiny fixtures of test/fixtures/hf/make_tiny.py: every
// tensor present with its shape and the values python's safetensors reads (tensors.json holds, per file
// and tensor, the sha256 of the values as float32), and the refusal messages.
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, safetensorsBytes } from '../../lib/core/safetensors';
import {
  bertTokenizerJsonFromVocab,
  canonicalTensorName,
  expectedTensors,
  parsePoolingConfig,
  readHfEncoder,
} from '../../lib/encoder/hf-import';
import { loadTokenizer, tokenizerFromJson } from '../../lib/encoder/tokenizer';
import { tmpDir } from '../helpers';

const FIX = join(__dirname, '..', 'fixtures', 'hf');
type Digest = { dtype: string; shape: number[]; first: number[]; sha256_16: string };
const digests = JSON.parse(readFileSync(join(FIX, 'tensors.json'), 'utf8')) as Record<string, Record<string, Digest>>;

const sha16 = (a: Float32Array) =>
  createHash('sha256')
    .update(Buffer.from(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex')
    .slice(0, 16);
const TORCH_DTYPE: Record<string, string> = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' };

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
/** A copy of a fixture folder to break. */
function copyOf(model: string): string {
  const d = tmpDir();
  dirs.push(d);
  cpSync(join(FIX, model), d, { recursive: true });
  return d;
}

describe('readSafetensors', () => {
  it.each(Object.keys(digests))('reads %s exactly as python safetensors does', (file) => {
    const { tensors } = readSafetensors(join(FIX, file));
    const want = digests[file]!;
    expect([...tensors.keys()].sort()).toEqual(Object.keys(want).sort());
    for (const [name, d] of Object.entries(want)) {
      const t = tensors.get(name)!;
      expect(t.shape, name).toEqual(d.shape);
      expect(t.dtype, name).toBe(TORCH_DTYPE[d.dtype]);
      expect([...t.data.slice(0, 3)], name).toEqual(d.first.map(Math.fround));
      expect(sha16(t.data), `${file}: ${name}`).toBe(d.sha256_16);
    }
  });

  it('names the file and the tensor when a file is bad', () => {
    const d = tmpDir();
    dirs.push(d);
    const p = join(d, 'x.safetensors');
    writeFileSync(p, Buffer.from([1, 2, 3]));
    expect(() => readSafetensors(p)).toThrow(/x\.safetensors: not a valid safetensors file \(shorter than/);
    const good = safetensorsBytes([{ name: 'w', shape: [2], data: new Float32Array([1, 2]) }]);
    const n = Number(good.readBigUInt64LE(0));
    const header = good
      .subarray(8, 8 + n)
      .toString()
      .replace('"F32"', '"I8" ');
    writeFileSync(p, Buffer.concat([good.subarray(0, 8), Buffer.from(header), good.subarray(8 + n)]));
    expect(() => readSafetensors(p)).toThrow(/tensor 'w' has dtype I8; supported: F32, F16, BF16/);
    writeFileSync(p, good.subarray(0, good.length - 4));
    expect(() => readSafetensors(p)).toThrow(/tensor 'w' has data_offsets \[0, 8\] that do not fit F32 \[2\]/);
    expect(() => readSafetensors(join(d, 'missing.safetensors'))).toThrow(/cannot read .*missing\.safetensors/);
  });
});

describe('readHfEncoder', () => {
  it('describes the tiny BERT (CLS pooling, bge-style prompt) and gives every tensor python reads', () => {
    const { description: d, tensors, ignored } = readHfEncoder(join(FIX, 'bert-cls'));
    expect(d).toMatchObject({
      modelType: 'bert',
      hiddenSize: 32,
      numLayers: 2,
      numHeads: 4,
      intermediateSize: 64,
      activation: 'gelu',
      vocabSize: 222,
      maxPositions: 32,
      typeVocabSize: 2,
      positionOffset: 0,
      padTokenId: 0,
      layerNormEps: 1e-12,
      pooling: 'cls',
      includePrompt: true,
      normalize: false,
      maxSeqLength: 24,
      defaultPromptName: null,
      weightsDtype: 'F32',
    });
    expect(d.prompts.query).toBe('Represent this sentence for searching relevant passages: ');
    expect(d.tokenizer.source).toBe('tokenizer.json');
    expect(ignored.sort()).toEqual(['pooler.dense.bias', 'pooler.dense.weight']);
    const want = digests['bert-cls/model.safetensors']!;
    expect(tensors.size).toBe(expectedTensors(d).length);
    for (const { name, shape } of expectedTensors(d)) {
      expect(tensors.get(name)!.shape, name).toEqual(shape);
      expect(sha16(tensors.get(name)!.data), name).toBe(want[name]!.sha256_16);
    }
  });

  it('describes the tiny XLM-R (mean pooling, e5 prompts, position offset padding_idx + 1)', () => {
    const { description: d, tensors } = readHfEncoder(join(FIX, 'xlmr-mean'));
    expect(d).toMatchObject({
      modelType: 'xlm-roberta',
      hiddenSize: 32,
      numLayers: 2,
      vocabSize: 176, // 175 pieces and specials, then <mask>
      maxPositions: 34,
      typeVocabSize: 1,
      positionOffset: 2,
      padTokenId: 1,
      layerNormEps: 1e-5,
      pooling: 'mean',
      maxSeqLength: 24,
    });
    expect(d.prompts).toMatchObject({ query: 'query: ', passage: 'passage: ' });
    const want = digests['xlmr-mean/model.safetensors']!;
    for (const { name } of expectedTensors(d)) expect(sha16(tensors.get(name)!.data), name).toBe(want[name]!.sha256_16);
  });

  it('reads F16, and BF16 with the bert. prefix and gamma/beta names, to the same canonical tensors', () => {
    for (const [variant, dtype] of [
      ['model-f16.safetensors', 'F16'],
      ['model-legacy-bf16.safetensors', 'BF16'],
    ] as const) {
      const dir = copyOf('bert-cls');
      cpSync(join(FIX, 'bert-cls', 'variants', variant), join(dir, 'model.safetensors'));
      const { description, tensors } = readHfEncoder(dir);
      expect(description.weightsDtype).toBe(dtype);
      const want = digests[`bert-cls/variants/${variant}`]!;
      const f32 = readHfEncoder(join(FIX, 'bert-cls')).tensors;
      for (const [name, t] of tensors) {
        const stored = variant.includes('legacy')
          ? 'bert.' +
            name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta')
          : name;
        expect(sha16(t.data), `${variant}: ${name}`).toBe(want[stored]!.sha256_16);
        const ref = f32.get(name)!.data;
        const tol = dtype === 'F16' ? 1e-3 : 8e-3; // half-precision rounding of the F32 weights
        for (let i = 0; i < ref.length; i++)
          expect(Math.abs(t.data[i]! - ref[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(ref[i]!)));
      }
    }
    const dir = copyOf('xlmr-mean');
    cpSync(join(FIX, 'xlmr-mean', 'variants', 'model-roberta-prefix-f16.safetensors'), join(dir, 'model.safetensors'));
    expect(readHfEncoder(dir).tensors.has('encoder.layer.1.output.LayerNorm.bias')).toBe(true);
  });

  it('canonicalTensorName strips the prefix and renames gamma / beta', () => {
    expect(canonicalTensorName('bert.embeddings.LayerNorm.gamma')).toBe('embeddings.LayerNorm.weight');
    expect(canonicalTensorName('roberta.encoder.layer.3.output.LayerNorm.beta')).toBe(
      'encoder.layer.3.output.LayerNorm.bias',
    );
    expect(canonicalTensorName('encoder.layer.0.attention.self.query.weight')).toBe(
      'encoder.layer.0.attention.self.query.weight',
    );
  });

  it('refuses another model_type, naming it and what is supported', () => {
    const dir = copyOf('bert-cls');
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, model_type: 'deberta-v2' }));
    expect(() => readHfEncoder(dir)).toThrow(
      /config\.json: model_type "deberta-v2" is not supported; supported: bert, xlm-roberta/,
    );
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, position_embedding_type: 'relative_key' }));
    expect(() => readHfEncoder(dir)).toThrow(/position_embedding_type "relative_key" is not supported/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, hidden_act: 'swish' }));
    expect(() => readHfEncoder(dir)).toThrow(/hidden_act "swish" is not supported; supported: gelu, gelu_new/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, hidden_size: 'big' }));
    expect(() => readHfEncoder(dir)).toThrow(/config\.json: field "hidden_size" must be an integer/);
    writeFileSync(join(dir, 'config.json'), '{ nope');
    expect(() => readHfEncoder(dir)).toThrow(/config\.json is not valid JSON/);
  });

  it('refuses weights that do not match config.json, naming the file and the tensor', () => {
    const dir = copyOf('bert-cls');
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 3 }));
    expect(() => readHfEncoder(dir)).toThrow(
      /model\.safetensors: \d+ tensor\(s\) missing, e\.g\. 'encoder\.layer\.2\./,
    );
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 1 }));
    expect(() => readHfEncoder(dir)).toThrow(/unexpected tensor 'encoder\.layer\.1\..*for a 1-layer encoder/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: 48 }));
    expect(() => readHfEncoder(dir)).toThrow(
      /tensor 'encoder\.layer\.0\.intermediate\.dense\.weight' has shape \[64, 32\], config\.json implies \[48, 32\]/,
    );
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    rmSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'pytorch_model.bin'), '');
    expect(() => readHfEncoder(dir)).toThrow(/no model\.safetensors \(only pytorch_model\.bin, which is not read\)/);
  });

  it('refuses an unsupported pooling or module, and needs a pooling for a plain HF folder', () => {
    const dir = copyOf('xlmr-mean');
    writeFileSync(
      join(dir, '1_Pooling', 'config.json'),
      JSON.stringify({ embedding_dimension: 32, pooling_mode: 'max' }),
    );
    expect(() => readHfEncoder(dir)).toThrow(
      /1_Pooling\/config\.json: pooling mode "max" is not supported; supported: cls, mean/,
    );
    const mods = JSON.parse(readFileSync(join(dir, 'modules.json'), 'utf8'));
    writeFileSync(
      join(dir, 'modules.json'),
      JSON.stringify([...mods, { idx: 2, name: '2', path: '2_Dense', type: 'sentence_transformers.models.Dense' }]),
    );
    expect(() => readHfEncoder(dir)).toThrow(
      /modules\.json: module 2 \(sentence_transformers\.models\.Dense\) is not supported/,
    );
    rmSync(join(dir, 'modules.json'));
    rmSync(join(dir, '1_Pooling'), { recursive: true });
    expect(() => readHfEncoder(dir)).toThrow(/no 1_Pooling\/config\.json .* so the pooling is unknown/);
    expect(readHfEncoder(dir, { pooling: 'mean' }).description.pooling).toBe('mean');
  });

  it('reads the sentence-transformers <= 5 pooling flags and max_seq_length, and a Normalize module', () => {
    expect(
      parsePoolingConfig(
        { word_embedding_dimension: 32, pooling_mode_cls_token: true, pooling_mode_mean_tokens: false },
        'p',
        32,
      ),
    ).toEqual({
      pooling: 'cls',
      includePrompt: true,
    });
    expect(() =>
      parsePoolingConfig({ pooling_mode_cls_token: true, pooling_mode_mean_tokens: true }, 'p.json', 32),
    ).toThrow(/p\.json: expected exactly one pooling mode, got cls \+ mean/);
    expect(() => parsePoolingConfig({ pooling_mode: 'mean', embedding_dimension: 64 }, 'p.json', 32)).toThrow(
      /embedding dimension 64 is not config\.json's hidden_size 32/,
    );
    const dir = copyOf('bert-cls');
    writeFileSync(join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 16, do_lower_case: false }));
    const mods = JSON.parse(readFileSync(join(dir, 'modules.json'), 'utf8'));
    writeFileSync(
      join(dir, 'modules.json'),
      JSON.stringify([
        ...mods,
        { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
      ]),
    );
    const d = readHfEncoder(dir).description;
    expect(d.maxSeqLength).toBe(16);
    expect(d.normalize).toBe(true);
  });

  it('refuses bad prompts, naming the field', () => {
    const dir = copyOf('bert-cls');
    writeFileSync(join(dir, 'config_sentence_transformers.json'), JSON.stringify({ prompts: { query: 3 } }));
    expect(() => readHfEncoder(dir)).toThrow(/config_sentence_transformers\.json: prompts\.query must be a string/);
    writeFileSync(
      join(dir, 'config_sentence_transformers.json'),
      JSON.stringify({ prompts: { query: 'q: ' }, default_prompt_name: 'doc' }),
    );
    expect(() => readHfEncoder(dir)).toThrow(/default_prompt_name "doc" is not one of the prompts \(query\)/);
  });

  it('builds the BERT tokenizer from vocab.txt when there is no tokenizer.json (same ids)', () => {
    const dir = copyOf('bert-cls');
    const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
    const vocab: string[] = [];
    for (const [t, id] of Object.entries(json.model.vocab as Record<string, number>)) vocab[id] = t;
    writeFileSync(join(dir, 'vocab.txt'), vocab.join('\n') + '\n');
    rmSync(join(dir, 'tokenizer.json'));
    const { description } = readHfEncoder(dir);
    expect(description.tokenizer.source).toBe('vocab.txt');
    const fromVocab = tokenizerFromJson(description.tokenizer.json);
    const ref = loadTokenizer(join(FIX, 'bert-cls', 'tokenizer.json'));
    const texts = JSON.parse(readFileSync(join(FIX, 'bert-cls', 'reference.json'), 'utf8')).texts as string[];
    for (const t of texts) expect(fromVocab.encode(t, 24), t).toEqual(ref.encode(t, 24));
    expect(() => bertTokenizerJsonFromVocab(['a'], {}, 'vocab.txt')).toThrow(
      /vocab\.txt: the pad_token "\[PAD\]" is not in the vocabulary/,
    );
    const x = copyOf('xlmr-mean');
    rmSync(join(x, 'tokenizer.json'));
    expect(() => readHfEncoder(x)).toThrow(/no tokenizer\.json[\s\S]*XLM-R needs tokenizer\.json/);
  });

  it('reads a sharded checkpoint (model.safetensors.index.json)', () => {
    const dir = copyOf('bert-cls');
    const { tensors } = readSafetensors(join(dir, 'model.safetensors'));
    const names = [...tensors.keys()];
    const half = Math.ceil(names.length / 2);
    const shards = [names.slice(0, half), names.slice(half)];
    const weightMap: Record<string, string> = {};
    mkdirSync(dir, { recursive: true });
    shards.forEach((ns, i) => {
      const f = `model-0000${i + 1}-of-00002.safetensors`;
      writeFileSync(join(dir, f), safetensorsBytes(ns.map((n) => tensors.get(n)!)));
      for (const n of ns) weightMap[n] = f;
    });
    rmSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    const got = readHfEncoder(dir).tensors;
    expect(sha16(got.get('encoder.layer.1.output.dense.weight')!.data)).toBe(
      digests['bert-cls/model.safetensors']!['encoder.layer.1.output.dense.weight']!.sha256_16,
    );
  });
});
