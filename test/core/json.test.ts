// The one JSON reader (issue 21 §2): forbidden keys, depth, truncation, HTML and missing files are
// each a DataError naming the source with a fix; vocabulary files may hold 'constructor' as data.
// Also the environment check: every GECKO_* word variable is validated, with its values named.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkEnvironment, ENV_CHOICES, readChoice } from '../../lib/core/env';
import { jsonDepth, MAX_JSON_DEPTH, parseJson, readJsonFile } from '../../lib/core/json';
import { insideRoot } from '../../lib/core/paths';
import { tmpDir } from '../helpers';

const dir = tmpDir('gecko-json-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseJson', () => {
  it('reads plain JSON', () => {
    expect(parseJson('{"a": [1, {"b": "constructor"}]}', 'x.json')).toEqual({ a: [1, { b: 'constructor' }] });
  });
  it.each([
    ['{"__proto__": {"x": 1}}', "key '__proto__'"],
    ['{"a": {"constructor": {"prototype": {"x": 1}}}}', "key 'a.constructor'"],
    ['[{"ok": 1}, {"prototype": 2}]', "key '[1].prototype'"],
    ['{"__proto\\u005f_": 1}', "key '__proto__'"], // hidden behind an escape
  ])('refuses a forbidden key: %s', (text, named) => {
    expect(() => parseJson(text, 'cfg.json')).toThrowError(named);
    expect(() => parseJson(text, 'cfg.json')).toThrowError(/^cfg\.json: [\s\S]*\n {2}fix: /);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
  it("lets a vocabulary hold 'constructor' and 'prototype' as data, never '__proto__'", () => {
    expect(parseJson('{"vocab": {"constructor": 5, "prototype": 6}}', 'tokenizer.json', { dataKeys: true })).toEqual({
      vocab: { constructor: 5, prototype: 6 },
    });
    expect(() => parseJson('{"vocab": {"__proto__": 5}}', 'tokenizer.json', { dataKeys: true })).toThrowError(
      "key 'vocab.__proto__'",
    );
  });
  it('refuses JSON nested 5,000 deep without overflowing the stack', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    expect(jsonDepth(deep)).toBe(5000);
    expect(() => parseJson(deep, 'meta.json')).toThrowError(
      `meta.json: JSON nested deeper than ${MAX_JSON_DEPTH} levels`,
    );
    expect(jsonDepth('["[[[[", {"a": "]]"}]')).toBe(2); // brackets inside strings do not count
  });
  it('says when a file ends early, is empty, or is HTML', () => {
    expect(() => parseJson('{"step": 3, "lo', 'meta.json')).toThrowError(
      /meta\.json: not valid JSON: it ends early \(truncated\?\)/,
    );
    expect(() => parseJson('  ', 'meta.json')).toThrowError('meta.json: is empty, not JSON');
    expect(() => parseJson('<!DOCTYPE html><p>', 'http://x/v1')).toThrowError('http://x/v1: is HTML or XML, not JSON');
    expect(() => parseJson('{"a": 1', 'r.jsonl', { line: 7 })).toThrowError(/^r\.jsonl:7: /);
  });
});

describe('readJsonFile', () => {
  it('names a missing file, a folder, and a loop of symbolic links as what they are', () => {
    expect(() => readJsonFile(join(dir, 'none.json'))).toThrowError(/none\.json: file not found/);
    mkdirSync(join(dir, 'sub'), { recursive: true });
    expect(() => readJsonFile(join(dir, 'sub'))).toThrowError(/sub: is a folder/);
    symlinkSync(join(dir, 'loop2.json'), join(dir, 'loop1.json'));
    symlinkSync(join(dir, 'loop1.json'), join(dir, 'loop2.json'));
    expect(() => readJsonFile(join(dir, 'loop1.json'))).toThrowError(/loop1\.json: is a loop of symbolic links/);
    symlinkSync(join(dir, 'gone.json'), join(dir, 'dangling.json'));
    expect(() => readJsonFile(join(dir, 'dangling.json'))).toThrowError(
      /dangling\.json: is a symbolic link to .*gone\.json, which does not exist/,
    );
  });
  it('drops a byte-order mark and reads the file', () => {
    writeFileSync(join(dir, 'bom.json'), '\ufeff{"a": 1}');
    expect(readJsonFile(join(dir, 'bom.json'))).toEqual({ a: 1 });
  });
});

describe('insideRoot', () => {
  it('accepts one folder name inside the root and refuses anything that leaves it or nests', () => {
    expect(insideRoot('/r/runs', 'ok-run')).toBe('/r/runs/ok-run');
    expect(insideRoot('/r/runs', '..dots-are-fine')).toBe('/r/runs/..dots-are-fine');
    for (const bad of ['..', '../x', 'a/b', '/abs', '', '.', 'a\\b'])
      expect(() => insideRoot('/r/runs', bad), bad).toThrowError(/would leave \/r\/runs/);
  });
});

describe('environment variables', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(ENV_CHOICES)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    if (saved.OPENAI_BASE_URL === undefined) delete process.env.OPENAI_BASE_URL;
    else process.env.OPENAI_BASE_URL = saved.OPENAI_BASE_URL;
  });
  it.each(Object.keys(ENV_CHOICES) as (keyof typeof ENV_CHOICES)[])(
    '%s: a value outside its list is refused, naming it and the list',
    (name) => {
      process.env[name] = 'bogus-value';
      expect(() => readChoice(name)).toThrowError(
        `${name}='bogus-value' is not one of ${ENV_CHOICES[name]!.join(', ')}`,
      );
      expect(() => checkEnvironment()).toThrowError(name);
      process.env[name] = ENV_CHOICES[name]![0]!.toUpperCase(); // case does not matter
      expect(readChoice(name)).toBe(ENV_CHOICES[name]![0]);
      delete process.env[name];
      expect(readChoice(name)).toBeUndefined();
    },
  );
  it('OPENAI_BASE_URL must be an http(s) URL', () => {
    process.env.OPENAI_BASE_URL = 'localhost:8000/v1';
    expect(() => checkEnvironment()).toThrowError("OPENAI_BASE_URL='localhost:8000/v1' is not an http(s) URL");
    process.env.OPENAI_BASE_URL = 'http://localhost:8000/v1';
    expect(() => checkEnvironment()).not.toThrow();
  });
});
