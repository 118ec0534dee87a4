// Embedding cache: vectors keyed by (model id, task, text role, text encoded), so evaluating
// the same model again encodes nothing. The harness passes the task's *data set* as `task`
// (SciFact and SciFactReranking share vectors); the text is the one encoded: formatted with the
// task prompt, and with the model's own prompt in front where it has one (evaluate.ts: evalPrompt). Layout under <root> (default cacheDir()/embeddings):
//   <sha256(model id)[:16]>/model.json              {"id": ...}
//   <sha256(model id)[:16]>/<task>/<role>/<shard>.bin
// A shard holds one encoding batch group: uint32 LE header length, a JSON header
// {dim, keys: sha256(text)[]} padded with spaces to a multiple of 4 bytes, then
// keys.length * dim float32 (LE). Shards are written
// atomically (temp file + rename), so a killed run keeps every finished shard and resumes.
// Reading a shard checks its size, name (the hash of its keys) and that every value is finite;
// a damaged shard is refused with one fix: delete its folder and rerun (issue 21).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GeckoError } from '../core/errors';
import { writeFileAtomic } from '../core/fs';
import { sha256 } from '../core/hash';
import { cacheDir } from '../core/paths';
import { yieldToSignals } from '../core/interrupt';
import type { Embedder } from '../core/types';
import { parseJson } from '../core/json';

/** Which side a text is embedded as: 'query', 'passage' (asymmetric) or 'text' (symmetric). */
export type TextRole = 'query' | 'passage' | 'text';

export interface EmbedStats {
  requested: number;
  unique: number;
  cached: number;
  encoded: number;
}

export interface CachedEmbedOptions {
  /** Texts per embedder call. */
  batchSize?: number;
  /** Texts per shard file (a multiple of batchSize is best). */
  shardSize?: number;
  /** Called once the cache has been read, with the counts (before any encoding). */
  onPlan?: (stats: EmbedStats) => void;
  /** Called after each encoded batch with the number of texts encoded. */
  onBatch?: (n: number) => void;
}

const keyOf = (text: string) => sha256(text).slice(0, 32);
const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * @example
 * const cache = new EmbeddingCache();
 * const { vectors, stats } = await cache.embed(embedder, 'SciFact', 'query', formattedQueries);
 */
export class EmbeddingCache {
  private readonly loaded = new Map<string, Map<string, Float32Array>>();
  /** Totals over this cache object's lifetime (tests read `encoded`). */
  readonly totals: EmbedStats = { requested: 0, unique: 0, cached: 0, encoded: 0 };

  constructor(readonly root: string = join(cacheDir(), 'embeddings')) {}

  private dir(modelId: string, task: string, role: TextRole): string {
    return join(this.root, sha256(modelId).slice(0, 16), safe(task), role);
  }

