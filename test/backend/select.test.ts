import { describe, expect, it } from 'vitest';
import { planBackend, selectBackend, type BackendProbe } from '../../lib/backend/select';

/** A probe where only `installed` packages load and `gpu` says whether a GPU is visible. */
const fakeProbe = (installed: string[], gpu = false): BackendProbe => ({
  load(pkg) {
    if (!installed.includes(pkg)) throw new Error(`Cannot find module '${pkg}'`);
  },
  gpuVisible: () => gpu,
});
const ALL = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs'];

describe('backend choice', () => {
  it('prefers tfjs-node-gpu when it loads and sees a GPU', () => {
    expect(planBackend({ probe: fakeProbe(ALL, true) }).name).toBe('tensorflow-gpu');
  });
  it('skips tfjs-node-gpu without a GPU, with the reason', () => {
    const c = planBackend({ probe: fakeProbe(ALL, false) });
    expect(c.name).toBe('tensorflow');
    expect(c.reason).toMatch(/no GPU is visible/);
  });
  it('falls to tfjs-node when tfjs-node-gpu is missing', () => {
    const c = planBackend({ probe: fakeProbe(ALL.slice(1), true) });
    expect(c.name).toBe('tensorflow');
    expect(c.skipped[0]).toMatchObject({ name: 'tensorflow-gpu' });
  });
  it('falls to wasm, then cpu', () => {
    expect(planBackend({ probe: fakeProbe(ALL.slice(2)) }).name).toBe('wasm');
    const cpu = planBackend({ probe: fakeProbe(ALL.slice(3)) });
    expect(cpu.name).toBe('cpu');
    expect(cpu.reason).toMatch(/wasm/);
  });
  it('honours the override', () => {
    const c = planBackend({ override: 'cpu', probe: fakeProbe(ALL, true) });
    expect(c).toMatchObject({ name: 'cpu', reason: 'set by GECKO_BACKEND=cpu' });
  });
  it('refuses an override that cannot load, instead of falling back silently', () => {
    expect(() => planBackend({ override: 'tensorflow-gpu', probe: fakeProbe(ALL.slice(1)) })).toThrowError(
      /does not load/,
    );
    expect(() => planBackend({ override: 'tpu', probe: fakeProbe(ALL) })).toThrowError(/not a backend/);
  });
  it('activates a real backend on this machine and says why', async () => {
    const c = await selectBackend();
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(c.name);
    expect(c.reason.length).toBeGreaterThan(5);
  });
});
