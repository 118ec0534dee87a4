import { describe, expect, it } from 'vitest';
import { embeddingProjection, pca } from '../../lib/plots/projection';
import { Rng } from '../../lib/core/rng';

describe('pca', () => {
  it('finds the axes of a hand-made cross', () => {
    // Centred already; variance along x: (9+9)/3 = 6, along y: (1+1)/3 = 2/3.
    const r = pca(
      [
        [3, 0],
        [-3, 0],
        [0, 1],
        [0, -1],
      ],
      2,
    );
    expect(Array.from(r.components[0]!).map((v) => +v.toFixed(6) + 0)).toEqual([1, 0]);
    expect(Array.from(r.components[1]!).map((v) => +v.toFixed(6) + 0)).toEqual([0, 1]);
    expect(r.variances[0]).toBeCloseTo(6);
    expect(r.variances[1]).toBeCloseTo(2 / 3);
    expect(r.explained[0]).toBeCloseTo(0.9);
    expect(r.projected.map((p) => p.map((v) => +v.toFixed(6) + 0))).toEqual([
      [3, 0],
      [-3, 0],
      [0, 1],
      [0, -1],
    ]);
  });

  it('recovers a known direction in 5-d and is independent of the seed', () => {
    const rng = new Rng(7);
    const dir = [1, 4, 0, -2, 2].map((v) => v / 5); // unit length
    const pts = Array.from({ length: 200 }, () => {
      const t = rng.normal() * 5;
      return dir.map((d) => 10 + d * t + rng.normal() * 0.05);
    });
    const a = pca(pts, 2, { seed: 1 }),
      b = pca(pts, 2, { seed: 99 });
    const dot = a.components[0]!.reduce((s, v, j) => s + v * dir[j]!, 0);
    expect(Math.abs(dot)).toBeGreaterThan(0.999);
    expect(a.components[0]![1]).toBeGreaterThan(0); // sign rule: largest entry positive
    expect(Array.from(a.components[0]!).map((v) => v.toFixed(6))).toEqual(
      Array.from(b.components[0]!).map((v) => v.toFixed(6)),
    );
    expect(a.explained[0]).toBeGreaterThan(0.99);
    const c1 = a.components[0]!,
      c2 = a.components[1]!;
    expect(Math.abs(c1.reduce((s, v, j) => s + v * c2[j]!, 0))).toBeLessThan(1e-8);
  });

  it('rejects bad input', () => {
    expect(() => pca([[1, 2]])).toThrow(/at least 2 points/);
    expect(() => pca([[1, 2], [1]])).toThrow(/different dimensions/);
    expect(() =>
      pca(
        [
          [1, 2],
          [3, 4],
        ],
        3,
      ),
    ).toThrow(/k must be/);
  });
});

describe('embeddingProjection', () => {
  it('makes one trace per class with the projected points', () => {
    const fig = embeddingProjection(
      [
        [3, 0, 0],
        [-3, 0, 0],
        [0, 1, 0],
        [0, -1, 0],
      ],
      ['b', 'b', 'a', 'a'],
    );
    expect(fig.data.map((t) => t.name)).toEqual(['a', 'b']);
    expect((fig.data[1]!.x as number[]).map((v) => +v.toFixed(6))).toEqual([3, -3]);
    expect(fig.layout.title.text).toBe('PCA of 4 3-d embeddings, coloured by class');
    expect(fig.layout.xaxis.title.text).toBe('principal component 1 (90% of variance)');
    expect(() => embeddingProjection([[1], [2]], ['a'])).toThrow(/2 vectors but 1 labels/);
  });
});
