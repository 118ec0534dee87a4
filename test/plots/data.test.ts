import { describe, expect, it } from 'vitest';
import { binCounts, lengthHistogram } from '../../lib/plots/data';

describe('length histogram', () => {
  it('counts values into fixed-width bins', () => {
    expect(binCounts([0, 1, 9, 10, 25], 10)).toEqual([3, 1, 1]);
    expect(binCounts([5, 100], 10, 0, 2)).toEqual([1, 0]); // out of range dropped
    expect(() => binCounts([1], 0)).toThrow(/bin size/);
  });

  it('clips the tail into the last bar and marks the window with dashed lines', () => {
    const fig = lengthHistogram({ passages: [5, 15, 25, 1000] }, { window: [15, 35], bins: 4, clipAt: 39 });
    expect(fig.data[0]!.y).toEqual([1, 1, 1, 1]); // 1000 → clipped to 39, last bin
    expect(fig.data[0]!.x).toEqual([5, 15, 25, 35]);
    expect((fig.layout.shapes as { x0: number }[]).map((s) => s.x0)).toEqual([15, 35]);
    expect(fig.layout.title.text).toContain('seeding window 15-35');
    expect(fig.layout.xaxis.title.text).toContain('above 39');
  });
});
