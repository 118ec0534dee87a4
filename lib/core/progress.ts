// Progress for long commands: a bar with rate and ETA on a terminal, plain lines in CI
// or when piped. GECKO_PROGRESS=bar|lines|off overrides.
import { readEnv } from './env';

export interface Progress {
  /** Advance by n items (default 1). */
  tick(n?: number, note?: string): void;
  /** Finish: prints the total, rate and time. */
  done(note?: string): void;
}

function mode(): 'bar' | 'lines' | 'off' {
  const env = readEnv('GECKO_PROGRESS');
  if (env === 'bar' || env === 'lines' || env === 'off') return env;
  return process.stderr.isTTY ? 'bar' : 'lines';
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * Start a progress display on stderr.
 * @example const p = progress('encode', passages.length, 'passages'); ...; p.tick(batch.length); p.done();
 */
export function progress(
  label: string,
  total: number,
  unit = 'items',
  write: (s: string) => void = (s) => process.stderr.write(s),
): Progress {
  const m = mode();
  const t0 = Date.now();
  let count = 0;
  let lastLine = 0;
  const lineEveryMs = 5000;
  const render = (note?: string) => {
    const el = (Date.now() - t0) / 1000;
    const rate = count / Math.max(el, 1e-9);
    const eta = total > 0 ? (total - count) / Math.max(rate, 1e-9) : NaN;
    const pct = total > 0 ? Math.min(1, count / total) : 0;
    const tail = `${count}/${total} ${unit}  ${rate.toFixed(rate < 10 ? 2 : 0)} ${unit}/s  ETA ${fmtTime(eta)}${note ? '  ' + note : ''}`;
    if (m === 'bar') {
      const width = 24;
      const filled = Math.round(pct * width);
      write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${tail}\x1b[K`);
    } else if (m === 'lines') {
      write(`${label}: ${(pct * 100).toFixed(0)}% ${tail}\n`);
    }
  };
  return {
    tick(n = 1, note?: string) {
      count += n;
      const now = Date.now();
      if (m === 'bar' && now - lastLine > 100) {
        lastLine = now;
        render(note);
      }
      if (m === 'lines' && (now - lastLine > lineEveryMs || count >= total)) {
        lastLine = now;
        render(note);
      }
    },
    done(note?: string) {
      if (m === 'off') return;
      const el = (Date.now() - t0) / 1000;
      if (m === 'bar') write('\r\x1b[K');
      write(
        `${label}: done ${count} ${unit} in ${fmtTime(el)} (${(count / Math.max(el, 1e-9)).toFixed(1)} ${unit}/s)${note ? '  ' + note : ''}\n`,
      );
    },
  };
}
