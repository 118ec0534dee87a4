// Progress in a notebook: one display line per cell that updates in place (Jupyter
// update_display_data), instead of a printed line every few seconds. lib/core/progress.ts
// draws the line; this file gives it a display handle. Installed by notebookRun().
import { randomBytes } from 'node:crypto';
import { setProgressRenderer, type ProgressRenderer } from '../core/progress';
import { displayData, inKernel, kernelWriter } from './kernel';

/**
 * A renderer that keeps one display per cell (a cell is one kernel execute request) and
 * per run of bars: the first line of a cell creates the display, later ones update it;
 * after a final line the next bar starts a new display, so each finished stage keeps its summary.
 * @example setProgressRenderer(notebookProgressRenderer())
 */
export function notebookProgressRenderer(): ProgressRenderer {
  let writer: unknown;
  let id = '';
  let closed = true;
  return (line, final) => {
    const w = kernelWriter();
    const fresh = w !== writer || closed;
    if (fresh) {
      writer = w;
      id = `gecko-progress-${randomBytes(6).toString('hex')}`;
    }
    displayData({ 'text/plain': line }, { displayId: id, update: !fresh });
    closed = final;
  };
}

/**
 * Inside a tslab kernel, send progress to one updating line per cell; elsewhere do nothing.
 * Returns whether it was installed.
 */
export function useNotebookProgress(): boolean {
  if (!inKernel()) return false;
  setProgressRenderer(notebookProgressRenderer());
  return true;
}
