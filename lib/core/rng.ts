// Seeded randomness. One root seed per run; every stage asks for its own stream
// with rngFor(root, label), so a new random call in one stage never shifts another.
// Never use Math.random in lib/.
import { createHash } from 'node:crypto';

/** Derive a 32-bit seed from a parent seed and labels (sha256 based, order-sensitive). */
export function deriveSeed(parent: number, ...labels: (string | number)[]): number {
  const h = createHash('sha256').update(String(parent));
  for (const label of labels) h.update('\u0000' + String(label));
  return h.digest().readUInt32LE(0);
}

/**
 * A small deterministic PRNG (sfc32, seeded through splitmix32). Instance state only.
 * @example const rng = new Rng(42); rng.float(); rng.int(10); rng.shuffle([1, 2, 3]);
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** Uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /**
   * out[i] = float() >= p ? keep : 0 for `count` values from `start`: the same draws as that loop
   * (u / 2^32 >= p exactly when u >= p * 2^32), with the state in locals (dropout masks are the
   * hottest random loop: several million values per training step). The state is kept as int32
   * (`| 0`) inside the loop, the same bits as uint32's `>>> 0` (sfc32 is arithmetic mod 2^32), so
   * V8 keeps it in integer registers: 2-5x faster than the uint32 form (experiments.md, issue 22).
   */
  fillKeep(out: Float32Array, start: number, count: number, p: number, keep: number): void {
    const threshold = p * 4294967296;
    let a = this.a | 0,
      b = this.b | 0,
      c = this.c | 0,
      d = this.d | 0;
    for (let i = start, end = start + count; i < end; i++) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      out[i] = t >>> 0 >= threshold ? keep : 0;
    }
    this.a = a >>> 0;
    this.b = b >>> 0;
    this.c = c >>> 0;
    this.d = d >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new RangeError(`Rng.int: n must be > 0, got ${n}`);
    return Math.floor(this.float() * n);
  }

  /** Standard normal sample (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i]!;
      out[i] = out[j]!;
      out[j] = tmp;
    }
    return out;
  }

  /** One element chosen uniformly. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.choice: empty list');
    return items[this.int(items.length)]!;
  }

  /** k distinct elements without replacement, in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    return this.shuffle(items).slice(0, Math.min(k, items.length));
  }

  /** A child stream for a sub-label, independent of this stream's position. */
  child(...labels: (string | number)[]): Rng {
    return new Rng(deriveSeed(this.seed, ...labels));
  }
}

/** The stream of one stage: `rngFor(cfg.seed, 'seeding')`. */
export function rngFor(rootSeed: number, ...labels: (string | number)[]): Rng {
  return new Rng(deriveSeed(rootSeed, ...labels));
}
