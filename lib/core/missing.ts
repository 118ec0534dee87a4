// Why a path that should be a file cannot be opened, in words: "not found" only when nothing is
// there. A loop of symbolic links, a link to a missing target, or a folder without permission
// are named as what they are (issue 21 §2: symlink loops were reported as "not found").
import { lstatSync, readlinkSync, statSync } from 'node:fs';

/** 'file not found', or what else keeps `path` from being read. @example whyMissing('loop.txt') // 'a loop of symbolic links (ELOOP)' */
export function whyMissing(path: string): string {
  try {
    statSync(path);
    return 'exists'; // not missing after all
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ELOOP') return 'is a loop of symbolic links (ELOOP): following it never reaches a file';
    if (code === 'EACCES') return 'cannot be reached: permission denied on a folder of this path';
    if (code === 'ENOTDIR') return 'cannot exist: a part of this path is a file, not a folder';
    try {
      if (lstatSync(path).isSymbolicLink()) return `is a symbolic link to ${readlinkSync(path)}, which does not exist`;
    } catch {
      /* nothing there at all */
    }
    return 'file not found';
  }
}

/** The fix that goes with whyMissing's answer. */
export function missingHint(why: string): string {
  return /symbolic link/.test(why)
    ? 'point the link at a real file (ls -l shows where it leads), or give the file itself'
    : /permission/.test(why)
      ? 'fix the permissions of the folders on the path'
      : 'check the path (relative paths start from the current folder)';
}
