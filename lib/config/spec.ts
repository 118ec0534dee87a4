// A tiny runtime type system for configs: each spec checks a value and names the
// offending key. Infer<> turns a spec into its TypeScript type.
import { ConfigError, ConfigUsageError } from '../core/errors';
import { isForbiddenKey } from '../core/json';

export interface Spec<T> {
  readonly kind: string;
  /** The allowed range of a number (num, int). */
  readonly bounds?: Bounds;
  /** The spec of every value of a record (free keys). */
  readonly entry?: Spec<unknown>;
  check(value: unknown, key: string): T;
}

export type Infer<S> = S extends Spec<infer T> ? T : never;

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

export interface Bounds {
  min?: number;
  max?: number;
}

/** The allowed range in words: 'between 1 and 64', '>= 0'. */
export function rangeText(b: Bounds): string {
  if (b.min !== undefined && b.max !== undefined) return `between ${b.min} and ${b.max}`;
  return b.min !== undefined ? `>= ${b.min}` : b.max !== undefined ? `<= ${b.max}` : 'any number';
}

function bounded(v: number, key: string, b: Bounds): number {
  if ((b.min !== undefined && v < b.min) || (b.max !== undefined && v > b.max))
    throw new ConfigError(key, `must be ${rangeText(b)}, got ${v}`, `set ${key} to a value ${rangeText(b)}`);
  return v;
}

export const num = (b: Bounds = {}): Spec<number> => ({
  kind: 'number',
  bounds: b,
  check(v, key) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ConfigError(key, `expected a number, got ${typeName(v)} ${JSON.stringify(v)}`);
    return bounded(v, key, b);
  },
});

export const int = (b: Bounds = {}): Spec<number> => ({
  kind: 'integer',
  bounds: b,
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
  entry: value,
  check(v, key) {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new ConfigError(key, `expected an object, got ${typeName(v)}`);
    const out: Record<string, T> = {};
    for (const [k, x] of Object.entries(v)) {
      if (isForbiddenKey(k)) throw forbidden(`${key}.${k}`, k);
      out[k] = value.check(x, `${key}.${k}`);
    }
    return out;
  },
});

/** The error for a `__proto__` / `constructor` / `prototype` key (exit code 2: it came from the command line or a spec). */
export function forbidden(path: string, part: string): ConfigUsageError {
  return new ConfigUsageError(
    path,
    `'${part}' is not a setting name (it would reach JavaScript's object prototype)`,
    'remove it: no setting has this name (the settings are the keys of lib/config/schema.ts)',
  );
}

/** Pattern of a run name: one path segment of safe characters. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A run name: it becomes part of a folder name, so one path segment of letters, digits, '.', '_' and '-'. */
export const runName = (): Spec<string> => ({
  kind: 'name',
  check(v, key) {
    if (typeof v !== 'string') throw new ConfigError(key, `expected a string, got ${typeName(v)} ${JSON.stringify(v)}`);
    if (!NAME_PATTERN.test(v))
      throw new ConfigUsageError(
        key,
        `${JSON.stringify(v.slice(0, 80))} is not a run name: it becomes one folder name, so it must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (no '/', no '..')`,
        `e.g. --set ${key}=my-run`,
      );
    return v;
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
      if (isForbiddenKey(k)) throw forbidden(key ? `${key}.${k}` : k, k);
      if (!Object.hasOwn(shape, k)) {
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
      if (!Object.hasOwn(v, k)) throw new ConfigError(full, 'missing');
      out[k] = shape[k]!.check((v as Record<string, unknown>)[k], full);
    }
    return out as { [K in keyof S]: Infer<S[K]> };
  },
});

/**
 * The spec a dotted key path names, checked part by part before anything is assigned: a
 * forbidden part, an unknown key, or a part below a plain value is a ConfigUsageError.
 * @example specAt(SCHEMA, ['finetune', 'steps']).kind === 'integer'
 */
export function specAt(root: Spec<unknown>, parts: readonly string[]): Spec<unknown> {
  let spec = root;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const path = parts.slice(0, i + 1).join('.');
    const parent = parts.slice(0, i).join('.');
    if (part === '')
      throw new ConfigUsageError(
        parts.join('.') || '(empty)',
        'has an empty part',
        'write key.path=value, e.g. --set finetune.steps=50',
      );
    if (isForbiddenKey(part)) throw forbidden(path, part);
    const shape = (spec as Partial<ObjSpec<Shape>>).shape;
    if (shape) {
      if (!Object.hasOwn(shape, part))
        throw new ConfigUsageError(
          path,
          'unknown key',
          `known keys${parent ? ` under '${parent}'` : ''}: ${Object.keys(shape).join(', ')}`,
        );
      spec = shape[part]!;
    } else if (spec.entry) {
      spec = spec.entry;
    } else {
      throw new ConfigUsageError(
        path,
        `'${parent}' is a single setting (${spec.kind}) and has no key '${part}'`,
        `set it whole: --set ${parent}=VALUE`,
      );
    }
  }
  return spec;
}
