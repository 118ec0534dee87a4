// `gecko export-data`: training examples (gecko fret / gecko mixture output) as
// sentence-transformers (anchor, positive, negative) JSONL. See lib/export/st-data.ts.
import type { Command } from '../command';
import { DataError, UsageError } from '../../core/errors';
import { consoleLogger } from '../../core/log';
import { writeStData } from '../../export/st-data';
import { readTrainingData } from '../../train/data';

export const command: Command = {
  name: 'export-data',
  summary: 'write training examples as sentence-transformers (anchor, positive, negative) JSONL',
  usage: 'npx gecko export-data <mixture.jsonl | fret-examples.jsonl> --out <dir>',
  positionals: { usage: '<training examples JSONL>', max: 1 },
  flags: {
    out: { type: 'string', help: 'output folder for train.jsonl (+ train-pairs.jsonl, export-data.json)' },
  },
  async run(args) {
    const [input] = args.positional;
    if (!input) throw new UsageError('gecko export-data needs a training examples JSONL file', this.usage);
    const out = args.flags.out as string | undefined;
    if (!out) throw new UsageError('gecko export-data needs --out <dir>', this.usage);
    const examples = readTrainingData(input);
    if (!examples.length)
      throw new DataError(input, 'holds no training examples', undefined, 'pass mixture.jsonl or fret-examples.jsonl');
    const r = writeStData(examples, out, input);
    consoleLogger.info(
      `wrote ${r.triplets} (anchor, positive, negative) rows to ${out}/train.jsonl` +
        (r.pairs ? ` and ${r.pairs} (anchor, positive) rows to ${out}/train-pairs.jsonl` : '') +
        (r.extraNegativesLeftOut ? `; ${r.extraNegativesLeftOut} extra hard negatives left out` : ''),
    );
  },
};
