// The one place that chooses and sets the TF.js compute backend.
// Automatic order: tensorflow-gpu > tensorflow > wasm > cpu (webgpu only when asked for).
// Honest about GPUs:
//   - the GPU package (@tensorflow/tfjs-node-gpu) is loaded only when an NVIDIA driver or
//     device is visible, and the two tfjs-node packages are never loaded in one process;
//   - after it loads, tf.backend().isUsingGpuDevice says whether libtensorflow found a GPU.
//     libtensorflow 2.9.1 (tfjs-node-gpu 4.22.0) needs the CUDA 11.2 runtime and cuDNN 8.1;
//     without them it runs on the CPU. Automatic choice then keeps libtensorflow on the CPU
//     under the name 'tensorflow' and says why; GECKO_BACKEND=tensorflow-gpu fails instead.
// GECKO_BACKEND overrides; an override that cannot load is an error, never a silent fallback.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readEnv, setEnvDefault } from '../core/env';
import { GeckoError } from '../core/errors';
import { projectRoot } from '../core/paths';

export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
/** Tried in this order when GECKO_BACKEND is unset. WebGPU in Node is opt-in (see README, "GPU: what works"). */
export const AUTO_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export const PACKAGE_OF: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
};

/** What to do when tfjs-node-gpu loads but libtensorflow registers no GPU device. */
export const CUDA_FIX =
  'libtensorflow 2.9.1 (inside @tensorflow/tfjs-node-gpu 4.22.0) needs the CUDA 11.2 runtime and cuDNN 8.1 ' +
  '(any CUDA 11.x / cuDNN 8.x libraries that provide libcudart.so.11.0 and libcudnn.so.8): install them and put ' +
  'their lib folders on LD_LIBRARY_PATH. A CUDA 12 install alone is not enough; on Linux arm64 the package ' +
  'installs a CPU-only build. Or use GECKO_BACKEND=webgpu (no CUDA version to match)';

/** The NVIDIA driver and devices visible on this machine (empty when none). */
export interface GpuInfo {
  /** First line of /proc/driver/nvidia/version, or null. */
  driver: string | null;
  /** `nvidia-smi -L` lines, e.g. 'GPU 0: NVIDIA H100 80GB HBM3' (UUIDs cut off). */
  devices: string[];
}

/** How a backend is probed; tests replace it to simulate missing packages, GPUs and CUDA libraries. */
export interface BackendProbe {
  /** Load a package by name; throw if it is not installed or fails to load. */
  load(pkg: string): void;
  /** The NVIDIA driver and devices visible, read without loading any TF.js package. */
  gpu(): GpuInfo;
  /** After @tensorflow/tfjs-node-gpu loaded: tf.backend().isUsingGpuDevice of the 'tensorflow' backend. */
  tfUsesGpu(): Promise<boolean>;
  /** After the WebGPU packages loaded: a description of the WebGPU adapter, or null when there is none. */
  webgpuAdapter(): Promise<string | null>;
}

export interface BackendChoice {
  /** Our name for the choice. */
  name: BackendName;
  /** The TF.js backend id that is active (tfjs-node and tfjs-node-gpu both register 'tensorflow'). */
  tfBackend: string;
  /** The npm package that provides it (tfjs-node-gpu may provide 'tensorflow' on the CPU). */
  package: string;
  /** Why this one: printed when a command starts and written to every run's env.json. */
  reason: string;
  /** What was tried before it, and why each was passed over. */
  skipped: { name: BackendName; why: string }[];
  /** The GPU facts behind the choice, written to env.json. isUsingGpuDevice: null when tfjs-node-gpu was not loaded. */
  gpu: GpuInfo & { isUsingGpuDevice: boolean | null; webgpuAdapter: string | null };
}

export type BackendPlan = Omit<BackendChoice, 'tfBackend'>;

/** Sets `navigator.gpu` to Dawn (the `webgpu` npm package) so @tensorflow/tfjs-backend-webgpu can register in Node. */
function installDawn(req: NodeJS.Require): void {
  const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  const { create, globals } = req('webgpu') as { create: (o: string[]) => unknown; globals: object };
  Object.assign(globalThis, globals);
  const gpu = create([]);
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else g.navigator = { gpu };
}

export const nodeProbe: BackendProbe = {
  load(pkg) {
    const req = createRequire(join(projectRoot(), 'package.json'));
    if (pkg === PACKAGE_OF['tensorflow-gpu']) setEnvDefault('TF_FORCE_GPU_ALLOW_GROWTH', 'true'); // share the GPU (LLM teacher)
    if (pkg === PACKAGE_OF.webgpu) installDawn(req);
    req(pkg);
  },
  gpu() {
    let driver: string | null = null;
    try {
      if (existsSync('/proc/driver/nvidia/version'))
        driver = readFileSync('/proc/driver/nvidia/version', 'utf8').split('\n')[0]!.trim() || null;
    } catch {
      driver = null;
    }
    let devices: string[] = [];
    try {
      devices = execFileSync('nvidia-smi', ['-L'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })
        .toString()
        .split('\n')
        .filter((l) => l.startsWith('GPU'))
        .map((l) => l.replace(/\s*\(UUID:.*\)\s*$/, '').trim());
    } catch {
      devices = [];
    }
    return { driver, devices };
  },
  async tfUsesGpu() {
    await tf.setBackend('tensorflow');
    return (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
  },
  async webgpuAdapter() {
    const gpu = (globalThis as unknown as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator
      ?.gpu;
    const a = (await gpu?.requestAdapter()) as
      { info?: { vendor?: string; architecture?: string; device?: string; description?: string } } | null | undefined;
    if (!a) return null;
    const i = a.info ?? {};
    return [i.vendor, i.architecture, i.device, i.description].filter((s) => s).join(' ') || 'unnamed adapter';
  },
};

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e)
    .split('\n')[0]!
    .slice(0, 160);
}

