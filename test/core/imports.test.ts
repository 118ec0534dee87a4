// The layer rule of lib/README.md, enforced: every relative import in lib/**/*.ts goes to the
// same folder or to a folder on a LOWER layer of the README's "Layers" table, and no chain of
// imports between files comes back to where it started. The table is the data: a new folder
// gets a row (or joins one) there, and this test names any folder that has none.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const LIB = join(ROOT, 'lib');

/** The layers table of lib/README.md: unit (a folder under lib/, e.g. 'eval' or 'eval/metrics') -> layer. */
export function parseLayers(markdown: string): Map<string, number> {
  const start = markdown.search(/^## Layers\b/m);
  if (start < 0) throw new Error('lib/README.md has no "## Layers" section');
  const section = markdown.slice(start).split(/\n## /)[0] ?? '';
  const layers = new Map<string, number>();
  for (const line of section.split('\n')) {
    const m = /^\|\s*(\d+)\s*\|([^|]*)\|/.exec(line);
    if (!m) continue;
    for (const u of m[2]!.matchAll(/`([\w/-]+)`/g)) {
      const unit = u[1]!;
      if (layers.has(unit)) throw new Error(`lib/README.md lists \`${unit}\` on two layers`);
      layers.set(unit, Number(m[1]));
    }
  }
  if (layers.size === 0) throw new Error('the "## Layers" section of lib/README.md has no table rows');
  return layers;
}

/** Relative import specifiers of a source text: static, `export … from`, side-effect and dynamic imports. */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /new\s+URL\(\s*['"](\.[^'"]+)['"]\s*,\s*import\.meta\.url/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) if (m[1]!.startsWith('.')) out.push(m[1]!);
  return out;
}

/** The unit of a path relative to lib/: the longest listed folder prefix ('eval/metrics' before 'eval'). */
export function unitOf(file: string, layers: ReadonlyMap<string, number>): string | undefined {
  const parts = posix.dirname(file).split('/');
  for (let n = parts.length; n > 0; n--) {
    const u = parts.slice(0, n).join('/');
    if (layers.has(u)) return u;
  }
  return undefined;
}

export interface Graph {
  files: string[];
  edges: Map<string, string[]>;
}

/** Rule violations of a file graph (paths relative to lib/): upward or sideways imports, and unlisted folders. */
export function layerViolations(g: Graph, layers: ReadonlyMap<string, number>): string[] {
  const out: string[] = [];
  for (const f of g.files) {
    const from = unitOf(f, layers);
    if (from === undefined) {
      out.push(`lib/${f}: its folder has no layer: add it to the Layers table of lib/README.md`);
      continue;
    }
    for (const t of g.edges.get(f) ?? []) {
      const to = unitOf(t, layers);
      if (to === undefined || to === from) continue; // unlisted targets are reported as files
      if (layers.get(to)! >= layers.get(from)!)
        out.push(
          `lib/${f} (${from}, layer ${layers.get(from)}) imports lib/${t} (${to}, layer ${layers.get(to)}): ` +
            `a folder may import only from lower layers`,
        );
    }
  }
  return out;
}

/** Import cycles among files (Tarjan's strongly connected components), each as a list of files. */
export function cycles(g: Graph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (g.edges.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const f of g.files) if (!idx.has(f)) visit(f);
  return found;
}

/** Resolve an import specifier from `file` to a file of `files` (.ts/.mts/.mjs, or the specifier's own extension). */
function resolveImport(file: string, spec: string, files: ReadonlySet<string>): string | undefined {
  const base = posix.normalize(posix.join(posix.dirname(file), spec));
  const stem = base.replace(/\.(js|mjs|ts|mts)$/, '');
  for (const c of [base, `${stem}.ts`, `${stem}.mts`, `${stem}.mjs`, `${stem}.js`, `${base}/index.ts`])
    if (files.has(c)) return c;
  return undefined;
}

function libGraph(): Graph {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mts|mjs)$/.test(e.name)) files.push(relative(LIB, p).split('\\').join('/'));
    }
  };
  walk(LIB);
  const set = new Set(files);
  const edges = new Map<string, string[]>();
  for (const f of files) {
    const targets: string[] = [];
    for (const spec of importsOf(readFileSync(join(LIB, f), 'utf8'))) {
      const t = resolveImport(f, spec, set);
      if (t === undefined) {
        if (!resolve(LIB, dirname(f), spec).startsWith(LIB)) throw new Error(`lib/${f} imports '${spec}' outside lib/`);
        throw new Error(`lib/${f}: cannot resolve import '${spec}'`);
      }
      targets.push(t);
    }
    edges.set(f, targets);
  }
  return { files, edges };
}

describe('the rule checker itself', () => {
  const layers = parseLayers(
    '# x\n## Layers\n| layer | folders |\n|---|---|\n| 0 | `core` |\n| 1 | `eval/metrics` `data` |\n| 2 | `eval` |\n## Next\n| 9 | `ignored` |\n',
  );
  const g = (edges: Record<string, string[]>): Graph => ({
    files: Object.keys(edges),
    edges: new Map(Object.entries(edges)),
  });
  it('reads the table of the Layers section only', () => {
    expect([...layers]).toEqual([
      ['core', 0],
      ['eval/metrics', 1],
      ['data', 1],
      ['eval', 2],
    ]);
  });
  it('finds static, type, re-export, side-effect and dynamic imports, not commented ones', () => {
    const src = [
      "import { a } from './a';",
      "import type { B } from '../b/b';",
      "export { c } from './c';",
      "import './side';",
      "const d = await import('./d');",
      "// import { e } from './e';",
      "import * as tf from '@tensorflow/tfjs';",
      "import {\n  f,\n  g,\n} from './fg';",
    ].join('\n');
    expect(importsOf(src).sort()).toEqual(['../b/b', './a', './c', './d', './fg', './side']);
  });
  it('allows downward and same-folder imports', () => {
    expect(layerViolations(g({ 'eval/x.ts': ['eval/metrics/m.ts', 'eval/y.ts', 'core/c.ts'] }), layers)).toEqual([]);
  });
  it('reports upward and same-layer imports, and unlisted folders', () => {
    expect(layerViolations(g({ 'core/c.ts': ['data/d.ts'] }), layers)).toHaveLength(1);
    expect(layerViolations(g({ 'data/d.ts': ['eval/metrics/m.ts'] }), layers)).toHaveLength(1);
    expect(layerViolations(g({ 'newfolder/n.ts': ['core/c.ts'] }), layers)[0]).toMatch(/no layer/);
  });
  it('finds cycles, also inside one folder', () => {
    expect(cycles(g({ 'a/x.ts': ['a/y.ts'], 'a/y.ts': ['a/z.ts'], 'a/z.ts': ['a/x.ts'], 'b/w.ts': [] }))).toEqual([
      ['a/x.ts', 'a/y.ts', 'a/z.ts'],
    ]);
    expect(cycles(g({ 'a/x.ts': ['a/y.ts'], 'a/y.ts': [] }))).toEqual([]);
  });
});

describe('lib/ follows the layer order of lib/README.md', () => {
  const layers = parseLayers(readFileSync(join(LIB, 'README.md'), 'utf8'));
  const graph = libGraph();
  it('every folder has a layer and every import goes down (or stays in its folder)', () => {
    expect(layerViolations(graph, layers)).toEqual([]);
  });
  it('no import cycles between files', () => {
    expect(cycles(graph)).toEqual([]);
  });
});
