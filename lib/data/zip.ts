// A minimal ZIP reader (stored and deflate members, CRC-32 checked) on node:zlib, so that
// `gecko data fetch` can unpack the SciFact BEIR zip and the BBC full-text zip without a new
// dependency. No ZIP64, no encryption: neither archive needs them.
import { inflateRawSync } from 'node:zlib';
import { DataError } from '../core/errors';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (the ZIP / gzip polynomial). @example crc32(Buffer.from('123456789')) === 0xcbf43926 */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One member of a ZIP archive; `read()` inflates it and checks its CRC-32. */
export interface ZipEntry {
  name: string;
  size: number;
  read(): Buffer;
}

/**
 * The members of a ZIP archive held in memory (directories excluded).
 * @example const entries = readZip(readFileSync('scifact.zip')); entries.get('scifact/corpus.jsonl')!.read()
 */
export function readZip(buf: Buffer, file = '(zip)'): Map<string, ZipEntry> {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new DataError(file, 'not a ZIP archive (no end-of-central-directory record)', undefined, 'the download is damaged or not a zip: fetch it again with --force');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = new Map<string, ZipEntry>();
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw new DataError(file, `central directory entry ${i + 1} is damaged`);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    entries.set(name, {
      name,
      size,
      read() {
        if (buf.readUInt32LE(local) !== 0x04034b50) throw new DataError(file, `${name}: damaged local header`);
        const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
        const raw = buf.subarray(start, start + csize);
        let data: Buffer;
        if (method === 0) data = Buffer.from(raw);
        else if (method === 8) {
          try { data = inflateRawSync(raw); } catch (e) { throw new DataError(file, `${name}: cannot inflate (${(e as Error).message})`); }
        } else throw new DataError(file, `${name}: unsupported compression method ${method}`);
        if (data.length !== size || crc32(data) !== crc) throw new DataError(file, `${name}: CRC-32 or size check failed (damaged archive)`);
        return data;
      },
    });
  }
  return entries;
}
