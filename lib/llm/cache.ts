// The LLM call cache: content-addressed, one JSON file per entry, written atomically.
// Key = sha256 of the canonical JSON of the key material: provider identity (kind, model,
// endpoint), operation, prompt id + version, the full request and its sampling parameters
// (including the seed). The key material never holds an API key; the file stores it next
// to the value so an entry can be read on its own.
//   read-write  hits are served; misses are computed and written
//   replay      hits are served; a miss is a CacheMissError (exact reproduction)
//   off         nothing is read or written
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hashOf } from '../core/hash';
import { writeFileAtomic } from '../core/fs';
import type { Logger } from '../core/log';
import { CacheMissError } from './errors';
import { readJsonFile } from '../core/json';

let tmpCounter = 0;

export type CacheMode = 'read-write' | 'replay' | 'off';
export const CACHE_MODES: readonly CacheMode[] = ['read-write', 'replay', 'off'];

export interface CacheEntry<T = unknown> {
  key: string;
  material: unknown;
  value: T;
  createdAt: string;
}

/**
 * @example const cache = new LlmCache(join(cacheDir(), 'llm'), 'read-write');
 * const { value, hit } = await cache.getOrCompute({ op: 'generate', ... }, () => provider.generate(req));
 */
export class LlmCache {
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly dirs = new Set<string>();
  /** Counters since construction. */
  readonly stats = { hits: 0, misses: 0, writes: 0 };

  constructor(
    readonly dir: string,
    readonly mode: CacheMode = 'read-write',
    private readonly log?: Logger,
  ) {
    if (!CACHE_MODES.includes(mode))
      throw new RangeError(`LlmCache: mode must be one of ${CACHE_MODES.join(', ')}, got '${mode}'`);
  }

  /** The key of some key material. */
  static keyOf(material: unknown): string {
    return hashOf(material);
  }

  /** Where the entry of `key` lives: <dir>/<first 2 hex chars>/<key>.json */
  pathOf(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /** The cached value, or undefined. Temp files of killed writers are never read. */
  get<T>(key: string): CacheEntry<T> | undefined {
    if (this.mode === 'off') return undefined;
    const path = this.pathOf(key);
    if (!existsSync(path)) return undefined;
    try {
      const entry = readJsonFile<CacheEntry<T>>(path, { dataKeys: true });
      if (entry.key === key) return entry;
    } catch {
      /* unreadable: treat as a miss and rewrite */
    }
    this.log?.warn(`LLM cache entry ${path} is unreadable; it will be recomputed`);
    return undefined;
  }

  put<T>(key: string, material: unknown, value: T): void {
    if (this.mode !== 'read-write') return;
    const entry: CacheEntry<T> = { key, material, value, createdAt: new Date().toISOString() };
    writeFileAtomic(this.pathOf(key), JSON.stringify(entry) + '\n');
    this.stats.writes++;
  }

  /**
   * Like put, but the write does not block the event loop (many calls in flight): the same
   * temp-file-then-rename protocol as core/fs writeFileAtomic, so a killed process leaves at
   * most a temp file, which get() never reads.
   */
  async putAsync<T>(key: string, material: unknown, value: T): Promise<void> {
    if (this.mode !== 'read-write') return;
    const entry: CacheEntry<T> = { key, material, value, createdAt: new Date().toISOString() };
    const path = this.pathOf(key);
    const dir = dirname(path);
    if (!this.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.dirs.add(dir);
    }
    const tmp = `${path}.tmp-${process.pid}-${tmpCounter++}`;
    await writeFile(tmp, JSON.stringify(entry) + '\n');
    await rename(tmp, path);
    this.stats.writes++;
  }

  /**
   * The cached value of `material`, else compute, store and return it. Identical requests in
   * flight at the same time share one computation. `describe` names the request in a replay miss.
   */
  async getOrCompute<T>(
    material: unknown,
    compute: () => Promise<T>,
    describe = 'LLM request',
  ): Promise<{ value: T; hit: boolean; key: string }> {
    const key = LlmCache.keyOf(material);
    const cached = this.get<T>(key);
    if (cached) {
      this.stats.hits++;
      return { value: cached.value, hit: true, key };
    }
    if (this.mode === 'replay') throw new CacheMissError(key, describe);
    const running = this.inflight.get(key) as Promise<T> | undefined;
    if (running) return { value: await running, hit: true, key };
    this.stats.misses++;
    const p = compute().then(async (value) => {
      await this.putAsync(key, material, value);
      return value;
    });
    this.inflight.set(key, p);
    try {
      return { value: await p, hit: false, key };
    } finally {
      this.inflight.delete(key);
    }
  }
}
