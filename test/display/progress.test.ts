// Notebook progress: one display per cell that later lines update in place (update_display_data),
// a new display for the next cell or after a finished run of bars.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { progress, setProgressRenderer } from '../../lib/core/progress';
import { projectRoot } from '../../lib/core/paths';
import { notebookProgressRenderer, useNotebookProgress } from '../../lib/display/progress';

interface Sent {
  text: string;
  id: string;
  update: boolean;
}
const key = '/fake/node_modules/tslab/dist/jupyter.js';
const cache = createRequire(join(projectRoot(), 'package.json')).cache;

/** A fake tslab kernel whose writer is replaced per cell, as tslab does per execute request. */
function newCell(sent: Sent[]): void {
  cache[key] = {
    exports: {
      lastWriteDisplayData: (
        d: { data: Record<string, string>; transient: { display_id?: string } },
        update: boolean,
      ) => sent.push({ text: d.data['text/plain']!, id: d.transient.display_id ?? '', update }),
    },
  } as never;
}

afterEach(() => {
  delete cache[key];
  setProgressRenderer(undefined);
  vi.unstubAllEnvs();
});

describe('notebook progress line', () => {
  it('is not installed outside a kernel', () => {
    expect(useNotebookProgress()).toBe(false);
  });

  it('creates one display per cell and updates it; a finished line is kept, the next bar gets a new one', () => {
    vi.stubEnv('GECKO_PROGRESS', '');
    const sent: Sent[] = [];
    newCell(sent);
    expect(useNotebookProgress()).toBe(true);
    const a = progress('pretrain', 3, 'steps');
    a.tick(1);
    a.done();
    const b = progress('finetune', 2, 'steps');
    b.done();
    newCell(sent); // the next cell
    const c = progress('eval', 1, 'tasks');
    c.done();

    const ids = [...new Set(sent.map((s) => s.id))];
    expect(ids).toHaveLength(3); // pretrain, finetune (after pretrain's final line), eval (new cell)
    for (const id of ids) {
      const mine = sent.filter((s) => s.id === id);
      expect(mine[0]!.update).toBe(false); // created once ...
      expect(mine.slice(1).every((s) => s.update)).toBe(true); // ... then updated in place
    }
    expect(sent.filter((s) => s.id === ids[0]).at(-1)!.text).toMatch(/^pretrain: done 1 steps/);
    expect(sent.at(-1)!.text).toMatch(/^eval: done 0 tasks/);
  });

  it('the renderer alone: same cell and open line -> update', () => {
    const sent: Sent[] = [];
    newCell(sent);
    const r = notebookProgressRenderer();
    r('a', false);
    r('b', false);
    r('c', true);
    expect(sent.map((s) => [s.text, s.update])).toEqual([
      ['a', false],
      ['b', true],
      ['c', true],
    ]);
  });
});
