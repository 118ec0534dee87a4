// The one place lib/ touches tslab. It never loads tslab itself: inside a tslab kernel the
// kernel has already loaded tslab/dist/jupyter.js, so we find that module in Node's module
// cache; under vitest or plain Node it is absent and display falls back to text.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { projectRoot } from '../core/paths';

/** Display data for one output: mime type -> content (text or base64; JSON mime types take an object). */
export type MimeBundle = Record<string, string | object>;

interface TslabJupyter {
  lastWriteDisplayData:
    | ((
        data: { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> },
        update: boolean,
      ) => void)
    | null;
}

function tslabJupyter(): TslabJupyter | undefined {
  const cache = createRequire(join(projectRoot(), 'package.json')).cache;
  for (const key of Object.keys(cache)) {
    if (/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(key)) return cache[key]?.exports as TslabJupyter;
  }
  return undefined;
}

/** True inside a running tslab kernel cell (rich display available). */
export function inKernel(): boolean {
  return typeof tslabJupyter()?.lastWriteDisplayData === 'function';
}

/** The kernel's writer for the cell running now (a new one per execute request); undefined outside a kernel. */
export function kernelWriter(): unknown {
  return tslabJupyter()?.lastWriteDisplayData ?? undefined;
}

/**
 * Send one rich output with several mime types (e.g. text/html + text/plain) to the notebook.
 * With `displayId`, `update: true` replaces the earlier output of that id (update_display_data).
 * Returns false (and does nothing) outside a kernel.
 */
export function displayData(
  bundle: MimeBundle,
  opts: { displayId?: string; update?: boolean; metadata?: Record<string, unknown> } = {},
): boolean {
  const write = tslabJupyter()?.lastWriteDisplayData;
  if (typeof write !== 'function') return false;
  const transient = opts.displayId ? { display_id: opts.displayId } : {};
  write({ data: bundle, metadata: opts.metadata ?? {}, transient }, opts.update === true && !!opts.displayId);
  return true;
}
