// What `npm run bench` (train.ts) and its shape lines (shapes.ts) share: child processes pinned to
// the same CPUs, the torches to compare with, medians and per-run ratios.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { EncoderConfig } from '../lib/encoder/config';

/** Debian's python3-torch (1.13 on bookworm). */
export const PYTHON = '/usr/bin/python3';

export const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A python script run through a wrapper that adds its peak RSS (ru_maxrss) as a second JSON line. */
export const TORCH_WRAP = [
  'import json, resource, runpy, sys',
  'sys.argv = sys.argv[1:]',
  'runpy.run_path(sys.argv[0], run_name="__main__")',
  'print(json.dumps({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))',
].join('\n');

/** Run a child that prints JSON lines on stdout; their fields merged, plus the load average before and after. */
export function runChild(args: string[], env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const load0 = loadavg()[0]!;
  const r = spawnSync(args[0]!, args.slice(1), {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = (r.stdout ?? '')
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'));
  if (r.status !== 0 || lines.length === 0) throw new Error(`${args.join(' ')} failed (status ${r.status})`);
  const out = Object.assign({}, ...lines.map((l) => JSON.parse(l))) as Record<string, unknown>;
  out.load_avg_1min = [load0, loadavg()[0]!].map((x) => Math.round(x * 100) / 100); // before, after
  return out;
}

/** A PyTorch to compare with: a label and the Python that has it. */
export interface TorchSide {
  label: string;
  python: string;
  version: string;
}

/**
 * The torches on this machine: Debian's (python3-torch, /usr/bin/python3) and pip's in the project's
 * .venv (scripts/bench-venv.sh installs it from pip's store), plus any `--python PATH`.
 */
export function torchSides(extra: string[]): TorchSide[] {
  const cands = [
    { label: 'debian', python: PYTHON },
    { label: 'pip', python: join(process.cwd(), '.venv', 'bin', 'python') },
    ...extra.map((p, i) => ({ label: `python${i + 1}`, python: p })),
  ];
  const out: TorchSide[] = [];
  for (const c of cands) {
    if (!existsSync(c.python)) continue;
    const r = spawnSync(c.python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) out.push({ ...c, version: r.stdout.trim() });
  }
  return out;
}

/** `taskset -c CPUS` in front of a command where taskset exists: each side runs on the same cores. */
export function pinned(args: string[], cpus: string | undefined): string[] {
  return cpus && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0
    ? ['taskset', '-c', cpus, ...args]
    : args;
}

/** Median and range of per-run ratios (run i of ours against run i of that torch). */
export function ratioStats(ours: number[], theirs: number[], invert: boolean) {
  const r = ours.map((o, i) => (invert ? theirs[i]! / o : o / theirs[i]!));
  return { median: median(r), min: Math.min(...r), max: Math.max(...r), per_run: r };
}

/** The bench workload's encoder (../shared/bench/torch_ref.py's): 4 layers, 256 wide, 4 heads, FFN 1024. */
export const BENCH_CFG: EncoderConfig = {
  vocabSize: 8192,
  layers: 4,
  dModel: 256,
  heads: 4,
  ffn: 1024,
  maxLen: 128,
  dropout: 0,
  lnEps: 1e-5,
};
