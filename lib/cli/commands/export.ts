// `gecko export`: a checkpoint as a sentence-transformers / transformers folder (safetensors
// weights, config.json, tokenizer files, pooling config, model card). See lib/export/export.ts.
import type { Command } from '../command';
import { UsageError } from '../../core/errors';
import { consoleLogger } from '../../core/log';
import { exportCheckpoint } from '../../export/export';

export const command: Command = {
  name: 'export',
  summary: 'export a checkpoint as a sentence-transformers folder (safetensors, config.json, model card)',
  usage: 'npx gecko export <checkpoint folder> --out <dir> [--run <run folder>] [--force]',
  positionals: { usage: '<checkpoint folder>', max: 1 },
  flags: {
    out: { type: 'string', help: 'output folder (created; must be empty unless --force)' },
    run: {
      type: 'string',
      help: 'run folder to read the training config and eval scores from (default: <run>/ckpt or <run>/<stage>/ckpt)',
    },
    force: { type: 'boolean', help: 'replace an existing output folder' },
  },
  async run(args) {
    const [ckpt] = args.positional;
    if (!ckpt) throw new UsageError('gecko export needs a checkpoint folder', this.usage);
    const out = args.flags.out as string | undefined;
    if (!out) throw new UsageError('gecko export needs --out <dir>', this.usage);
    const r = exportCheckpoint(ckpt, out, {
      force: Boolean(args.flags.force),
      ...(args.flags.run ? { runDir: args.flags.run as string } : {}),
    });
    consoleLogger.info(
      `exported ${r.checkpointId} as ${r.architecture} to ${r.outDir}: ${r.files.length} files, ${r.scores} eval score(s) in the model card${r.runDir ? ` (run ${r.runDir})` : ' (no run folder found)'}`,
    );
  },
};
