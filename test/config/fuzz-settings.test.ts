// Issue 21 §2: a seeded fuzz of `--set` keys and of the JSON readers. Random key paths (schema
// keys, `__proto__` / `constructor` / `prototype`, Object.prototype's own names, path pieces
// such as '..' and '/'), random values and random nesting go through parseOverrides +
// resolveConfig, parseJson, readJsonl and the config merge. Every outcome must be a resolved
// config or a named GeckoError (never a TypeError), and no global object may change. A child
// process then starts real run folders for fuzzed names: nothing may be written outside
// GECKO_RUNS_DIR, and each run is one folder directly inside it.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseOverrides, resolveConfig } from '../../lib/config/resolve';
import { SCHEMA } from '../../lib/config/schema';
import { GeckoError } from '../../lib/core/errors';
import { FORBIDDEN_KEYS, parseJson } from '../../lib/core/json';
import { readJsonl } from '../../lib/core/jsonl';
import { Rng } from '../../lib/core/rng';
import { runAsync, tmpDir } from '../helpers';

const GLOBALS: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
  ['Number.prototype', Number.prototype],
  ['Boolean.prototype', Boolean.prototype],
  ['RegExp.prototype', RegExp.prototype],
  ['Map.prototype', Map.prototype],
  ['Set.prototype', Set.prototype],
  ['Promise.prototype', Promise.prototype],
  ['Error.prototype', Error.prototype],
  ['Object', Object],
  ['globalThis', globalThis],
];

/** Every own key (and its value's type) of the global objects: a change anywhere shows. */
function globalsSnapshot(): string {
  return GLOBALS.map(
    ([name, o]) =>
      `${name}: ${Reflect.ownKeys(o)
        .map((k) => `${String(k)}=${typeof Object.getOwnPropertyDescriptor(o, k)?.value}`)
        .sort()
        .join(',')}`,
  ).join('\n');
}

function expectGlobalsIntact(before: string, what: string): void {
  const probe: Record<string, unknown> = {};
  expect(Object.getPrototypeOf(probe), what).toBe(Object.prototype);
  for (const k of ['x', 'json', 'force', 'steps', 'polluted']) expect(probe[k], `${what}: ({}).${k}`).toBeUndefined();
  expect(globalsSnapshot(), what).toBe(before);
}

// Key pieces: schema keys at every level, the forbidden three, Object.prototype's own names,
// path pieces and odd strings.
const schemaKeys = (() => {
  const out = new Set<string>();
  const walk = (s: unknown) => {
    const shape = (s as { shape?: Record<string, unknown> }).shape;
    if (shape)
      for (const [k, v] of Object.entries(shape)) {
        out.add(k);
        walk(v);
      }
  };
  walk(SCHEMA);
  return [...out];
})();
const hostile = [
  ...FORBIDDEN_KEYS,
  ...Object.getOwnPropertyNames(Object.prototype),
  '..',
  '.',
  '/',
  '',
  'a/b',
  '../x',
  '\u0000',
  'ü',
  '__proto',
  'proto__',
  'length',
  '0',
];

function randomKey(rng: Rng): string {
  const r = rng.float();
  if (r < 0.45) return rng.choice(schemaKeys);
  if (r < 0.85) return rng.choice(hostile);
  return Array.from({ length: 1 + rng.int(6) }, () => String.fromCharCode(32 + rng.int(95))).join('');
}

/** A real key path down to a setting (a mixture weight under finetune.mixture), e.g. ['finetune', 'steps']. */
function schemaPath(rng: Rng): string[] {
  const parts: string[] = [];
  let spec: unknown = SCHEMA;
  for (;;) {
    const shape = (spec as { shape?: Record<string, unknown> }).shape;
    if (shape) {
      const k = rng.choice(Object.keys(shape));
      parts.push(k);
      spec = shape[k];
    } else if ((spec as { entry?: unknown }).entry) {
      parts.push(rng.choice(['fret', 'nli', 'sts', randomKey(rng)]));
      return parts;
    } else return parts;
  }
}

