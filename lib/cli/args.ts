// Command-line flags: each command declares its flags; unknown flags are errors.
import { GeckoError } from '../core/errors';

export type FlagType = 'string' | 'number' | 'boolean' | 'list';
export interface FlagSpec {
  type: FlagType;
  help: string;
  default?: string | number | boolean;
}
export type Flags = Record<string, FlagSpec>;
export type ParsedArgs = {
  positional: string[];
  flags: Record<string, string | number | boolean | string[] | undefined>;
};

/** Flags every command accepts. */
export const COMMON_FLAGS: Flags = {
  preset: { type: 'string', help: "config preset: smoke | demo | full (default: GECKO_PRESET or the command's own)" },
  set: { type: 'list', help: 'config override key.path=value (repeatable), e.g. --set finetune.steps=50' },
  help: { type: 'boolean', help: 'show this help' },
};

/**
 * Parse argv against declared flags. `--list a,b` and repeated `--list a --list b` both give ['a','b'].
 * @example parseArgs(['--n', '100', 'x'], { n: { type: 'number', help: '' } })
 */
export function parseArgs(argv: readonly string[], flags: Flags, command: string): ParsedArgs {
  const all = { ...COMMON_FLAGS, ...flags };
  const out: ParsedArgs = { positional: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (!tok.startsWith('--')) {
      out.positional.push(tok);
      continue;
    }
    let name = tok.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = all[name];
    if (!spec) {
      throw new GeckoError(
        `gecko ${command}: unknown flag --${name}`,
        `known flags: ${Object.keys(all)
          .map((f) => '--' + f)
          .join(', ')}`,
      );
    }
    if (spec.type === 'boolean') {
      out.flags[name] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new GeckoError(`gecko ${command}: --${name} needs a value`, spec.help);
    }
    if (spec.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new GeckoError(`gecko ${command}: --${name} expects a number, got '${value}'`);
      out.flags[name] = n;
    } else if (spec.type === 'list') {
      const prev = (out.flags[name] as string[] | undefined) ?? [];
      out.flags[name] =
        name === 'set'
          ? [...prev, value]
          : [
              ...prev,
              ...value
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            ];
    } else {
      out.flags[name] = value;
    }
  }
  for (const [name, spec] of Object.entries(all)) {
    if (out.flags[name] === undefined && spec.default !== undefined) out.flags[name] = spec.default;
  }
  return out;
}

export function helpText(command: string, summary: string, usage: string, flags: Flags): string {
  const all = { ...flags, ...COMMON_FLAGS };
  const lines = Object.entries(all).map(
    ([n, s]) => `  --${n.padEnd(14)} ${s.help}${s.default !== undefined ? ` (default: ${s.default})` : ''}`,
  );
  return `gecko ${command}: ${summary}\n\nusage: ${usage}\n\nflags:\n${lines.join('\n')}\n`;
}
