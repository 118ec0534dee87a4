// Runs before every test file (vitest.config.ts setupFiles). The temporary folders a file made with
// tmpDir are removed after it (its own afterAll hooks run first, so servers and children are closed).
// It also watches the worker's event loop: vitest's worker RPC gives each call 60 s, and a test that
// blocks the loop that long (a spawnSync, a long synchronous computation on a loaded machine) fails the
// whole run with `Timeout calling "onTaskUpdate"`; a block over BLOCK_WARN_S is named here, before that.
// (perf_hooks' monitorEventLoopDelay cannot see blocks over 4.3 s, so a plain interval timer measures.)
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll } from 'vitest';
import { removeTmpDirs } from './helpers';

const BLOCK_WARN_S = 15;
const TICK_MS = 250;
let last = performance.now();
let worst = 0;
const tick = setInterval(() => {
  const now = performance.now();
  worst = Math.max(worst, now - last - TICK_MS);
  last = now;
}, TICK_MS).unref();

afterAll(async (file) => {
  await sleep(2 * TICK_MS); // the timer measures a block when it next fires
  clearInterval(tick);
  if (worst > BLOCK_WARN_S * 1000)
    console.warn(
      `${file.name}: the test worker's event loop was blocked for ${(worst / 1000).toFixed(1)} s at once ` +
        `(vitest's worker RPC times out at 60 s): make the blocking call asynchronous`,
    );
});
afterAll(removeTmpDirs);
