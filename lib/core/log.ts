// A logger passed explicitly (no global). captureLogs() collects lines for tests.

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
}

/** Logs to stderr so that stdout stays clean for JSON output. */
export const consoleLogger: Logger = {
  info: (msg) => process.stderr.write(msg + '\n'),
  warn: (msg) => process.stderr.write('warning: ' + msg + '\n'),
};

export const silentLogger: Logger = { info: () => {}, warn: () => {} };

/** A logger that records lines, for tests. */
export function captureLogs(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push('warning: ' + m) };
}