function randomValue(rng: Rng, depth: number): unknown {
  const r = rng.float();
  if (depth > 3 || r < 0.3) return rng.choice([0, 1, -1, 2.5, 1e12, 'x', 'my-run', '/../../e', true, null]);
  if (r < 0.5) return Array.from({ length: rng.int(3) }, () => randomValue(rng, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = rng.int(4); i > 0; i--)
    Object.defineProperty(o, randomKey(rng), {
      value: randomValue(rng, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return o;
}

/** JSON text with random keys (some forbidden, some hidden behind \u escapes) and random nesting. */
function randomJsonText(rng: Rng): string {
  const r = rng.float();
  if (r < 0.1) {
    const d = rng.choice([10, 199, 201, 5000]);
    return '['.repeat(d) + ']'.repeat(d);
  }
  if (r < 0.2) return rng.choice(['{"a": 1', '', '<html>', '{"a":}', 'nul', '[1,2']); // broken
  let text = JSON.stringify(randomValue(rng, 0));
  if (rng.float() < 0.3)
    text = text.replace(/"__proto__"/g, '"__proto\\u005f_"').replace(/"constructor"/g, '"\\u0063onstructor"');
  if (rng.float() < 0.3) text = `{"${rng.choice([...FORBIDDEN_KEYS])}": ${text}}`;
  return text;
}

/** Does a parsed value hold a forbidden key anywhere? (an independent walk: recursion, small values only) */
function holdsForbidden(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return v.some(holdsForbidden);
  return Object.keys(v).some((k) => FORBIDDEN_KEYS.has(k) || holdsForbidden((v as Record<string, unknown>)[k]));
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('fuzz: --set keys (seeded)', () => {
  it('every random --set resolves or fails with a named error, and no global object changes', () => {
    const rng = new Rng(21_02);
    const before = globalsSnapshot();
    let resolved = 0;
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      let path: string[];
      if (rng.float() < 0.5) {
        path = schemaPath(rng); // a real setting, sometimes with one piece made hostile
        if (rng.float() < 0.4) path.splice(rng.int(path.length + 1), rng.int(2), rng.choice(hostile));
      } else path = Array.from({ length: 1 + rng.int(5) }, () => randomKey(rng));
      const key = path.join('.');
      const v = randomValue(rng, rng.int(4));
      const raw = typeof v === 'string' ? v : JSON.stringify(v);
      const item = `${key}=${raw}`;
      try {
        const r = resolveConfig('smoke', parseOverrides([item]));
        resolved++;
        expect(r.config.name, item).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
        expect(holdsForbidden(r.config), item).toBe(false);
      } catch (e) {
        refused++;
        if (!(e instanceof GeckoError)) throw new Error(`--set ${JSON.stringify(item)} threw ${String(e)}`);
        expect((e as Error).message, item).toMatch(/config key '|--set /);
      }
      expectGlobalsIntact(before, `after --set ${JSON.stringify(item)}`);
    }
    // the fuzz reaches both outcomes (it would prove nothing if everything were refused)
    expect(resolved).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(1000);
  });

  it('several --set at once, and overrides given as objects, never pollute', () => {
    const rng = new Rng(21_03);
    const before = globalsSnapshot();
    for (let i = 0; i < 1000; i++) {
      const items = Array.from(
        { length: 1 + rng.int(4) },
        () =>
          `${Array.from({ length: 1 + rng.int(3) }, () => randomKey(rng)).join('.')}=${JSON.stringify(randomValue(rng, 1))}`,
      );
      try {
        resolveConfig('smoke', parseOverrides(items));
      } catch (e) {
        if (!(e instanceof GeckoError)) throw new Error(`--set ${JSON.stringify(items)} threw ${String(e)}`);
      }
      // the same as an object, as notebooks and ablation specs pass them (own __proto__ keys included)
      let over: unknown;
      try {
        over = JSON.parse(randomJsonText(rng)); // plain JSON.parse: own __proto__ keys reach resolveConfig
      } catch {
        over = undefined;
      }
      if (typeof over === 'object' && over !== null && !Array.isArray(over))
        try {
          resolveConfig('smoke', over as Record<string, unknown>);
        } catch (e) {
          if (!(e instanceof GeckoError)) throw new Error(`overrides ${JSON.stringify(over)} threw ${String(e)}`);
        }
      expectGlobalsIntact(before, `after ${JSON.stringify(items)}`);
    }
  });
});

describe('fuzz: the JSON readers (seeded)', () => {
  it('parseJson returns no forbidden key, or refuses with the source named', () => {
    const rng = new Rng(21_04);
    const before = globalsSnapshot();
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const text = randomJsonText(rng);
      let value: unknown;
      try {
        value = parseJson(text, 'fuzz.json');
      } catch (e) {
        refused++;
        expect(e, text.slice(0, 80)).toBeInstanceOf(GeckoError);
        expect((e as Error).message.startsWith('fuzz.json: '), (e as Error).message).toBe(true);
        expect((e as Error).message).toMatch(/\n {2}fix: /);
        continue;
      }
      expect(holdsForbidden(value), text.slice(0, 200)).toBe(false);
      // what the reader lets through is safe to merge into a config
      if (typeof value === 'object' && value !== null && !Array.isArray(value))
        try {
          resolveConfig('smoke', value as Record<string, unknown>);
        } catch (e) {
          expect(e).toBeInstanceOf(GeckoError);
        }
      expectGlobalsIntact(before, `after ${text.slice(0, 80)}`);
    }
    expect(refused).toBeGreaterThan(300);
  });

  it('readJsonl names file and line for every bad record', () => {
    const rng = new Rng(21_05);
    const dir = tmpDir('gecko-fuzz-jsonl-');
    dirs.push(dir);
    const before = globalsSnapshot();
    for (let f = 0; f < 40; f++) {
      const lines = Array.from({ length: 1 + rng.int(8) }, () => randomJsonText(rng).replace(/\n/g, ' '));
      const path = join(dir, `f${f}.jsonl`);
      writeFileSync(path, lines.join('\n') + '\n');
      try {
        const rows = readJsonl(path);
        expect(rows.some(holdsForbidden)).toBe(false);
      } catch (e) {
        expect(e).toBeInstanceOf(GeckoError);
        expect((e as Error).message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: `));
      }
      expectGlobalsIntact(before, `after ${path}`);
    }
  });
});

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

describe('fuzz: run names never leave GECKO_RUNS_DIR (child process)', () => {
  it('starts runs for seeded random names: each is one folder inside the root, nothing outside', async () => {
    const rng = new Rng(21_06);
    const pieces = ['..', '/', 'a', 'run', '.', '-', '_', 'x.y', '%2e%2e', '\\', '~', ' ', 'é'];
    const names = [
      '/../../../escaped',
      'my/run',
      '..',
      'ok-run',
      ...Array.from({ length: 12 }, () => Array.from({ length: 1 + rng.int(4) }, () => rng.choice(pieces)).join('')),
    ];
    const top = tmpDir('gecko-fuzz-runs-');
    dirs.push(top);
    const root = join(top, 'a', 'b', 'runs');
    mkdirSync(root, { recursive: true });
    const child = join(__dirname, 'start-runs.child.ts');
    const tsx = pathToFileURL(join(__dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const r = await runAsync(process.execPath, ['--import', tsx, child, ...names], {
      cwd: top,
      env: {
        ...process.env,
        GECKO_PROJECT_ROOT: join(__dirname, '..', '..'),
        GECKO_RUNS_DIR: root,
        GECKO_PROGRESS: 'off',
      },
    });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const outcomes = JSON.parse(r.stdout.trim().split('\n').pop()!) as { name: string; dir?: string; error?: string }[];
    expect(outcomes).toHaveLength(names.length);
    for (const o of outcomes) {
      if (o.dir) {
        expect(o.name, o.name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
        expect(relative(root, o.dir).split(sep), o.dir).toHaveLength(1);
      } else expect(o.error, o.name).toMatch(/config key 'name'.*is not a run name/);
    }
    expect(outcomes.filter((o) => o.dir).length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.error).length).toBeGreaterThan(3);
    // nothing outside the root: every file under the temp folder is inside runs/<one folder>/
    for (const f of filesUnder(top)) {
      const parts = f.split(sep);
      expect(parts.slice(0, 3).join('/'), f).toBe('a/b/runs');
      expect(parts.length, f).toBeGreaterThanOrEqual(5);
    }
  }, 300_000);
});
