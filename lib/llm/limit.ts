// Bounded concurrency: at most `n` tasks run at once, the rest wait in FIFO order.

export interface Limiter {
  /** Run `fn` when a slot is free. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  readonly active: number;
  readonly pending: number;
}

/**
 * A small promise limiter (p-limit style).
 * @example const limit = createLimiter(4); await Promise.all(items.map(x => limit.run(() => call(x))));
 */
export function createLimiter(n: number): Limiter {
  if (!(Number.isInteger(n) && n >= 1))
    throw new RangeError(`createLimiter: concurrency must be an integer >= 1, got ${n}`);
  let active = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    if (active < n && queue.length > 0) queue.shift()!();
  };
  return {
    get active() {
      return active;
    },
    get pending() {
      return queue.length;
    },
    run<T>(fn: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push(() => {
          active++;
          fn()
            .then(resolve, reject)
            .finally(() => {
              active--;
              next();
            });
        });
        next();
      });
    },
  };
}

/** Reject with `makeError()` if `p` does not settle within `ms` (the underlying work may go on). */
export function withTimeout<T>(p: Promise<T>, ms: number, makeError: () => Error): Promise<T> {
  if (!(ms > 0) || !Number.isFinite(ms)) return p;
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(makeError()), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
