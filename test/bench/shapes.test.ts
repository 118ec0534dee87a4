// The bench's shape lines (bench/shapes.ts, bench/torch_shapes.py): the table's USE-lite row is what
// `gecko import use-lite` writes, and torch's side computes the same function as ours: a small model
// of each shape's options (same options, small widths), our initial weights written to the spec,
// embeds the check texts as our engine does in Debian's torch (the hand-written mirror) and, where a
// Python has transformers (the project's .venv), in BertModel. A spec whose reference embeddings are
// wrong is refused (exit 3) before any timing. Needs a Python with torch (CI installs python3-torch).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseShapes, SHAPES, workload, writeShapeSpec, type Shape, type ShapeSpec } from '../../bench/shapes';
import { importUseLite } from '../../lib/encoder/use-lite-import';
import { pythonWith, runAsync, tmpDir } from '../helpers';

const ROOT = resolve(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'bench', 'torch_shapes.py');
const python = await pythonWith('torch');

/** A python that imports transformers and torch (the project's .venv, made by scripts/bench-venv.sh). */
async function hfPython(): Promise<string | undefined> {
  for (const py of [process.env.GECKO_ST_PYTHON, join(ROOT, '.venv', 'bin', 'python')].filter(
    (p): p is string => !!p,
  )) {
    if (!existsSync(py) && py.includes('/')) continue;
    if ((await runAsync(py, ['-c', 'import torch, transformers'])).status === 0) return py;
  }
  console.warn('skipping BertModel in the shape check: no python with transformers (set GECKO_ST_PYTHON)');
  return undefined;
}
const hf = await hfPython();

/** The shape's options at small widths (so the test runs in seconds). */
function small(name: string): Shape {
  const s = SHAPES[name]!;
  const widths =
    name === 'use-lite'
      ? { vocabSize: 50, dModel: 32, embDim: 16, heads: 4, ffn: 48, maxLen: 80 }
      : { vocabSize: 50, layers: 2, dModel: 24, heads: 3, ffn: 48, maxLen: 80 };
  return { what: s.what, cfg: { ...s.cfg, ...widths } };
}
const TINY = { ...workload(true), pairs: 2, steps: 1, warmup: 1, passages: 4, encBatch: 2 };

describe('the shape table', () => {
  it('names its shapes and refuses an unknown one, naming the known ones', () => {
    expect(parseShapes('use-lite, bert-small').map(([n]) => n)).toEqual(['use-lite', 'bert-small']);
    expect(() => parseShapes('use-lite,bert-large')).toThrow(/unknown shape 'bert-large'; known: use-lite, bert-small/);
    expect(() => parseShapes(',')).toThrow(/give one or more/);
  });
  it("USE-lite's row is the architecture gecko import use-lite writes", () => {
    const { dropout: _, ...imported } = importUseLite().config;
    const { dropout: __, ...row } = SHAPES['use-lite']!.cfg;
    expect(row).toEqual(imported);
  });
});

describe.skipIf(!python)('torch computes the same architecture as ours', () => {
  for (const name of Object.keys(SHAPES)) {
    it(`${name}: the mirror${name === 'bert-small' ? ' and BertModel' : ''} embed the check texts as our engine`, async () => {
      const dir = tmpDir();
      const spec = await writeShapeSpec(dir, name, small(name), true, TINY);
      const runs: [string, string][] = [[python!, 'mirror']];
      if (hf && name === 'bert-small') runs.push([hf, 'transformers']);
      for (const [py, impl] of runs) {
        const r = await runAsync(py, [SCRIPT, spec, '--impl', impl, '--check-only', '--threads', '1']);
        expect(r.status, r.stderr).toBe(0);
        const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
        expect(out.impl).toMatch(impl === 'mirror' ? /Mirror/ : /BertModel/);
        expect(out.check_max_abs_diff).toBeLessThan(1e-5);
      }
      // a reference that is not ours is refused before any timing
      const s = JSON.parse(readFileSync(spec, 'utf8')) as ShapeSpec;
      s.check.embeddings[2]![0]! += 0.01;
      writeFileSync(spec, JSON.stringify(s));
      const bad = await runAsync(python!, [SCRIPT, spec, '--impl', 'mirror', '--threads', '1']);
      expect(bad.status).toBe(3);
      expect(bad.stderr).toMatch(/does not embed the check texts as ours does/);
    });
  }
});
