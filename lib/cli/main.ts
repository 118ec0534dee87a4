// `npx gecko <command>`: finds lib/cli/commands/<command>.ts and runs it. Every error, ours or
// not, ends as one `gecko <command>: message` line plus a fix and an exit code (0 success,
// 1 failed run, 2 usage error, 130 interrupted); stack traces only with GECKO_DEBUG=1.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { helpText, parseArgs } from './args';
import type { Command } from './command';
import { describeError, UsageError } from '../core/errors';
import { checkEnvironment, debugSetting } from '../core/env';
import { installInterruptHandlers, yieldToSignals } from '../core/interrupt';
import { resumeCommand, setCommandLine } from '../core/resume';
import { projectRoot } from '../core/paths';
import { readJsonFile } from '../core/json';

const commandsDir = () => join(projectRoot(), 'lib', 'cli', 'commands');

/** The command now running, for messages from the process-wide handlers. */
let current = 'gecko';

async function loadCommand(name: string): Promise<Command | undefined> {
  const files = readdirSync(commandsDir()).filter((f) => f.endsWith('.ts'));
  if (!/^[a-z][a-z0-9-]*$/.test(name) || !files.includes(`${name}.ts`)) return undefined;
  const mod = await import(pathToFileURL(join(commandsDir(), `${name}.ts`)).href);
  return mod.command as Command;
}

async function listCommands(): Promise<Command[]> {
  const names = readdirSync(commandsDir())
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
  return (await Promise.all(names.map(loadCommand))).filter((c): c is Command => !!c);
}

/** `gecko-workbench 0.1.0`, from package.json. */
export function versionText(): string {
  const pkg = readJsonFile(join(projectRoot(), 'package.json'), { dataKeys: true }) as {
    name: string;
    version: string;
  };
  return `${pkg.name} ${pkg.version}\n`;
}

async function overview(): Promise<string> {
  const cmds = await listCommands();
  return (
    `gecko: the Gecko workbench command line\n\nusage: npx gecko <command> [flags]   (npx gecko <command> --help for its flags)\n` +
    `       npx gecko --version\n\ncommands:\n${cmds.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}\n` +
    `\nexit codes: 0 success, 1 failed run, 2 usage error, 130 interrupted. Set GECKO_DEBUG=1 for stack traces.\n`
  );
}

/**
 * Print any error as `gecko <command>: message` + `fix: ...` on stderr and return its exit code.
 * With GECKO_DEBUG=1 the stack follows. Never prints more than a few lines without it.
 */
export function reportError(e: unknown, command = current): number {
  const r = describeError(e);
  const prefix = command === 'gecko' ? 'gecko' : `gecko ${command}`;
  const lines = [`${prefix}: ${r.message}`];
  const resume = r.hint && /\bresume\b/.test(r.hint) ? resumeCommand() : undefined;
  if (r.hint) lines.push(`  fix: ${r.hint}${resume ? `; to resume: ${resume}` : ''}`);
  if (debugSetting()) lines.push(String((e as Error)?.stack ?? e));
  else if (!r.unexpected && r.exitCode === 1) lines.push('  (rerun with GECKO_DEBUG=1 to see the stack trace)');
  process.stderr.write(lines.join('\n') + '\n');
  return r.exitCode;
}

let installed = false;
/**
 * Process-wide last resort for errors thrown outside the awaited chain (timers, streams, workers'
 * callbacks). It uses the uncaught-exception capture callback, which replaces every
 * 'uncaughtException' listener: the wasm backend's own (which rethrows, printing ~39 KB of minified
 * source, and exits 7) never runs. Unhandled rejections get the same treatment. Call once, from bin/.
 */
export function installProcessHandlers(): void {
  if (installed) return;
  installed = true;
  const fatal = (e: unknown) => {
    // A closed pipe on stdout (gecko ... | head) is not a failure.
    if ((e as { code?: string })?.code === 'EPIPE') process.exit(0);
    process.exit(reportError(e));
  };
  process.setUncaughtExceptionCaptureCallback(fatal);
  process.prependListener('unhandledRejection', fatal);
  // Ctrl-C / SIGTERM: stop with exit 130; a training loop first saves the current step.
  installInterruptHandlers(() => (current === 'gecko' ? 'gecko' : `gecko ${current}`));
}

export async function main(argv: string[]): Promise<number> {
  current = 'gecko';
  try {
    return await dispatch(argv);
  } catch (e) {
    return reportError(e);
  } finally {
    current = 'gecko';
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(versionText());
    return 0;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    const sub = name === 'help' ? rest[0] : undefined;
    const cmd = sub ? await loadCommand(sub) : undefined;
    if (sub && !cmd) throw new UsageError(`unknown command '${sub}'`, 'npx gecko --help lists the commands');
    process.stdout.write(
      cmd ? helpText(cmd.name, cmd.summary, cmd.usage, cmd.flags, cmd.positionals) : await overview(),
    );
    return 0;
  }
  if (!name) {
    process.stderr.write(await overview());
    return 2;
  }
  if (name.startsWith('-'))
    throw new UsageError(
      `unknown flag ${name} before the command`,
      'usage: npx gecko <command> [flags]; npx gecko --help lists the commands',
    );
  const cmd = await loadCommand(name);
  if (!cmd) {
    const cmds = await listCommands();
    throw new UsageError(`unknown command '${name}'`, `commands: ${cmds.map((c) => c.name).join(', ')}`);
  }
  current = cmd.name;
  setCommandLine(cmd.name, rest, 'out' in cmd.flags);
  const args = parseArgs(rest, cmd.flags, cmd.name, cmd.positionals);
  if (args.flags.help) {
    process.stdout.write(helpText(cmd.name, cmd.summary, cmd.usage, cmd.flags, cmd.positionals));
    return 0;
  }
  if (args.flags.version) {
    process.stdout.write(versionText());
    return 0;
  }
  if (cmd.name !== 'env') checkEnvironment(); // a bad GECKO_* value is refused before any work, naming it
  await cmd.run(args);
  await yieldToSignals(0); // a signal that came during the last synchronous stretch still stops it (exit 130)
  return 0;
}
