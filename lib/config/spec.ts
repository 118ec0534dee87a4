// A tiny runtime type system for configs: each spec checks a value and names the
// offending key. Infer<> turns a spec into its TypeScript type.
import { ConfigError } from '../core/errors';

export interface Spec<T> {
  readonly kind: string;
  check(value: unknown, key: string): T;
}

export type Infer<S> = S extends Spec<infer T> ? T : never;

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

interface Bounds {
  min?: number;
  max?: number;
}

function bounded(v: number, key: string, b: Bounds): number {
  if (b.min !== undefined && v < b.min) throw new ConfigError(key, `must be >= ${b.min}, got ${v}`);
  if (b.max !== undefined && v > b.max) throw new ConfigError(key, `must be <= ${b.max}, got ${v}`);
  return v;
}

export const num = (b: Bounds = {}): Spec<number> => ({
  kind: 'number',
  check(v, key) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ConfigError(key, `expected a number, got ${typeName(v)} ${JSON.stringify(v)}`);
    return bounded(v, key, b);
  },
});

export const int = (b: Bounds = {}): Spec<number> => ({
  kind: 'integer',
  check(v, key) {
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new ConfigError(key, `expected an integer, got ${typeName(v)} ${JSON.stringify(v)}`);
    return bounded(v, key, b);
  },
});

export const str = (): Spec<string> => ({
  kind: 'string',
  check(v, key) {
    if (typeof v !== 'string') throw new ConfigError(key, `expected a string, got ${typeName(v)} ${JSON.stringify(v)}`);
    return v;
  },
});

export const bool = (): Spec<boolean> => ({
  kind: 'boolean',
  check(v, key) {
    if (typeof v !== 'boolean')
      throw new ConfigError(key, `expected true or false, got ${typeName(v)} ${JSON.stringify(v)}`);
    return v;
  },
});

export const oneOf = <const T extends readonly string[]>(values: T): Spec<T[number]> => ({
  kind: values.map((v) => `'${v}'`).join(' | '),
  check(v, key) {
    if (typeof v !== 'string' || !values.includes(v))
      throw new ConfigError(key, `expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T[number];
  },
});

export const arr = <T>(item: Spec<T>): Spec<T[]> => ({
  kind: `${item.kind}[]`,
  check(v, key) {
    if (!Array.isArray(v)) throw new ConfigError(key, `expected an array of ${item.kind}, got ${typeName(v)}`);
    return v.map((x, i) => item.check(x, `${key}[${i}]`));
  },
});

/** An object with free keys and typed values (e.g. mixture weights). */
export const record = <T>(value: Spec<T>): Spec<Record<string, T>> => ({
  kind: `record of ${value.kind}`,
  check(v, key) {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new ConfigError(key, `expected an object, got ${typeName(v)}`);
    const out: Record<string, T> = {};
    for (const [k, x] of Object.entries(v)) out[k] = value.check(x, `${key}.${k}`);
    return out;
  },
});

type Shape = Record<string, Spec<unknown>>;
export interface ObjSpec<S extends Shape> extends Spec<{ [K in keyof S]: Infer<S[K]> }> {
  readonly shape: S;
}

/** An object with exactly these keys: unknown keys and missing keys are errors. */
export const obj = <S extends Shape>(shape: S): ObjSpec<S> => ({
  kind: 'object',
  shape,
  check(v, key) {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new ConfigError(key || '(root)', `expected an object, got ${typeName(v)}`);
    const known = Object.keys(shape);
    for (const k of Object.keys(v)) {
      if (!(k in shape)) {
        throw new ConfigError(
          key ? `${key}.${k}` : k,
          'unknown key',
          `known keys${key ? ` under '${key}'` : ''}: ${known.join(', ')}`,
        );
      }
    }
    const out: Record<string, unknown> = {};
    for (const k of known) {
      const full = key ? `${key}.${k}` : k;
      if (!(k in (v as object))) throw new ConfigError(full, 'missing');
      out[k] = shape[k]!.check((v as Record<string, unknown>)[k], full);
    }
    return out as { [K in keyof S]: Infer<S[K]> };
  },
});
