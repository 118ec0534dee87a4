import { describe, expect, it } from 'vitest';
import { truncateAndNormalize } from '../../lib/encoder/truncate-normalize';

describe('truncateAndNormalize', () => {
  it('keeps the prefix and re-normalises (hand-computed)', () => {
    const [a, b] = truncateAndNormalize([new Float32Array([3, 4, 12]), new Float32Array([0, 0, 1])], 2);
    expect(Array.from(a!)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(Array.from(b!)).toEqual([0, 0]); // a zero prefix stays zero
  });
  it('does not modify its input and rejects bad dimensions', () => {
    const v = new Float32Array([3, 4]);
    truncateAndNormalize([v], 2);
    expect(Array.from(v)).toEqual([3, 4]);
    expect(() => truncateAndNormalize([v], 3)).toThrow(/cannot truncate vector 0 of dimension 2 to 3/);
    expect(() => truncateAndNormalize([v], 0)).toThrow(/positive integer/);
  });
});
