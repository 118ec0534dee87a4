// Issue 21 §2: worker threads end when their parent gets a signal. A child process keeps two
// replica worker threads busy; SIGTERM (and SIGINT) must end it, workers and all, within seconds
// with exit code 130 (the orphan of the sweep ran on after two SIGTERMs until SIGKILL).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

function runUntilSignal(
  signal: NodeJS.Signals,
): Promise<{ code: number | null; afterSignalMs: number; stderr: string }> {
  const tsx = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, join(__dirname, 'worker-signal.child.ts')], {
    cwd: ROOT,
    env: { ...process.env, GECKO_PROJECT_ROOT: ROOT },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let sentAt = 0;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit (sent ${signal} at ${sentAt ? 'ready' : 'never'}); stderr: ${stderr.slice(-800)}`));
    }, 60_000);
    child.stdout.on('data', (d) => {
      if (!sentAt && String(d).includes('ready')) {
        sentAt = Date.now();
        setTimeout(() => child.kill(signal), 300); // mid-encode
      }
    });
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, afterSignalMs: sentAt ? Date.now() - sentAt - 300 : -1, stderr });
    });
  });
}

describe('worker threads end with their parent', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s ends a process with two busy replica workers, exit 130',
    async (sig) => {
      const r = await runUntilSignal(sig);
      expect(r.afterSignalMs, r.stderr.slice(-800)).toBeGreaterThanOrEqual(0); // it got to 'ready'
      expect(r.code, r.stderr.slice(-800)).toBe(130);
      expect(r.afterSignalMs).toBeLessThan(5_000);
      expect(r.stderr).toMatch(new RegExp(`stopped by ${sig}`));
    },
    150_000,
  );
});
