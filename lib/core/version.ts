// What produced a file: the workbench's version (package.json) and the git commit of the
// project (with whether the tree had uncommitted changes). Written into exported models,
// result files and run folders so any artefact can be traced back to the code.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './paths';
import { readJsonFile } from './json';

/** The git commit of the project and whether the tree has uncommitted changes (nulls outside git). */
export function gitState(): { commit: string | null; dirty: boolean | null } {
  const root = projectRoot();
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** The workbench's version from package.json. */
export function workbenchVersion(): string {
  return String(readJsonFile<{ version: string }>(join(projectRoot(), 'package.json'), { dataKeys: true }).version);
}

export interface Producer {
  name: 'gecko-workbench';
  version: string;
  commit: string | null;
  dirty: boolean | null;
}

let cached: Producer | undefined;

/**
 * Who produced an artefact (computed once per process: git is asked once).
 * @example producedBy() // { name: 'gecko-workbench', version: '0.1.0', commit: '45c7dd4...', dirty: false }
 */
export function producedBy(): Producer {
  cached ??= { name: 'gecko-workbench', version: workbenchVersion(), ...gitState() };
  return cached;
}

/** One line: 'gecko-workbench 0.1.0 (45c7dd4, dirty)'. */
export function producerLine(p: Producer = producedBy()): string {
  return `${p.name} ${p.version} (${p.commit ? p.commit.slice(0, 7) : 'no git'}${p.dirty ? ', uncommitted changes' : ''})`;
}
