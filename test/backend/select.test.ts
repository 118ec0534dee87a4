// Backend choice with simulated machines: packages missing, a GPU package that loads but finds
// no GPU device (CUDA 12 only), forced overrides, WebGPU without an adapter.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import {
  AUTO_ORDER,
  CUDA_FIX,
  nodeProbe,
  planBackend,
  selectBackend,
  type BackendProbe,
  type GpuInfo,
} from '../../lib/backend/select';

const NO_GPU: GpuInfo = { driver: null, devices: [] };
const H100: GpuInfo = {
  driver: 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15',
  devices: ['GPU 0: NVIDIA H100'],
};

/** A probe where only `installed` packages load; it records what was loaded. */
const fakeProbe = (
  installed: string[],
  opts: { gpu?: GpuInfo; cudaWorks?: boolean; adapter?: string | null } = {},
): BackendProbe & { loaded: string[] } => {
  const loaded: string[] = [];
  return {
    loaded,
    load(pkg) {
      if (!installed.includes(pkg)) throw new Error(`Cannot find module '${pkg}'`);
      loaded.push(pkg);
    },
    gpu: () => opts.gpu ?? NO_GPU,
    tfUsesGpu: async () => opts.cudaWorks ?? false,
    webgpuAdapter: async () => opts.adapter ?? null,
  };
};
const GPU_PKG = '@tensorflow/tfjs-node-gpu',
  NODE_PKG = '@tensorflow/tfjs-node';
const ALL = [GPU_PKG, NODE_PKG, '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs'];
const WEBGPU = ['webgpu', '@tensorflow/tfjs-backend-webgpu'];

