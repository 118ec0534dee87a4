// `gecko data fetch NAME... [--from URL] [--force]`: download data sets into the data
// directory from their canonical public sources (see lib/data/registry.ts and fetch.ts),
// verify each file (sha256, or row count for unpacked / converted files) and report.
import type { Command } from '../command';
import { GeckoError, UsageError } from '../../core/errors';
import { consoleLogger } from '../../core/log';
import { dataDir } from '../../core/paths';
import { fetchDataset, type FetchReport } from '../../data/fetch';
import { DATASET_NAMES, getDataset } from '../../data/registry';

function formatReport(r: FetchReport): string {
  const w = Math.max(...r.files.map((f) => f.path.length));
  const lines = r.files.map((f) => {
    const check =
      f.verified === 'none' ? '' : ` (verified by ${f.verified === 'rows' ? `row count: ${f.rows}` : 'sha256'})`;
    const detail = f.status === 'downloaded' ? `from ${f.from}` : (f.note ?? '');
    return `  ${f.path.padEnd(w)}  ${f.status}${check}  ${detail}`;
  });
  return `${r.dataset} -> ${r.dir}: ${r.ok ? 'ok' : 'NOT COMPLETE'}\n${lines.join('\n')}\n`;
}

export const command: Command = {
  name: 'data',
  summary: 'fetch data sets from their canonical sources into the data directory (data fetch NAME)',
  usage: 'npx gecko data fetch NAME... | all  [--from URL] [--force] [--json]',
  positionals: { usage: 'fetch NAME... (data set names, or all)' },
  flags: {
    from: {
      type: 'string',
      help: 'base URL of a mirror laid out like <data dir>/NAME/ (replaces the canonical sources; every file must match its sha256)',
    },
    force: { type: 'boolean', help: 're-download files that are already there' },
    json: { type: 'boolean', help: 'print the reports as JSON' },
  },
  async run(args) {
    const [sub, ...names] = args.positional;
    if (sub !== 'fetch') throw new UsageError(`unknown subcommand '${sub ?? ''}'`, `usage: ${this.usage}`);
    if (names.length === 0)
      throw new UsageError('data fetch: name a data set', `data sets: ${DATASET_NAMES.join(', ')} (or 'all')`);
    const list = names.includes('all') ? [...DATASET_NAMES] : names;
    list.forEach(getDataset);
    if (args.flags.from && list.length > 1) {
      throw new UsageError("--from points at one data set's folder; fetch one data set at a time with it");
    }
    const reports: FetchReport[] = [];
    for (const name of list) {
      const report = await fetchDataset(name, {
        dataDir: dataDir(),
        from: args.flags.from as string | undefined,
        force: Boolean(args.flags.force),
        log: args.flags.json ? undefined : consoleLogger,
      });
      reports.push(report);
      if (!args.flags.json) process.stdout.write(formatReport(report));
    }
    if (args.flags.json) process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
    const bad = reports.filter((r) => !r.ok);
    if (bad.length) {
      const failed = bad.flatMap((r) =>
        r.files
          .filter((f) => f.status === 'failed' || f.status === 'unavailable')
          .map((f) => `${r.dataset}/${f.path}: ${f.note}`),
      );
      throw new GeckoError(
        `data fetch incomplete:\n  ${failed.join('\n  ')}`,
        'fix the cause above and run the command again (files already verified are kept)',
      );
    }
  },
};
