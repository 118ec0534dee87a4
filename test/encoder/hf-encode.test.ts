// Issue 19: a tiny BERT (CLS pooling, bge prompt) and a tiny XLM-R (mean pooling, e5 prompts) made by
// transformers (test/fixtures/hf/make_tiny.py) import into the model definition and encode equal to
// sentence-transformers' reference embeddings, on the onnx export path (onnxruntime) and on TF.js.
// The fixtures' sentence-transformers pipelines have no Normalize module, so their embeddings are not
// unit length; ours always are (the definition ends in L2 normalisation): the reference is compared
// after L2 normalisation (max |diff| over every value <= 1e-5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../../lib/backend/select';
import { inferenceRuntime } from '../../lib/backend/onnx';
import { EncoderEmbedder } from '../../lib/encoder/embedder';
import { encoderConfigOfHf, hfTensorsOf, importHfEncoder, paramsFromHf } from '../../lib/encoder/hf-map';
import { readHfEncoder } from '../../lib/encoder/hf-import';
import { defineEncoder } from '../../lib/encoder/arch';
import { DeviceEncoder } from '../../lib/encoder/device-encoder';

export const HF_FIX = join(__dirname, '..', 'fixtures', 'hf');

interface Reference {
  max_seq_length: number;
  texts: string[];
  ids: number[][];
  embeddings: number[][];
  prompted: { prompt_name: string; prompt: string; texts: string[]; ids: number[][]; embeddings: number[][] };
}
export const reference = (model: string): Reference =>
  JSON.parse(readFileSync(join(HF_FIX, model, 'reference.json'), 'utf8'));

const unit = (v: readonly number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
/** max |ours - unit(reference)| over every value of every row. */
export function maxDiff(ours: readonly Float32Array[], ref: readonly number[][]): number {
  let worst = 0;
  ref.forEach((r, i) => unit(r).forEach((x, k) => (worst = Math.max(worst, Math.abs(ours[i]![k]! - x)))));
  return worst;
}

const hasOrt = 'ort' in inferenceRuntime() && !!(inferenceRuntime() as { ort?: unknown }).ort;

describe.each(['bert-cls', 'xlmr-mean'])('%s imported', (model) => {
  const ref = reference(model);
  const ck = importHfEncoder(join(HF_FIX, model));
  const open: EncoderEmbedder[] = [];
  beforeAll(async () => {
    await selectBackend({ override: 'wasm' });
  });
  afterAll(async () => {
    await Promise.all(open.map((e) => e.close()));
  });

  it('is the definition with the BERT options, and tokenises as the reference', () => {
    expect(ck.config).toMatchObject({ norm: 'post', embLayerNorm: true, tokenTypeRow: true, maxLen: 24 });
    expect(ck.config.pooling).toBe(model === 'bert-cls' ? 'cls' : 'mean');
    expect(ck.config.positionOffset).toBe(model === 'bert-cls' ? undefined : 2);
    expect(ck.config.lnEps).toBe(model === 'bert-cls' ? 1e-12 : 1e-5);
    expect(ck.config.prompts?.query).toBe(ref.prompted.prompt);
    ref.texts.forEach((t, i) => expect(ck.tokenizer.encode(t, ck.config.maxLen)).toEqual(ref.ids[i]));
  });

  for (const runtime of ['onnxruntime', 'tfjs'] as const)
    it.skipIf(runtime === 'onnxruntime' && !hasOrt)(
      `encodes equal to sentence-transformers within 1e-5 (${runtime}), prompted texts too`,
      async () => {
        const e = await EncoderEmbedder.create(ck.config, ck.params, ck.tokenizer, {
          runtime: runtime === 'tfjs' ? 'tfjs' : 'auto',
          replicas: 1,
        });
        open.push(e);
        expect(e.runtime).toBe(runtime);
        const plain = await e.embed(ref.texts);
        const d = maxDiff(plain, ref.embeddings);
        const prompted = await e.embed(ref.prompted.texts.map((t) => ref.prompted.prompt + t));
        const dp = maxDiff(prompted, ref.prompted.embeddings);
        console.log(`${model} ${runtime}: max |diff| ${d.toExponential(2)}, prompted ${dp.toExponential(2)}`);
        expect(d).toBeLessThanOrEqual(1e-5);
        expect(dp).toBeLessThanOrEqual(1e-5);
        // the prompt matters: without it the prompted references are not met
        const bare = await e.embed(ref.prompted.texts);
        expect(maxDiff(bare, ref.prompted.embeddings)).toBeGreaterThan(1e-3);
      },
    );

  it('encodes equal on the device path too (padded TF.js, what a GPU runs)', async () => {
    const dev = new DeviceEncoder(ck.config);
    try {
      await dev.setParams(ck.params);
      const flat = await dev.encode(ref.texts.map((t) => ck.tokenizer.encode(t, ck.config.maxLen)));
      const D = ck.config.dModel;
      const rows = ref.texts.map((_, i) => flat.slice(i * D, (i + 1) * D));
      const d = maxDiff(rows, ref.embeddings);
      console.log(`${model} device path: max |diff| ${d.toExponential(2)}`);
      expect(d).toBeLessThanOrEqual(1e-5);
    } finally {
      await dev.close();
    }
  });

  it('maps every HF tensor there and back unchanged (the type table keeps row 0, positions the rows used)', () => {
    const { tensors } = readHfEncoder(join(HF_FIX, model));
    const back = new Map(hfTensorsOf(ck.config, ck.params).map((t) => [t.name, t]));
    for (const [name, t] of tensors) {
      const b = back.get(name)!;
      expect(b, name).toBeDefined();
      const n = b.data.length;
      expect(Array.from(b.data), name).toEqual(Array.from(t.data.subarray(0, n)));
      if (n !== t.data.length) expect(name).toMatch(/position_embeddings|token_type_embeddings/);
    }
    expect(paramsFromHf(ck.config, back)).toEqual(ck.params);
  });
});

describe('refusals', () => {
  const d = readHfEncoder(join(HF_FIX, 'bert-cls')).description;
  it('names an activation no op computes', () => {
    expect(() => encoderConfigOfHf({ ...d, activation: 'gelu_new' }, 222)).toThrow(
      /hidden_act "gelu_new" is not supported by the model definition; supported: gelu, relu/,
    );
  });
  it('maps relu to the relu op', () => {
    const cfg = encoderConfigOfHf({ ...d, activation: 'relu' }, 222);
    expect(defineEncoder(cfg).ops.some((o) => o.kind === 'relu')).toBe(true);
  });
  it('refuses mean pooling without the prompt tokens', () => {
    expect(() => encoderConfigOfHf({ ...d, pooling: 'mean', includePrompt: false }, 222)).toThrow(
      /include_prompt false/,
    );
  });
});