  private load(modelId: string, task: string, role: TextRole): Map<string, Float32Array> {
    const dir = this.dir(modelId, task, role);
    let map = this.loaded.get(dir);
    if (map) return map;
    map = new Map();
    if (existsSync(dir)) {
      for (const f of readdirSync(dir)
        .filter((x) => x.endsWith('.bin'))
        .sort()) {
        const path = join(dir, f);
        const buf = readFileSync(path);
        const damaged = (why: string) =>
          new GeckoError(
            `${path}: ${why}: the cached embeddings are damaged`,
            `delete the folder ${resolve(dir)} and rerun (those texts are encoded again)`,
          );
        if (buf.byteLength < 4) throw damaged(`${buf.byteLength} bytes, too short for a shard header`);
        const hlen = buf.readUInt32LE(0);
        let header: { dim: number; keys: string[] };
        try {
          header = parseJson(buf.subarray(4, 4 + hlen).toString('utf8'), path);
        } catch {
          throw damaged('its header is not valid JSON');
        }
        if (!header || !Number.isInteger(header.dim) || header.dim <= 0 || !Array.isArray(header.keys))
          throw damaged('its header lacks dim or keys');
        const start = 4 + hlen;
        const want = start + header.keys.length * header.dim * 4;
        if (buf.byteLength !== want) throw damaged(`${buf.byteLength} bytes, expected ${want}`);
        if (f !== `${sha256(header.keys.join('\n')).slice(0, 16)}.bin`) throw damaged('its keys do not match its name');
        const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + want));
        const bad = data.findIndex((x) => !Number.isFinite(x));
        if (bad >= 0) throw damaged(`vector ${Math.floor(bad / header.dim)} holds NaN or infinite values`);
        header.keys.forEach((k, i) => map!.set(k, data.slice(i * header.dim, (i + 1) * header.dim)));
      }
    }
    this.loaded.set(dir, map);
    return map;
  }

  private writeShard(modelId: string, task: string, role: TextRole, keys: string[], vectors: Float32Array[]): void {
    const dir = this.dir(modelId, task, role);
    const modelFile = join(dir, '..', '..', 'model.json');
    if (!existsSync(modelFile)) writeFileAtomic(modelFile, JSON.stringify({ id: modelId }) + '\n');
    const dim = vectors[0]!.length;
    let json = JSON.stringify({ dim, keys });
    json += ' '.repeat((4 - (Buffer.byteLength(json) % 4)) % 4); // keep the floats 4-byte aligned
    const header = Buffer.from(json, 'utf8');
    const buf = Buffer.alloc(4 + header.length + keys.length * dim * 4);
    buf.writeUInt32LE(header.length, 0);
    header.copy(buf, 4);
    const body = new Float32Array(buf.buffer, buf.byteOffset + 4 + header.length, keys.length * dim);
    vectors.forEach((v, i) => body.set(v, i * dim));
    writeFileAtomic(join(dir, `${sha256(keys.join('\n')).slice(0, 16)}.bin`), buf);
  }

  /**
   * Embed already-formatted texts, reading cached vectors and encoding (then caching) the rest.
   * Duplicated texts are encoded once. Returned vectors are in input order.
   */
  async embed(
    embedder: Embedder,
    task: string,
    role: TextRole,
    texts: readonly string[],
    opts: CachedEmbedOptions = {},
  ): Promise<{ vectors: Float32Array[]; stats: EmbedStats }> {
    const batchSize = opts.batchSize ?? 64;
    const shardSize = Math.max(batchSize, opts.shardSize ?? batchSize * 16);
    const map = this.load(embedder.id, task, role);
    const keys = texts.map(keyOf);
    const missing: { key: string; text: string }[] = [];
    const queued = new Set<string>();
    keys.forEach((k, i) => {
      if (!map.has(k) && !queued.has(k)) {
        queued.add(k);
        missing.push({ key: k, text: texts[i]! });
      }
    });
    const stats: EmbedStats = {
      requested: texts.length,
      unique: new Set(keys).size,
      cached: 0,
      encoded: missing.length,
    };
    stats.cached = stats.unique - missing.length;
    opts.onPlan?.(stats);
    for (let s = 0; s < missing.length; s += shardSize) {
      const shard = missing.slice(s, s + shardSize);
      const vecs: Float32Array[] = [];
      for (let b = 0; b < shard.length; b += batchSize) {
        const batch = shard.slice(b, b + batchSize);
        await yieldToSignals();
        const out = await embedder.embed(batch.map((x) => x.text));
        if (out.length !== batch.length)
          throw new Error(`embedder ${embedder.id} returned ${out.length} vectors for ${batch.length} texts`);
        vecs.push(...out.map((v) => Float32Array.from(v)));
        opts.onBatch?.(batch.length);
      }
      this.writeShard(
        embedder.id,
        task,
        role,
        shard.map((x) => x.key),
        vecs,
      );
      shard.forEach((x, i) => map.set(x.key, vecs[i]!));
    }
    for (const k of Object.keys(stats) as (keyof EmbedStats)[]) this.totals[k] += stats[k];
    return { vectors: keys.map((k) => map.get(k)!), stats };
  }
}
