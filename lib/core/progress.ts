// Progress for long commands: a bar with rate and ETA on a terminal, plain lines in CI or when
// piped, one updating display line in a notebook (lib/display/progress.ts installs the renderer).
// GECKO_PROGRESS=bar|lines|off overrides. Bars started while another runs (the tasks of an
// evaluation, then the texts of one task) share one line: "outer | inner".
import { readChoice } from './env';

export interface Progress {
  /** Advance by n items (default 1). */
  tick(n?: number, note?: string): void;
  /** Finish: prints the total, rate and time. */
  done(note?: string): void;
}

/**
 * Draws the one progress line of a notebook cell. `line` is the whole line (no \r);
 * `final` is true when the last running bar finished (the line then holds its summary).
 */
export type ProgressRenderer = (line: string, final: boolean) => void;

let renderer: ProgressRenderer | undefined;

/**
 * Route progress to a notebook display (undefined: back to stderr). GECKO_PROGRESS, when
 * set, still wins. @example setProgressRenderer((line) => handle.update(line))
 */
export function setProgressRenderer(r: ProgressRenderer | undefined): void {
  renderer = r;
}

type Mode = 'bar' | 'lines' | 'off' | 'notebook';

function mode(): Mode {
  const env = readChoice('GECKO_PROGRESS'); // a value other than these is an error naming it
  if (env === 'bar' || env === 'lines' || env === 'off') return env;
  if (renderer) return 'notebook';
  return process.stderr.isTTY ? 'bar' : 'lines';
}

/** Seconds as '42s', '3m07s' or '1h05m'; '?' when unknown. @example fmtTime(187) === '3m07s' */
export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const whole = Math.round(s); // round once, so 119.6 s is '2m00s', never '1m60s'
  if (whole < 60) return `${whole}s`;
  const m = Math.floor(whole / 60);
  return m < 60
    ? `${m}m${String(whole % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * The text of one bar: label, bar, count/total, rate and ETA (the style of every stage).
 * @example progressText('eval', 3, 12, 'tasks', 30) // 'eval [######..................] 3/12 tasks  0.10 tasks/s  ETA 1m30s'
 */
export function progressText(
  label: string,
  count: number,
  total: number,
  unit: string,
  elapsedS: number,
  note?: string,
) {
  const rate = count / Math.max(elapsedS, 1e-9);
  const eta = total > 0 && count > 0 ? (total - count) / rate : NaN;
  const pct = total > 0 ? Math.min(1, count / total) : 0;
  const width = 24;
  const filled = Math.round(pct * width);
  return (
    `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}/${total} ${unit}  ` +
    `${rate.toFixed(rate < 10 ? 2 : 0)} ${unit}/s  ETA ${fmtTime(eta)}${note ? '  ' + note : ''}`
  );
}

interface Active {
  text: string;
}
/** Bars running now, outermost first (bar and notebook modes draw them as one line). */
const active: Active[] = [];
const composite = () => active.map((a) => a.text).join(' | ');

/**
 * Start a progress display (stderr, or the notebook line).
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
  const me: Active = { text: `${label} ${0}/${total} ${unit}` };
  if (m === 'bar' || m === 'notebook') active.push(me);
  let count = 0;
  let lastLine = 0;
  let finished = false;
  const lineEveryMs = 5000;
  const draw = () => {
    if (m === 'bar') write(`\r${composite()}\x1b[K`);
    else if (m === 'notebook') renderer?.(composite(), false);
  };
  const render = (note?: string) => {
    const text = progressText(label, count, total, unit, (Date.now() - t0) / 1000, note);
    if (m === 'lines') {
      const pct = total > 0 ? Math.min(1, count / total) : 0;
      write(`${label}: ${(pct * 100).toFixed(0)}% ${text.slice(text.indexOf('] ') + 2)}\n`);
      return;
    }
    me.text = text;
    draw();
  };
  if (m === 'notebook') render();
  return {
    tick(n = 1, note?: string) {
      count += n;
      const now = Date.now();
      const every = m === 'lines' ? lineEveryMs : m === 'notebook' ? 250 : 100;
      if (m !== 'off' && (now - lastLine > every || (m === 'lines' && count >= total))) {
        lastLine = now;
        render(note);
      }
    },
    done(note?: string) {
      if (finished) return;
      finished = true;
      const i = active.indexOf(me);
      if (i >= 0) active.splice(i, 1);
      if (m === 'off') return;
      const el = (Date.now() - t0) / 1000;
      const summary = `${label}: done ${count} ${unit} in ${fmtTime(el)} (${(count / Math.max(el, 1e-9)).toFixed(1)} ${unit}/s)${note ? '  ' + note : ''}`;
      if (m === 'notebook') {
        if (active.length === 0) renderer?.(summary, true);
        else draw();
        return;
      }
      if (m === 'bar') write('\r\x1b[K');
      write(summary + '\n');
      if (m === 'bar' && active.length > 0) draw();
    },
  };
}
