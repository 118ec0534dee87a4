// `gecko score`: MTEB metrics for any system's outputs, printed as one JSON object on stdout.
import type { Command } from '../command';
import { UsageError } from '../../core/errors';
import { consoleLogger } from '../../core/log';
import { scoreRetrievalFiles, scoreStsFile } from '../../eval/score-files';

export const command: Command = {
  name: 'score',
  summary: "score a system's outputs: retrieval runs (TREC) against qrels, or STS predictions",
  usage:
    'npx gecko score retrieval --qrels <BEIR qrels tsv> --run <TREC run file>\n       npx gecko score sts --file <tsv with columns gold and predicted>',
  positionals: { usage: 'retrieval | sts', max: 1 },
  flags: {
    qrels: { type: 'string', help: 'BEIR qrels TSV (query-id, corpus-id, score; header optional)' },
    run: { type: 'string', help: 'TREC run file: qid Q0 docid rank score tag' },
    file: { type: 'string', help: "TSV with a header naming columns 'gold' and 'predicted'" },
  },
  async run(args) {
    const [kind] = args.positional;
    let out: Record<string, number>;
    if (kind === 'retrieval') {
      const { qrels, run } = args.flags as { qrels?: string; run?: string };
      if (!qrels || !run) throw new UsageError('score retrieval needs --qrels and --run', this.usage);
      out = scoreRetrievalFiles(qrels, run, consoleLogger);
    } else if (kind === 'sts') {
      const { file } = args.flags as { file?: string };
      if (!file) throw new UsageError('score sts needs --file', this.usage);
      out = scoreStsFile(file);
    } else {
      throw new UsageError(`unknown kind '${kind ?? ''}'`, 'use `gecko score retrieval ...` or `gecko score sts ...`');
    }
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  },
};
