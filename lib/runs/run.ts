// A run: one folder under runs/ holding the resolved config, the environment
// (versions, backend and why, git commit) and everything the run writes, so that
// any number can be traced to the run that made it.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { ResolvedConfig } from '../config/resolve';
import type { ExperimentConfig } from '../config/schema';
import { cleanStaleTemps, ensureDir, writeJson } from '../core/fs';
import { acquireLock } from '../core/lock';
import { noteOutputFolder } from '../core/resume';
import { GeckoError } from '../core/errors';
import { checkEnvDirs, checkOutputDir } from '../core/preflight';
import { consoleLogger, type Logger } from '../core/log';
import { insideRoot, projectRoot, runsDir } from '../core/paths';
import { rngFor, type Rng } from '../core/rng';
import { selectBackend, type BackendChoice } from '../backend/select';
import { gitState } from '../core/version';
import { cpuInfo, type CpuInfo } from '../core/cpu';
import { enginePath, type EnginePath } from '../backend/engine-path';
import { readJsonFile } from '../core/json';

export interface RunContext {
  /** Run id, also the folder name: <YYYYMMDD-HHMMSS>-<name>-<hash8>. */
  id: string;
  dir: string;
  preset: string;
  config: Readonly<ExperimentConfig>;
  configHash: string;
  backend: BackendChoice;
  log: Logger;
  /** An independent random stream for a stage label. */
  rng(label: string, ...more: (string | number)[]): Rng;
  /** A path inside the run folder (parent folders are created). */
  path(...parts: string[]): string;
}

export interface RunInfo {
  command: string;
  startedAt: string;
  node: string;
  versions: Record<string, string | null>;
  /** The backend and why; the GPU facts behind it (driver, devices, tf.backend().isUsingGpuDevice); the training path. */
  backend: {
    name: string;
    tfBackend: string;
    package: string;
    reason: string;
    gpu: BackendChoice['gpu'];
    enginePath: EnginePath;
  };
  git: { commit: string | null; dirty: boolean | null };
  platform: string;
  cpu: CpuInfo;
}

const TRACKED_PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-webgpu', 'webgpu', 'onnxruntime-node', 'danfojs-node', 'openai', 'node-llama-cpp', 'tslab', 'plotly.js-dist-min'];

/** Installed versions of the packages that shape results (null = not installed). */
export function packageVersions(): Record<string, string | null> {
  const req = createRequire(join(projectRoot(), 'package.json'));
  const out: Record<string, string | null> = {};
  for (const name of TRACKED_PACKAGES) {
    try {
      const pkgPath = join(projectRoot(), 'node_modules', name, 'package.json');
      out[name] = existsSync(pkgPath) ? readJsonFile<{ version: string }>(pkgPath, { dataKeys: true }).version : req(`${name}/package.json`).version;
    } catch {
      out[name] = null;
    }
  }
  return out;
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Start (or resume) a run: pick the backend, create the folder, write config.json and env.json.
 * Pass `dir` to resume an existing run folder; its config must match.
 * @example const ctx = await startRun(resolveConfig('smoke'), { command: 'gecko fret' });
 */
export async function startRun(resolved: ResolvedConfig, opts: { command?: string; dir?: string; log?: Logger; quiet?: boolean } = {}): Promise<RunContext> {
  const log = opts.log ?? consoleLogger;
  checkEnvDirs();
  const requestedDir = opts.dir ?? runsDir();
  checkOutputDir(requestedDir, opts.dir ? '--out' : 'GECKO_RUNS_DIR');
  const backend = await selectBackend();
  const id = opts.dir ? opts.dir.split('/').filter(Boolean).pop()! : `${stamp()}-${resolved.config.name}-${resolved.hash.slice(0, 8)}`;
  const dir = opts.dir ?? insideRoot(runsDir(), id); // the name is one safe segment (schema), checked again here
  noteOutputFolder(dir); // a resume advice names this folder (without --out a rerun would start a new one)
  const configPath = join(dir, 'config.json');
  if (existsSync(configPath)) {
    acquireLock(dir, opts.command ?? 'gecko');
    cleanStaleTemps(dir);
    let prev: { hash?: unknown };
    try {
      prev = readJsonFile(configPath);
      if (!prev || typeof prev !== 'object') throw new Error('not a JSON object');
    } catch (e) {
      throw new GeckoError(
        `${configPath}: ${(e as Error).message.split('\n')[0]}: the run folder is damaged`,
        `delete the folder ${resolve(dir)} and rerun the same command`,
      );
    }
    if (prev.hash !== resolved.hash) {
      throw new GeckoError(`run folder ${dir} holds a run of a different config (hash ${String(prev.hash).slice(0, 8)} vs ${resolved.hash.slice(0, 8)})`, 'use a new --out folder, or the same --preset and --set values to resume it');
    }
  } else {
    ensureDir(dir);
    acquireLock(dir, opts.command ?? 'gecko');
    writeJson(configPath, { preset: resolved.preset, hash: resolved.hash, overrides: resolved.overrides, config: resolved.config });
  }
  const info: RunInfo = {
    command: opts.command ?? process.argv.slice(1).join(' '),
    startedAt: new Date().toISOString(),
    node: process.version,
    versions: packageVersions(),
    backend: {
      name: backend.name,
      tfBackend: backend.tfBackend,
      package: backend.package,
      reason: backend.reason,
      gpu: backend.gpu,
      enginePath: enginePath(backend.tfBackend),
    },
    git: gitState(),
    platform: `${process.platform}-${process.arch}`,
    cpu: cpuInfo(),
  };
  writeJson(join(dir, 'env.json'), info);
  if (!opts.quiet) {
    log.info(`run ${id} (preset ${resolved.preset}, config ${resolved.hash.slice(0, 8)}, seed ${resolved.config.seed})`);
    log.info(`backend: ${backend.name} (${backend.reason}); training path: ${info.backend.enginePath}`);
    log.info(`CPU: ${info.cpu.cpu_model}, ${info.cpu.cores} cores, widest SIMD ${info.cpu.simd}`);
  }
  return {
    id, dir, preset: resolved.preset, config: resolved.config, configHash: resolved.hash, backend, log,
    rng: (label, ...more) => rngFor(resolved.config.seed, label, ...more),
    path: (...parts) => {
      const p = join(dir, ...parts);
      ensureDir(join(p, '..'));
      return p;
    },
  };
}