const gpuVisible = (g: GpuInfo) => g.driver !== null || g.devices.length > 0;
const NO_GPU = 'no NVIDIA GPU visible (no /proc/driver/nvidia/version, nvidia-smi lists none)';
const NO_ADAPTER =
  'Dawn (the webgpu package) found no WebGPU adapter: it needs a GPU with a Vulkan driver (libvulkan.so.1 and the vendor ICD, e.g. the NVIDIA driver)';

/**
 * Decide which backend to use, loading only the packages it needs. Pure given the probe: tested with fakes.
 * @example await planBackend({ override: undefined, probe: nodeProbe }) // -> { name: 'wasm', reason: 'auto: ...' }
 */
export async function planBackend(opts: { override?: string; probe: BackendProbe }): Promise<BackendPlan> {
  const { override, probe } = opts;
  const gpu = probe.gpu();
  const facts = (isUsingGpuDevice: boolean | null, webgpuAdapter: string | null = null) => ({
    ...gpu,
    isUsingGpuDevice,
    webgpuAdapter,
  });
  if (override !== undefined) {
    if (!(BACKENDS as readonly string[]).includes(override)) {
      throw new GeckoError(
        `GECKO_BACKEND='${override}' is not a backend`,
        `use one of: ${BACKENDS.join(', ')}, or unset it for automatic choice`,
      );
    }
    const name = override as BackendName;
    const pkg = PACKAGE_OF[name];
    if (name === 'tensorflow-gpu' && !gpuVisible(gpu))
      throw new GeckoError(
        `GECKO_BACKEND=tensorflow-gpu was requested but ${NO_GPU}`,
        'check nvidia-smi, or set GECKO_BACKEND=tensorflow / wasm',
      );
    try {
      if (name === 'webgpu') probe.load('webgpu');
      probe.load(pkg);
    } catch (e) {
      const what = name === 'webgpu' ? `${pkg} and webgpu` : pkg;
      throw new GeckoError(
        `GECKO_BACKEND=${name} was requested but ${what} does not load: ${firstLine(e)}`,
        `install it (npm install ${what}) or unset GECKO_BACKEND`,
      );
    }
    if (name === 'tensorflow-gpu' && !(await probe.tfUsesGpu()))
      throw new GeckoError(
        `GECKO_BACKEND=tensorflow-gpu was requested: ${pkg} loaded, but libtensorflow registered no GPU device ` +
          `(tf.backend().isUsingGpuDevice is false; driver: ${gpu.driver ?? 'none'})`,
        CUDA_FIX,
      );
    let adapter: string | null = null;
    if (name === 'webgpu') {
      adapter = await probe.webgpuAdapter();
      if (adapter === null)
        throw new GeckoError(`GECKO_BACKEND=webgpu was requested but ${NO_ADAPTER}`, 'unset GECKO_BACKEND');
    }
    return {
      name,
      package: pkg,
      reason: `set by GECKO_BACKEND=${name}${adapter ? ` (adapter: ${adapter})` : ''}`,
      skipped: [],
      gpu: facts(name === 'tensorflow-gpu' ? true : null, adapter),
    };
  }
  const skipped: { name: BackendName; why: string }[] = [];
  const because = () => (skipped.length ? `; skipped ${skipped.map((s) => `${s.name}: ${s.why}`).join('; ')}` : '');
  const auto = `auto: first available in order ${AUTO_ORDER.join(' > ')}`;
  for (const name of AUTO_ORDER) {
    const pkg = PACKAGE_OF[name];
    if (name === 'tensorflow-gpu' && !gpuVisible(gpu)) {
      skipped.push({ name, why: `${NO_GPU}; ${pkg} was not loaded` });
      continue;
    }
    try {
      probe.load(pkg);
    } catch (e) {
      skipped.push({ name, why: `${pkg} not loadable (${firstLine(e)})` });
      continue;
    }
    if (name === 'tensorflow-gpu') {
      if (await probe.tfUsesGpu())
        return { name, package: pkg, reason: `${auto}${because()}`, skipped, gpu: facts(true) };
      // libtensorflow is loaded and runs on the CPU: keep it (never load tfjs-node beside it).
      skipped.push({
        name,
        why: `${pkg} loaded but libtensorflow registered no GPU device (isUsingGpuDevice false). Fix: ${CUDA_FIX}`,
      });
      return {
        name: 'tensorflow',
        package: pkg,
        reason: `${auto}${because()}; running libtensorflow from ${pkg} on the CPU (tfjs-node is not loaded beside it)`,
        skipped,
        gpu: facts(false),
      };
    }
    return { name, package: pkg, reason: `${auto}${because()}`, skipped, gpu: facts(null) };
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
  const plan = await planBackend({ override, probe: opts.probe ?? nodeProbe });
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
