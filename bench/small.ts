// `npm run bench:small`: issue 22's small shape, where per-step overhead weighs most: the `scratch`
// preset's fine-tuning (2 layers, d128, 4 heads, FFN 512, vocab 8000, maxLen 128; batch 16 with one
// hard negative per example, hard and same-tower negatives, Matryoshka 128/64/32/16, 120 steps), the
// demo's fine-tuning shape before the demo moved to the USE-lite backbone. Our fine-tuning stage
// (`gecko train --stage finetune --preset scratch`, the step times of its metrics.jsonl) against
// sentence-transformers' trainer (bench/st_finetune.py: MultipleNegativesRankingLoss in
// MatryoshkaLoss, AdamW) on pip's torch, on the same rows and from the same weights:
//   1. `gecko pretrain --preset scratch --set pretrain.steps=2`: a WordPiece tokenizer and an encoder of that shape;
//   2. `gecko fret` + `gecko mixture` (scratch preset, offline teacher): the fine-tuning rows;
//   3. `gecko export` (the checkpoint as a sentence-transformers folder) and `gecko export-data` (the rows);
//   4. `--runs` alternating runs (default 3) of ours and the trainer, each pinned to the same CPUs.
// The weights are barely trained (2 MLM steps): the time of a step does not depend on them.
// The ratio is ours / the trainer's, summed step times, median of per-run ratios with its range;
// issue 22's bar is <= 1.0. Needs .venv (scripts/bench-venv.sh) with sentence-transformers.
// No line for the demo's own shape (USE-lite: d512, ReLU, sinusoidal positions, a tanh head): `gecko
// export` cannot write it as a transformers model (hf-model.ts refuses its ReLU op), so
// sentence-transformers has nothing to load; `npm run profile:step -- --shape use-lite` times our step there.
//
//   npm run bench:small                 # ~5 min on 2 quiet cores
//   npm run bench:small -- --runs 1 --steps 20
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRESETS } from '../lib/config/presets';
import { cpuInfo } from '../lib/core/cpu';

const ST_PYTHON = join(process.cwd(), '.venv', 'bin', 'python');
const argv = process.argv.slice(2);
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const runs = Number(flag('--runs') ?? 3);
const steps = Number(flag('--steps') ?? 120);
const cpus = flag('--cpus') ?? `0-${cpuInfo().cores - 1}`;
const PRESET = 'scratch';
const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pin = (args: string[]) => ['taskset', '-c', cpus, ...args];

