// Command-line flags, parsed with Node's util.parseArgs: each command declares its flags;
// unknown flags, missing values and stray positionals are usage errors (exit code 2).
import { parseArgs as nodeParseArgs } from 'node:util';
import { UsageError } from '../core/errors';

export type FlagType = 'string' | 'number' | 'boolean' | 'list';
export interface FlagSpec {
  type: FlagType;
  help: string;
  default?: string | number | boolean;
  /** One-letter alias, e.g. 'h' for --help. */
  short?: string;
  /** A number flag's range (inclusive) and whether it must be whole: a value outside is a usage error giving the range. */
  min?: number;
  max?: number;
  integer?: boolean;
}
export type Flags = Record<string, FlagSpec>;
export type ParsedArgs = {
  positional: string[];
  flags: Record<string, string | number | boolean | string[] | undefined>;
};
/** What positional arguments a command takes; a command without it takes none. */
export interface PositionalSpec {
  /** Shown in help, e.g. 'fetch NAME...'. */
  usage: string;
  /** Most positionals accepted (default: unlimited). */
  max?: number;
}

/** Flags every command accepts. */
export const COMMON_FLAGS: Flags = {
  preset: {
    type: 'string',
    help: "config preset: smoke | demo | full | scratch (default: GECKO_PRESET or the command's own)",
  },
  set: { type: 'list', help: 'config override key.path=value (repeatable), e.g. --set finetune.steps=50' },
  help: { type: 'boolean', short: 'h', help: 'show this help and exit' },
  version: { type: 'boolean', help: 'print the version and exit' },
};

const flagName = (raw: string) => raw.replace(/^-+/, '').split('=')[0]!;

/** util.parseArgs's own errors, restated as usage errors that name the flag. */
function usageFromNode(e: { code?: string; message: string }, command: string, all: Flags): UsageError {
  const quoted = /'(-[^' ]+)/.exec(e.message)?.[1] ?? '';
  const name = flagName(quoted);
  const known = `known flags: ${Object.keys(all)
    .map((f) => '--' + f)
    .join(', ')} (see npx gecko ${command} --help)`;
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown flag ${quoted}`, known);
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const spec = all[name];
    if (/does not take an argument/.test(e.message))
      return new UsageError(`--${name} is a switch and takes no value`, `write --${name} alone`);
    if (/ambiguous/.test(e.message))
      return new UsageError(
        `--${name} needs a value, but the next word starts with '-'`,
        `give the value (--${name} VALUE, or --${name}=-VALUE for a value that starts with '-')${spec ? `: ${spec.help}` : ''}`,
      );
    return new UsageError(`--${name} needs a value`, spec?.help);
  }
  return new UsageError(e.message.split('\n')[0]!, known);
}

/**
 * Parse argv against declared flags. `--list a,b` and repeated `--list a --list b` both give ['a','b'];
 * `--set` keeps each value whole. `--` ends the flags. Positionals beyond `positionals.max` (or any,
 * when the command declares none) are a usage error.
 * @example parseArgs(['--n', '100'], { n: { type: 'number', help: '' } }, 'fret')
 */
export function parseArgs(
  argv: readonly string[],
  flags: Flags,
  command: string,
  positionals?: PositionalSpec,
): ParsedArgs {
  const all = { ...COMMON_FLAGS, ...flags };
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, spec] of Object.entries(all)) {
    options[name] = {
      type: spec.type === 'boolean' ? 'boolean' : 'string',
      ...(spec.type === 'boolean' ? {} : { multiple: true }),
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  let parsed: ReturnType<typeof nodeParseArgs>;
  try {
    parsed = nodeParseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (e) {
    throw usageFromNode(e as { code?: string; message: string }, command, all);
  }
  const out: ParsedArgs = { positional: [...parsed.positionals], flags: {} };
  for (const [name, raw] of Object.entries(parsed.values)) {
    const spec = all[name]!;
    if (spec.type === 'boolean') {
      out.flags[name] = raw as boolean;
      continue;
    }
    const values = raw as string[];
    if (spec.type === 'list') {
      out.flags[name] =
        name === 'set'
          ? values
          : values.flatMap((v) =>
              v
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            );
      continue;
    }
    if (values.length > 1 && new Set(values).size > 1)
      throw new UsageError(`--${name} was given ${values.length} times (${values.join(', ')})`, 'give it once');
    const value = values[values.length - 1]!;
    if (spec.type === 'number') {
      const n = value.trim() === '' ? NaN : Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got '${value}'`, spec.help);
      const whole = spec.integer ? 'a whole number' : 'a number';
      const range =
        spec.min !== undefined && spec.max !== undefined
          ? ` between ${spec.min} and ${spec.max}`
          : spec.min !== undefined
            ? ` >= ${spec.min}`
            : spec.max !== undefined
              ? ` <= ${spec.max}`
              : '';
      if (
        (spec.integer && !Number.isInteger(n)) ||
        (spec.min !== undefined && n < spec.min) ||
        (spec.max !== undefined && n > spec.max)
      )
        throw new UsageError(
          `--${name} ${value}: expected ${whole}${range}`,
          `give --${name} ${whole}${range} (${spec.help})`,
        );
      out.flags[name] = n;
    } else {
      out.flags[name] = value;
    }
  }
  // --help and --version win over everything else, so stray words never block them.
  if (!out.flags.help && !out.flags.version) {
    const max = positionals ? (positionals.max ?? Infinity) : 0;
    if (out.positional.length > max) {
      const stray = out.positional.slice(max);
      const valued = Object.entries(flags)
        .filter(([, s]) => s.type !== 'boolean')
        .map(([n]) => '--' + n);
      throw new UsageError(
        `unexpected argument${stray.length > 1 ? 's' : ''} ${stray.map((s) => `'${s}'`).join(' ')}: ${
          positionals
            ? `gecko ${command} takes at most ${max} (${positionals.usage})`
            : `gecko ${command} takes no positional arguments`
        }`,
        valued.length
          ? `pass values with their flag (${valued.join(', ')}); see npx gecko ${command} --help`
          : `see npx gecko ${command} --help`,
      );
    }
  }
  for (const [name, spec] of Object.entries(all)) {
    if (out.flags[name] === undefined && spec.default !== undefined) out.flags[name] = spec.default;
  }
  return out;
}

export function helpText(
  command: string,
  summary: string,
  usage: string,
  flags: Flags,
  positionals?: PositionalSpec,
): string {
  const all = { ...flags, ...COMMON_FLAGS };
  const lines = Object.entries(all).map(([n, s]) => {
    const name =
      (s.short ? `-${s.short}, --${n}` : `--${n}`) +
      (s.type === 'boolean' ? '' : ` ${s.type === 'number' ? 'N' : 'V'}`);
    return `  ${name.padEnd(18)} ${s.help}${s.default !== undefined ? ` (default: ${s.default})` : ''}${s.type === 'list' ? ' [repeatable]' : ''}`;
  });
  return (
    `gecko ${command}: ${summary}\n\nusage: ${usage}\n` +
    (positionals ? `\narguments: ${positionals.usage}\n` : '') +
    `\nflags:\n${lines.join('\n')}\n  --                 end of flags: every later word is an argument\n` +
    `\nexit codes: 0 success, 1 failed run, 2 usage error. Set GECKO_DEBUG=1 for stack traces.\n`
  );
}
