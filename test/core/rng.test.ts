import { describe, expect, it } from 'vitest';
import { deriveSeed, Rng, rngFor } from '../../lib/core/rng';

const draw = (r: Rng, n = 8) => Array.from({ length: n }, () => r.uint32());

describe('seed derivation', () => {
  it('same seed and label give the same stream', () => {
    expect(draw(rngFor(7, 'seeding'))).toEqual(draw(rngFor(7, 'seeding')));
  });
  it('different labels give different streams', () => {
    expect(draw(rngFor(7, 'seeding'))).not.toEqual(draw(rngFor(7, 'fret')));
    expect(deriveSeed(7, 'a', 'b')).not.toBe(deriveSeed(7, 'b', 'a'));
  });
  it('different root seeds give different streams', () => {
    expect(draw(rngFor(7, 'x'))).not.toEqual(draw(rngFor(8, 'x')));
  });
  it('a stage stream does not depend on draws made by another stage', () => {
    const a = rngFor(1, 'train');
    rngFor(1, 'seeding').float();
    expect(draw(a)).toEqual(draw(rngFor(1, 'train')));
  });
});

describe('Rng', () => {
  it('float is in [0,1) with a plausible mean', () => {
    const r = new Rng(3);
    const xs = Array.from({ length: 20000 }, () => r.float());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(xs.reduce((a, b) => a + b) / xs.length - 0.5)).toBeLessThan(0.01);
  });
  it('fillKeep draws what the float() loop draws, and leaves the stream where that loop would', () => {
    for (const p of [0.1, 0.5, 0.37]) {
      const a = new Rng(11),
        b = new Rng(11);
      const fast = new Float32Array(5003),
        slow = new Float32Array(5003);
      a.fillKeep(fast, 2, 5000, p, 1 / (1 - p));
      for (let i = 2; i < 5002; i++) slow[i] = b.float() >= p ? 1 / (1 - p) : 0;
      expect(fast).toEqual(slow);
      expect(a.uint32()).toBe(b.uint32());
    }
  });
  it('shuffle is a permutation and seeded', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const s = new Rng(5).shuffle(items);
    expect([...s].sort((a, b) => a - b)).toEqual(items);
    expect(s).toEqual(new Rng(5).shuffle(items));
    expect(s).not.toEqual(items);
  });
  it('sample draws distinct items', () => {
    const s = new Rng(9).sample([1, 2, 3, 4, 5], 3);
    expect(new Set(s).size).toBe(3);
  });
});