describe('backend choice', () => {
  it('prefers tfjs-node-gpu when a GPU is visible and libtensorflow uses it', async () => {
    const c = await planBackend({ probe: fakeProbe(ALL, { gpu: H100, cudaWorks: true }) });
    expect(c).toMatchObject({ name: 'tensorflow-gpu', package: GPU_PKG });
    expect(c.gpu).toMatchObject({ isUsingGpuDevice: true, devices: ['GPU 0: NVIDIA H100'] });
  });
  it('does not load the GPU package when no GPU is visible', async () => {
    const probe = fakeProbe(ALL);
    const c = await planBackend({ probe });
    expect(c.name).toBe('tensorflow');
    expect(c.package).toBe(NODE_PKG);
    expect(probe.loaded).not.toContain(GPU_PKG);
    expect(c.reason).toMatch(/no NVIDIA GPU visible/);
    expect(c.gpu.isUsingGpuDevice).toBeNull();
  });
  it('GPU package loads but registers no GPU device: stays on its libtensorflow (CPU), says why and how to fix', async () => {
    const probe = fakeProbe(ALL, { gpu: H100, cudaWorks: false });
    const c = await planBackend({ probe });
    expect(c).toMatchObject({ name: 'tensorflow', package: GPU_PKG });
    expect(c.gpu.isUsingGpuDevice).toBe(false);
    expect(c.skipped[0]).toMatchObject({ name: 'tensorflow-gpu' });
    expect(c.skipped[0]!.why).toMatch(/CUDA 11\.2.*cuDNN 8\.1.*LD_LIBRARY_PATH/);
    expect(probe.loaded).toEqual([GPU_PKG]); // never both tfjs-node packages in one process
  });
  it('falls to tfjs-node when tfjs-node-gpu is missing, then wasm, then cpu', async () => {
    const c = await planBackend({ probe: fakeProbe(ALL.slice(1), { gpu: H100 }) });
    expect(c.name).toBe('tensorflow');
    expect(c.skipped[0]).toMatchObject({ name: 'tensorflow-gpu' });
    expect((await planBackend({ probe: fakeProbe(ALL.slice(2)) })).name).toBe('wasm');
    const cpu = await planBackend({ probe: fakeProbe(ALL.slice(3)) });
    expect(cpu.name).toBe('cpu');
    expect(cpu.reason).toMatch(/wasm/);
  });
  it('never picks webgpu by itself, even with an adapter', async () => {
    const probe = fakeProbe([...ALL.slice(2), ...WEBGPU], { adapter: 'nvidia ampere' });
    expect((await planBackend({ probe })).name).toBe('wasm');
    expect(probe.loaded).not.toContain('webgpu');
  });
  it('honours the override', async () => {
    const c = await planBackend({ override: 'cpu', probe: fakeProbe(ALL, { gpu: H100, cudaWorks: true }) });
    expect(c).toMatchObject({ name: 'cpu', reason: 'set by GECKO_BACKEND=cpu' });
    const w = await planBackend({ override: 'webgpu', probe: fakeProbe(WEBGPU, { adapter: 'nvidia ampere' }) });
    expect(w).toMatchObject({ name: 'webgpu', package: '@tensorflow/tfjs-backend-webgpu' });
    expect(w.gpu.webgpuAdapter).toBe('nvidia ampere');
  });
  it('a forced tensorflow-gpu fails without a GPU, without the package, or without CUDA 11 libraries', async () => {
    await expect(planBackend({ override: 'tensorflow-gpu', probe: fakeProbe(ALL) })).rejects.toThrowError(
      /no NVIDIA GPU visible/,
    );
    await expect(
      planBackend({ override: 'tensorflow-gpu', probe: fakeProbe(ALL.slice(1), { gpu: H100 }) }),
    ).rejects.toThrowError(/does not load/);
    const err = await planBackend({
      override: 'tensorflow-gpu',
      probe: fakeProbe(ALL, { gpu: H100, cudaWorks: false }),
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/registered no GPU device/);
    expect((err as Error).message).toContain(CUDA_FIX);
  });
  it('a forced webgpu fails without an adapter or without the packages; unknown names are refused', async () => {
    await expect(planBackend({ override: 'webgpu', probe: fakeProbe(WEBGPU) })).rejects.toThrowError(
      /no WebGPU adapter/,
    );
    await expect(planBackend({ override: 'webgpu', probe: fakeProbe(ALL) })).rejects.toThrowError(/does not load/);
    await expect(planBackend({ override: 'tpu', probe: fakeProbe(ALL) })).rejects.toThrowError(/not a backend/);
  });
  it('activates a real backend on this machine and says why', async () => {
    const c = await selectBackend();
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(c.name);
    // TF.js runs the chosen backend, and it computes
    expect(tf.getBackend()).toBe(c.tfBackend);
    expect(c.tfBackend).toBe(c.name === 'tensorflow-gpu' || c.name === 'tensorflow' ? 'tensorflow' : c.name);
    expect(
      Array.from(
        await tf
          .matMul(
            tf.tensor2d([
              [1, 2],
              [3, 4],
            ]),
            tf.tensor2d([[5], [6]]),
          )
          .data(),
      ),
    ).toEqual([17, 39]);
    // it is this machine's plan: the same probe gives the same choice and reason
    const env = process.env.GECKO_BACKEND;
    const plan = await planBackend({ override: env, probe: nodeProbe });
    expect({ name: plan.name, reason: plan.reason }).toEqual({ name: c.name, reason: c.reason });
    // the GPU facts are this machine's
    expect(c.gpu.driver === null).toBe(!existsSync('/proc/driver/nvidia/version'));
    if (env === undefined) {
      // automatic: every backend before it in the order was passed over, and the reason says why for each
      expect(c.skipped.map((s) => s.name)).toEqual(AUTO_ORDER.slice(0, AUTO_ORDER.indexOf(c.name)));
      for (const s of c.skipped) {
        expect(s.why.length, s.name).toBeGreaterThan(10);
        expect(c.reason).toContain(`${s.name}: ${s.why}`);
      }
      expect(c.reason).toMatch(/^auto: first available in order/);
    } else expect(c.reason).toContain(`GECKO_BACKEND=${env}`);
    console.log(`backend on this machine: ${c.name} (${c.reason})`);
  });
});