function run(args: string[], env: NodeJS.ProcessEnv): string {
  const [cmd, ...rest] = pin(args);
  return execFileSync(cmd!, rest, { env, encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
}

function main(): void {
  if (!existsSync(ST_PYTHON)) {
    process.stderr.write('bench:small: needs .venv with sentence-transformers: run scripts/bench-venv.sh\n');
    process.exit(2);
  }
  const T = mkdtempSync(join(tmpdir(), 'gecko-bench-small-'));
  const env = {
    ...process.env,
    GECKO_CACHE_DIR: join(T, 'cache'),
    GECKO_RUNS_DIR: join(T, 'runs'),
    GECKO_PROGRESS: 'off',
    GECKO_WORKERS: process.env.GECKO_WORKERS ?? '2',
  };
  const gecko = (...a: string[]) => run([process.execPath, 'bin/gecko.js', ...a], env);
  const set = ['--preset', PRESET, '--set', `finetune.steps=${steps}`];
  try {
    process.stderr.write(`bench:small: preparing the ${PRESET}-shape checkpoint and rows in ${T}\n`);
    gecko('pretrain', ...set, '--set', 'pretrain.steps=2', '--out', join(T, 'pre'));
    gecko('fret', ...set, '--out', join(T, 'fret'));
    gecko('mixture', ...set, '--fret', join(T, 'fret', 'fret-examples.jsonl'), '--out', join(T, 'mix'));
    gecko('export-data', join(T, 'mix', 'mixture.jsonl'), '--out', join(T, 'st'));
    gecko('export', join(T, 'pre', 'ckpt'), '--out', join(T, 'hf'));
    const cfg = JSON.parse(readFileSync(join(T, 'pre', 'ckpt', 'encoder.json'), 'utf8')) as Record<string, unknown>;
    const dims = PRESETS[PRESET].finetune.matryoshkaDims;
    const cpu = cpuInfo();
    process.stderr.write(
      `bench:small: CPU ${cpu.cpu_model} (${cpu.simd}), pinned to ${cpus}; load ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}\n`,
    );
    const ours: number[] = [],
      theirs: number[] = [],
      oursMed: number[] = [],
      theirsMed: number[] = [];
    let version = '';
    for (let i = 0; i < runs; i++) {
      const out = join(T, `ft${i}`);
      process.stderr.write(`bench:small: run ${i + 1}/${runs}: ours...\n`);
      gecko(
        'train',
        '--stage',
        'finetune',
        ...set,
        '--init',
        join(T, 'pre', 'ckpt'),
        '--data',
        join(T, 'mix', 'mixture.jsonl'),
        '--out',
        out,
      );
      const ms = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as { stage?: string; ms?: number })
        .filter((r) => r.stage === 'finetune' && typeof r.ms === 'number')
        .map((r) => r.ms!);
      if (ms.length !== steps)
        throw new Error(`ours: ${ms.length} step times for ${steps} steps in ${out}/metrics.jsonl`);
      ours.push(ms.reduce((a, b) => a + b, 0) / 1000);
      oursMed.push(median(ms));
      process.stderr.write(`bench:small: run ${i + 1}/${runs}: sentence-transformers...\n`);
      const st = JSON.parse(
        run(
          [
            ST_PYTHON,
            'bench/st_finetune.py',
            '--model',
            join(T, 'hf'),
            '--data',
            join(T, 'st', 'train.jsonl'),
            '--steps',
            String(steps),
            '--batch',
            String(PRESETS[PRESET].finetune.batchSize),
            '--dims',
            dims.join(','),
            '--threads',
            '2',
          ],
          env,
        )
          .trim()
          .split('\n')
          .pop()!,
      ) as { steps_s: number; step_ms_median: number; version: string; torch: string };
      theirs.push(st.steps_s);
      theirsMed.push(st.step_ms_median);
      version = `sentence-transformers ${st.version}, torch ${st.torch}`;
    }
    const ratios = ours.map((o, i) => o / theirs[i]!);
    const result = {
      ...cpu,
      cpus_pinned: cpus,
      preset: PRESET,
      shape: {
        encoder: cfg.config,
        batch: PRESETS[PRESET].finetune.batchSize,
        hard_negatives: 1,
        matryoshka: dims,
        steps,
      },
      peer: version,
      runs,
      ours_steps_s: ours,
      ours_step_ms_median: oursMed,
      st_steps_s: theirs,
      st_step_ms_median: theirsMed,
      ratio: median(ratios),
      ratio_range: [Math.min(...ratios), Math.max(...ratios)],
      bar: 1.0,
      met: median(ratios) <= 1.0,
    };
    process.stderr.write(
      `bench:small: ours ${median(ours).toFixed(1)} s vs ${version} ${median(theirs).toFixed(1)} s for ${steps} steps: ratio ${result.ratio.toFixed(2)} [${result.ratio_range.map((x) => x.toFixed(2)).join(', ')}]; bar <= 1.0: ${result.met ? 'met' : 'NOT met'}\n`,
    );
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    rmSync(T, { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  // a step that failed has printed its own message above (its stderr is inherited): name the step, no stack
  const err = e as { status?: number | null; signal?: string | null; message?: string };
  const what = String(err.message ?? e).split('\n')[0];
  process.stderr.write(
    `bench:small: stopped: ${what}${err.status != null ? ` (exit ${err.status})` : err.signal ? ` (${err.signal})` : ''}\n`,
  );
  process.exit(1);
}
