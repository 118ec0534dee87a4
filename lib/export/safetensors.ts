// safetensors, written and read by hand (no maintained npm package for it): an 8-byte
// little-endian header length N, then N bytes of JSON header, then the raw tensors.
// The header maps each tensor name to {dtype, shape, data_offsets: [begin, end)} (offsets
// relative to the end of the header) plus an optional "__metadata__" of string values.
// Spec: https://github.com/huggingface/safetensors (format section). Only F32 is written.
import { readFileSync } from 'node:fs';
import { GeckoError } from '../core/errors';
import { writeFileAtomic } from '../core/fs';
import { parseJson } from '../core/json';

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

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

/**
 * Read a .safetensors file of F32 tensors (the only dtype we write). Errors name the file and
 * what is wrong with it.
 */
export function readSafetensors(path: string): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  const buf = readFileSync(path);
  const bad = (why: string) => new GeckoError(`${path}: not a valid safetensors file (${why})`);
  if (buf.length < 8) throw bad('shorter than the 8-byte header length');
  const n = Number(buf.readBigUInt64LE(0));
  if (8 + n > buf.length) throw bad(`header length ${n} runs past the end of the file`);
  let header: Record<string, unknown>;
  try {
    header = parseJson(buf.subarray(8, 8 + n).toString('utf8'), `${path} (header)`, { dataKeys: true });
  } catch (e) {
    throw bad(`header is not JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  const base = 8 + n;
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = v as Record<string, string>;
      continue;
    }
    const e = v as HeaderEntry;
    if (e.dtype !== 'F32') throw bad(`tensor '${name}' has dtype ${e.dtype}; only F32 is supported`);
    const [b, end] = e.data_offsets;
    const count = e.shape.reduce((a, c) => a * c, 1);
    if (end - b !== 4 * count || base + end > buf.length) throw bad(`tensor '${name}' has inconsistent data_offsets`);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = buf.readFloatLE(base + b + 4 * i);
    tensors.set(name, { name, shape: e.shape, data });
  }
  return { tensors, metadata };
}
