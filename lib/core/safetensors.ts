// safetensors, written and read by hand (no maintained npm package for it): an 8-byte
// little-endian header length N, then N bytes of JSON header, then the raw tensors.
// The header maps each tensor name to {dtype, shape, data_offsets: [begin, end)} (offsets
// relative to the end of the header) plus an optional "__metadata__" of string values.
// Spec: https://github.com/huggingface/safetensors (format section). Only F32 is written; F32,
// F16, BF16 and F64 are read (into Float32Array, exactly for F16/BF16), and the integer buffers
// some checkpoints carry (I64/I32 position_ids) too.
import { readFileSync } from 'node:fs';
import { GeckoError } from './errors';
import { writeFileAtomic } from './fs';

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
  /** The dtype it was stored in (read only; the writer always writes F32). */
  dtype?: SafetensorsDtype;
}

/** The dtypes readSafetensors reads, with their byte widths. */
export const SAFETENSORS_DTYPES = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4 } as const;
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPES;

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Little-endian copy of a Float32Array (a no-op copy on little-endian machines). */
function leBytes(a: Float32Array): Buffer {
  const out = Buffer.alloc(a.length * 4);
  for (let i = 0; i < a.length; i++) out.writeFloatLE(a[i]!, i * 4);
  return out;
}

/**
 * Serialise tensors to safetensors bytes. Tensors are stored in the given order; the header is
 * padded with spaces to a multiple of 8 bytes (as the reference writer does), so every tensor
 * starts 8-byte aligned.
 * @example safetensorsBytes([{ name: 'w', shape: [2], data: new Float32Array([1, 2]) }], { format: 'pt' })
 */
export function safetensorsBytes(
  tensors: readonly NamedTensor[],
  metadata: Record<string, string> = {},
  onTensor?: (name: string) => void,
): Buffer {
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new GeckoError(`safetensors: tensor name '${t.name}' appears twice`);
    seen.add(t.name);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new GeckoError(`safetensors: '${t.name}' has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  const pad = (8 - (Buffer.byteLength(json) % 8)) % 8;
  json += ' '.repeat(pad);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const parts = [head, Buffer.from(json)];
  for (const t of tensors) {
    parts.push(leBytes(t.data));
    onTensor?.(t.name);
  }
  return Buffer.concat(parts);
}

/** Write a .safetensors file atomically. */
export function writeSafetensors(
  path: string,
  tensors: readonly NamedTensor[],
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(path, safetensorsBytes(tensors, metadata));
}

/** IEEE half (binary16) bits to a float (exact). */
function f16ToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Decode `count` values of `dtype` at `offset` of `buf` into a Float32Array (little-endian). */
function decode(buf: Buffer, offset: number, count: number, dtype: SafetensorsDtype): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(buf.buffer, buf.byteOffset + offset, count * SAFETENSORS_DTYPES[dtype]);
  if (dtype === 'F32') for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  else if (dtype === 'F16') for (let i = 0; i < count; i++) out[i] = f16ToFloat(view.getUint16(2 * i, true));
  else if (dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16; // bf16 = the top half of an f32
  } else if (dtype === 'F64') for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
  else if (dtype === 'I64') for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(8 * i, true));
  else for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
  return out;
}

/**
 * Read a .safetensors file: every tensor as a Float32Array (F16 and BF16 exactly, F64 rounded,
 * integer buffers as numbers), with the dtype it was stored in. Errors name the file and the
 * tensor or header field that is wrong.
 * @example readSafetensors('model.safetensors').tensors.get('embeddings.word_embeddings.weight')!.shape
 */
export function readSafetensors(path: string): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new GeckoError(`cannot read ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const bad = (why: string) => new GeckoError(`${path}: not a valid safetensors file (${why})`);
  if (buf.length < 8) throw bad('shorter than the 8-byte header length');
  const n = Number(buf.readBigUInt64LE(0));
  if (8 + n > buf.length) throw bad(`header length ${n} runs past the end of the file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  } catch (e) {
    throw bad(`header is not JSON: ${(e as Error).message}`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw bad('header is not a JSON object');
  const base = 8 + n;
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = v as Record<string, string>;
      continue;
    }
    const e = v as Partial<HeaderEntry>;
    if (!e || typeof e !== 'object' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets))
      throw bad(`tensor '${name}' has no shape or data_offsets`);
    if (!(e.dtype! in SAFETENSORS_DTYPES))
      throw bad(`tensor '${name}' has dtype ${e.dtype}; supported: ${Object.keys(SAFETENSORS_DTYPES).join(', ')}`);
    const dtype = e.dtype as SafetensorsDtype;
    const [b, end] = e.data_offsets;
    const count = e.shape.reduce((a, c) => a * c, 1);
    if (end! - b! !== SAFETENSORS_DTYPES[dtype] * count || base + end! > buf.length)
      throw bad(`tensor '${name}' has data_offsets [${b}, ${end}] that do not fit ${dtype} [${e.shape.join(', ')}]`);
    tensors.set(name, { name, shape: e.shape, data: decode(buf, base + b!, count, dtype), dtype });
  }
  return { tensors, metadata };
}
