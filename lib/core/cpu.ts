// Which CPU this is: its model name and the widest x86 SIMD it reports. CPUs of one machine
// class differ (AVX-512 on some, AVX2 on others) and timings move with them, so benchmarks,
// run folders (env.json) and the demo's log entry say which one they ran on.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export interface CpuInfo {
  cpu_model: string;
  /** The widest SIMD: AVX-512, AVX2, AVX, SSE4.2 or unknown. */
  simd: string;
  simd_flags: string[];
  /** Cores (logical CPUs) available to this process. */
  cores: number;
}

/**
 * The CPU model and the widest x86 SIMD it reports (/proc/cpuinfo flags).
 * @example cpuInfo().simd // 'AVX2'
 */
export function cpuInfo(): CpuInfo {
  let text = '';
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    /* not Linux */
  }
  return parseCpuInfo(text, availableParallelism());
}

/** cpuInfo from the text of /proc/cpuinfo. @example parseCpuInfo('model name : X\nflags : avx avx2 fma', 2).simd // 'AVX2' */
export function parseCpuInfo(text: string, cores: number): CpuInfo {
  const model = /^model name\s*:\s*(.*)$/m.exec(text)?.[1]?.trim() ?? 'unknown';
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(text)?.[1] ?? '').split(/\s+/));
  const known = [
    'sse4_2',
    'avx',
    'avx2',
    'fma',
    'avx512f',
    'avx512bw',
    'avx512vl',
    'avx512_vnni',
    'avx512_bf16',
    'amx_tile',
  ];
  const simd = flags.has('avx512f')
    ? 'AVX-512'
    : flags.has('avx2')
      ? 'AVX2'
      : flags.has('avx')
        ? 'AVX'
        : flags.has('sse4_2')
          ? 'SSE4.2'
          : 'unknown';
  return { cpu_model: model, simd, simd_flags: known.filter((f) => flags.has(f)), cores };
}
