// The one place that chooses and sets the TF.js compute backend.
// Order: tfjs-node-gpu (when it loads and a GPU is visible) > tfjs-node > wasm > cpu.
// GECKO_BACKEND overrides; an override that cannot load is an error, never a silent fallback.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readEnv } from '../core/env';
import { GeckoError } from '../core/errors';
import { projectRoot } from '../core/paths';

export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendChoice {
  /** Our name for the choice. */
  name: BackendName;
  /** The TF.js backend id that is active (tfjs-node and tfjs-node-gpu both register 'tensorflow'). */
  tfBackend: string;
  /** Why this one: printed when a command starts and written to every run's env.json. */
  reason: string;
  /** What was tried before it, and why each was passed over. */
  skipped: { name: BackendName; why: string }[];
}

/** How a backend is probed; tests replace it to simulate missing packages or GPUs. */
export interface BackendProbe {
  /** Load a package by name; throw if it is not installed or fails to load. */
  load(pkg: string): void;
  /** True when a GPU is visible to CUDA. */
  gpuVisible(): boolean;
}

export const PACKAGE_OF: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
};

export const nodeProbe: BackendProbe = {
  load(pkg) {
    createRequire(join(projectRoot(), 'package.json'))(pkg);
  },
  gpuVisible() {
    if (existsSync('/proc/driver/nvidia/version')) return true;
    try {
      return execFileSync('nvidia-smi', ['-L'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })
        .toString()
        .includes('GPU');
    } catch {
      return false;
    }
  },
};

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e)
    .split('\n')[0]!
    .slice(0, 160);
}

/**
 * Decide which backend to use, without activating it. Pure given the probe: tested with fakes.
 * @example planBackend({ override: undefined, probe: nodeProbe }) // -> { name: 'wasm', reason: 'auto: ...' }
 */
export function planBackend(opts: { override?: string; probe: BackendProbe }): Omit<BackendChoice, 'tfBackend'> {
  const { override, probe } = opts;
  if (override !== undefined) {
    if (!(BACKENDS as readonly string[]).includes(override)) {
      throw new GeckoError(
        `GECKO_BACKEND='${override}' is not a backend`,
        `use one of: ${BACKENDS.join(', ')}, or unset it for automatic choice`,
      );
    }
    const name = override as BackendName;
    try {
      probe.load(PACKAGE_OF[name]);
    } catch (e) {
      throw new GeckoError(
        `GECKO_BACKEND=${name} was requested but ${PACKAGE_OF[name]} does not load: ${firstLine(e)}`,
        `install it (npm install ${PACKAGE_OF[name]}) or unset GECKO_BACKEND`,
      );
    }
    if (name === 'tensorflow-gpu' && !probe.gpuVisible()) {
      throw new GeckoError(
        'GECKO_BACKEND=tensorflow-gpu was requested but no GPU is visible',
        'check nvidia-smi, or set GECKO_BACKEND=tensorflow',
      );
    }
    return { name, reason: `set by GECKO_BACKEND=${name}`, skipped: [] };
  }
  const skipped: { name: BackendName; why: string }[] = [];
  for (const name of BACKENDS) {
    try {
      probe.load(PACKAGE_OF[name]);
    } catch (e) {
      skipped.push({ name, why: `${PACKAGE_OF[name]} not loadable (${firstLine(e)})` });
      continue;
    }
    if (name === 'tensorflow-gpu' && !probe.gpuVisible()) {
      skipped.push({ name, why: `${PACKAGE_OF[name]} loads but no GPU is visible` });
      continue;
    }
    const why = skipped.length ? `; skipped ${skipped.map((s) => `${s.name}: ${s.why}`).join('; ')}` : '';
    return { name, reason: `auto: first available in order ${BACKENDS.join(' > ')}${why}`, skipped };
  }
  throw new GeckoError('no TF.js backend could be loaded', 'run npm install');
}

let active: BackendChoice | undefined;

/**
 * Choose, activate and verify the backend (idempotent within a process).
 * @example const backend = await selectBackend(); console.log(backend.name, backend.reason);
 */
export async function selectBackend(opts: { override?: string; probe?: BackendProbe } = {}): Promise<BackendChoice> {
  const override = opts.override ?? readEnv('GECKO_BACKEND');
  if (active && (override === undefined || override === active.name)) return active;
  const plan = planBackend({ override, probe: opts.probe ?? nodeProbe });
  const tfBackend = plan.name === 'tensorflow-gpu' || plan.name === 'tensorflow' ? 'tensorflow' : plan.name;
  const ok = await tf.setBackend(tfBackend);
  await tf.ready();
  if (!ok || tf.getBackend() !== tfBackend) {
    throw new GeckoError(
      `backend '${tfBackend}' was chosen (${plan.reason}) but TF.js reports '${tf.getBackend()}'`,
      'set GECKO_BACKEND to another backend',
    );
  }
  active = { ...plan, tfBackend };
  return active;
}

/** The active choice, if selectBackend() has run. */
export function activeBackend(): BackendChoice | undefined {
  return active;
}
