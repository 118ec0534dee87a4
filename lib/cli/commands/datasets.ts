// `gecko datasets`: one row per registered data set: available / missing / incomplete /
// mismatch, rows counted from the files against the SOURCE.md counts, task and license.
// Exits 0 even when data sets are missing (it is a report); the missing ones get a fix line.
import { existsSync } from 'node:fs';
import type { Command } from '../command';
import { dataDir } from '../../core/paths';
import { allDatasetStatus, type DatasetStatus } from '../../data/status';

const fmt = (n: number | null) => (n === null ? '?' : n.toLocaleString('en-US'));

/** "counted/expected" summed over the files that have a SOURCE.md count. */
function rowsCell(s: DatasetStatus): string {
  const counted = s.files.filter((f) => f.expectedRows !== null);
  const expected = counted.reduce((n, f) => n + f.expectedRows!, 0);
  if (s.state === 'missing') return `-/${fmt(expected)}`;
  const got = counted.reduce((n, f) => n + (f.rows ?? 0), 0);
  return `${fmt(got)}/${fmt(expected)}`;
}

/** Plain-text table of data set statuses, with fix lines for anything not available. */
export function formatDatasetTable(statuses: DatasetStatus[], root: string): string {
  const header = ['data set', 'status', 'files', 'rows (counted/SOURCE.md)', 'task', 'license'];
  const rows = statuses.map((s) => [
    s.name,
    s.state,
    `${s.files.filter((f) => f.present).length}/${s.files.length}`,
    rowsCell(s),
    s.task,
    s.license.length > 60 ? s.license.slice(0, 57) + '...' : s.license,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const out = [
    `data directory: ${root}${existsSync(root) ? '' : '  (does not exist)'}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
  const notOk = statuses.filter((s) => s.state !== 'available');
  if (notOk.length) {
    out.push('');
    for (const s of notOk) {
      const missing = s.files.filter((f) => !f.present).map((f) => f.path + (f.optional ? ' (optional)' : ''));
      const off = s.files
        .filter((f) => f.present && (f.error || (f.expectedRows !== null && f.rows !== f.expectedRows)))
        .map((f) => `${f.path} (${f.error ?? `${fmt(f.rows)} rows, SOURCE.md says ${fmt(f.expectedRows)}`})`);
      const what = [
        missing.length ? `missing ${missing.join(', ')}` : '',
        off.length ? `unexpected ${off.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ');
      out.push(`${s.name}: ${s.state === 'missing' ? `folder ${s.dir} not found or empty` : what}`);
    }
    out.push(
      '',
      `fix: run \`npx gecko data fetch NAME\` for each data set above (add --force to replace bad files),`,
      `     or set GECKO_DATA_DIR to a folder that holds them (now: ${root})`,
    );
  }
  return out.join('\n') + '\n';
}

export const command: Command = {
  name: 'datasets',
  summary: 'list the data sets: available or missing, row counts vs SOURCE.md, task, license',
  usage: 'npx gecko datasets [--json]',
  flags: { json: { type: 'boolean', help: 'print one JSON object: {dataDir, datasets: [...]}' } },
  async run(args) {
    const root = dataDir();
    const statuses = allDatasetStatus(root);
    if (args.flags.json) {
      process.stdout.write(JSON.stringify({ dataDir: root, datasets: statuses }, null, 2) + '\n');
      return;
    }
    process.stdout.write(formatDatasetTable(statuses, root));
  },
};
