// Which CPU a figure came from: the model name and the widest SIMD in /proc/cpuinfo's flags.
import { describe, expect, it } from 'vitest';
import { parseCpuInfo } from '../../lib/core/cpu';

describe('parseCpuInfo', () => {
  it('names the widest SIMD of the first CPU and keeps the known flags', () => {
    const avx2 = 'processor : 0\nmodel name : AMD EPYC 7B12\nflags : fpu sse4_2 avx avx2 fma\n\nprocessor : 1\n';
    expect(parseCpuInfo(avx2, 2)).toEqual({
      cpu_model: 'AMD EPYC 7B12',
      simd: 'AVX2',
      simd_flags: ['sse4_2', 'avx', 'avx2', 'fma'],
      cores: 2,
    });
    expect(parseCpuInfo('model name\t: X\nflags\t\t: sse4_2 avx avx2 fma avx512f avx512bw\n', 16).simd).toBe('AVX-512');
    expect(parseCpuInfo('', 1)).toMatchObject({ cpu_model: 'unknown', simd: 'unknown', simd_flags: [] });
  });
});
