// The layer rule of lib/README.md, enforced: every relative import in lib/**/*.ts goes to the
// same folder or to a folder on a LOWER layer of the README's "Layers" table, and no chain of
// imports between files comes back to where it started. The table is the data: a new folder
// gets a row (or joins one) there, and this test names any folder that has none. A file path
// built with projectRoot() into lib/ (a worker's module, say) is held to the same rule as an
// import, and the README's two tables (one line per folder, layers) must list the same folders,
// every one of which exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

/** The folders of the "One line per folder" table of lib/README.md ('core', 'eval/metrics', ...), in order. */
export function parseFolderTable(markdown: string): string[] {
  const start = markdown.search(/^## One line per folder\b/m);
  if (start < 0) throw new Error('lib/README.md has no "## One line per folder" section');
  const section = markdown.slice(start).split(/\n## /)[0] ?? '';
  const out: string[] = [];
  for (const line of section.split('\n')) {
    const m = /^\|\s*`([\w/-]+?)\/?`\s*\|/.exec(line);
    if (m) out.push(m[1]!);
  }
  if (out.length === 0) throw new Error('the "## One line per folder" section of lib/README.md has no table rows');
  return out;
}

/**
 * Mismatches between the README's two tables and the folders of lib/: every top-level folder
 * has a row in both, both tables list the same folders, and every listed folder exists.
 */
export function tableMismatches(
  folderRows: readonly string[],
  layerUnits: readonly string[],
  dirs: readonly string[],
  exists: (unit: string) => boolean,
): string[] {
  const out: string[] = [];
  const rows = new Set(folderRows);
  const units = new Set(layerUnits);
  for (const d of dirs) {
    if (!rows.has(d)) out.push(`lib/${d}/ has no row in the "One line per folder" table of lib/README.md`);
    if (!units.has(d)) out.push(`lib/${d}/ has no layer in the Layers table of lib/README.md`);
  }
  for (const r of rows) {
    if (!exists(r))
      out.push(`lib/README.md's "One line per folder" table lists \`${r}/\`, which is not a folder of lib/`);
    else if (!units.has(r)) out.push(`\`${r}/\` has a line in lib/README.md but no layer in its Layers table`);
  }
  for (const u of units) {
    if (!exists(u)) out.push(`lib/README.md's Layers table lists \`${u}\`, which is not a folder of lib/`);
    else if (!rows.has(u))
      out.push(`\`${u}\` has a layer in lib/README.md but no line in its "One line per folder" table`);
  }
  return out;
}

/**
 * File paths into lib/ built with projectRoot(): `join(projectRoot(), 'lib', 'encoder', 'x.ts')`
 * gives 'encoder/x.ts' (relative to lib/). A path whose parts are not all string literals gives
 * null: it cannot be checked, so the test refuses it.
 */
export function projectRootPaths(source: string): (string | null)[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: (string | null)[] = [];
  for (const m of code.matchAll(/\b(?:join|resolve)\(\s*projectRoot\(\)\s*,([^)]*)\)/g)) {
    const args = m[1]!
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    const lits = args.map((a) => /^(['"])([^'"]*)\1$/.exec(a)?.[2]);
    const parts = lits[0]?.split('/') ?? [];
    if (parts[0] !== 'lib') {
      if (lits[0] === undefined) out.push(null); // a non-literal first part may name lib/ too
      continue;
    }
    if (lits.some((l) => l === undefined)) out.push(null);
    else out.push(posix.join(...(lits as string[])).replace(/^lib\/?/, ''));
  }
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

/** The projectRoot() paths of lib/'s files as edges (targets relative to lib/; a folder target gets a trailing '/_'). */
function pathGraph(files: readonly string[]): { graph: Graph; unchecked: string[] } {
  const edges = new Map<string, string[]>();
  const unchecked: string[] = [];
  for (const f of files) {
    const targets: string[] = [];
    for (const p of projectRootPaths(readFileSync(join(LIB, f), 'utf8'))) {
      if (p === null) {
        unchecked.push(
          `lib/${f}: a path built with projectRoot() from non-literal parts: write its parts as string literals so the layer rule can check it`,
        );
        continue;
      }
      const abs = join(LIB, p);
      if (!existsSync(abs)) unchecked.push(`lib/${f}: builds a path to lib/${p}, which does not exist`);
      else targets.push(statSync(abs).isDirectory() ? `${p}/_` : p);
    }
    edges.set(f, targets);
  }
  return { graph: { files: [...files], edges }, unchecked };
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
  it('reads the folder table and compares both tables with the folders', () => {
    const md =
      '# x\n## One line per folder\n| folder | what |\n|---|---|\n| `core/` | a |\n| `eval/metrics/` | b |\n## Layers\n';
    expect(parseFolderTable(md)).toEqual(['core', 'eval/metrics']);
    const exists = (u: string) => ['core', 'eval', 'eval/metrics', 'export'].includes(u);
    expect(
      tableMismatches(
        ['core', 'eval', 'eval/metrics', 'export'],
        ['core', 'eval', 'eval/metrics', 'export'],
        ['core', 'eval', 'export'],
        exists,
      ),
    ).toEqual([]);
    const missing = tableMismatches(
      ['core', 'eval', 'eval/metrics'],
      ['core', 'eval', 'eval/metrics', 'export'],
      ['core', 'eval', 'export'],
      exists,
    );
    expect(missing).toHaveLength(2);
    expect(missing[0]).toMatch(/lib\/export\/ has no row/);
    expect(tableMismatches(['core', 'gone'], ['core'], ['core'], exists)[0]).toMatch(/`gone\/`, which is not a folder/);
  });
  it('finds file paths built with projectRoot() into lib/, and refuses ones it cannot read', () => {
    const src = [
      "const a = join(projectRoot(), 'lib', 'encoder', 'worker-entry.mjs');",
      "const b = resolve(projectRoot(), 'lib/retrieval/topk-worker.ts');",
      "const c = join(projectRoot(), 'package.json');",
      "const d = join(projectRoot(), 'lib', folder, 'x.ts');",
      "// const e = join(projectRoot(), 'lib', 'ablate', 'x.ts');",
    ].join('\n');
    expect(projectRootPaths(src)).toEqual(['encoder/worker-entry.mjs', 'retrieval/topk-worker.ts', null]);
    // retrieval (layer 2) naming a file of encoder (layer 3): the case the import check could not see
    expect(
      layerViolations(
        g({ 'retrieval/search.ts': ['encoder/worker-entry.mjs'] }),
        parseLayers('## Layers\n| 2 | `retrieval` |\n| 3 | `encoder` |\n'),
      ),
    ).toHaveLength(1);
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
  it('every file path built with projectRoot() into lib/ goes down (or stays in its folder) too', () => {
    const { graph: paths, unchecked } = pathGraph(graph.files);
    expect(unchecked).toEqual([]);
    expect(
      layerViolations(paths, layers).map((v) => v.replace(' imports ', ' builds a path (projectRoot()) to ')),
    ).toEqual([]);
  });
  it("the README's trace names every op file of encoder/ops/", () => {
    const md = readFileSync(join(LIB, 'README.md'), 'utf8');
    const unnamed = readdirSync(join(LIB, 'encoder', 'ops')).filter((f) => f.endsWith('.ts') && !md.includes(`${f}\``));
    expect(unnamed, 'name each op file in hop 7 of lib/README.md').toEqual([]);
  });
  it('the "One line per folder" and Layers tables list the same folders, all of lib/ and only existing ones', () => {
    const md = readFileSync(join(LIB, 'README.md'), 'utf8');
    const dirs = readdirSync(LIB).filter((d) => statSync(join(LIB, d)).isDirectory());
    const exists = (u: string) => existsSync(join(LIB, u)) && statSync(join(LIB, u)).isDirectory();
    expect(tableMismatches(parseFolderTable(md), [...layers.keys()], dirs, exists)).toEqual([]);
  });
});
