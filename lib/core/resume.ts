// The exact command that resumes an interrupted or failed run (issue 21): the command line as
// typed, with `--out <the folder this run wrote to>` added when the user gave no --out (without
// it, a rerun would start a new run folder from step 0). Entry points record the command line
// (setCommandLine); whatever claims the run's output folder records it (noteOutputFolder).
import { resolve } from 'node:path';

let folder: string | undefined;
let line: { name: string; args: readonly string[]; takesOut: boolean } | undefined;

/** Record the folder this process writes its run to (the first one claimed wins). */
export function noteOutputFolder(dir: string): void {
  folder ??= resolve(dir);
}

/** Record the command line being run: `gecko <name> <args>`, and whether the command has an --out flag. */
export function setCommandLine(name: string, args: readonly string[], takesOut: boolean): void {
  line = { name, args, takesOut };
  folder = undefined;
}

/** A command-line word as a POSIX shell reads it back: as it is when plain, else in single quotes. */
export const shellWord = (a: string) => (/^[A-Za-z0-9_./:=,@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/**
 * `npx gecko train --preset demo --out /abs/runs/2026...`: the command that resumes this run
 * (undefined when no command line was recorded: a notebook).
 * @example const cmd = resumeCommand(); if (cmd) hint += `: ${cmd}`;
 */
export function resumeCommand(): string | undefined {
  if (!line) return undefined;
  const hasOut = line.args.some((a) => a === '--out' || a.startsWith('--out='));
  // no folder noted: the command's default folder does not depend on the time (fret, eval...), rerun it as typed
  const extra = line.takesOut && !hasOut && folder ? ['--out', folder] : [];
  return ['npx gecko', line.name, ...[...line.args, ...extra].map(shellWord)].join(' ');
}

/** For tests: forget the command line and folder. */
export function resetResume(): void {
  folder = undefined;
  line = undefined;
}
