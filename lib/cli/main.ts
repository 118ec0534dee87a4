// `npx gecko <command>`: finds lib/cli/commands/<command>.ts and runs it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { helpText, parseArgs } from './args';
import type { Command } from './command';
import { GeckoError } from '../core/errors';
import { projectRoot } from '../core/paths';

const commandsDir = () => join(projectRoot(), 'lib', 'cli', 'commands');

async function loadCommand(name: string): Promise<Command | undefined> {
  const files = readdirSync(commandsDir()).filter((f) => f.endsWith('.ts'));
  if (!files.includes(`${name}.ts`)) return undefined;
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

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const cmds = await listCommands();
    process.stdout.write(
      `gecko: the Gecko workbench command line\n\nusage: npx gecko <command> [flags]   (npx gecko <command> --help for its flags)\n\ncommands:\n${cmds.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}\n`,
    );
    return 0;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    const cmds = await listCommands();
    process.stderr.write(`gecko: unknown command '${name}'. Commands: ${cmds.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  try {
    const args = parseArgs(rest, cmd.flags, cmd.name);
    if (args.flags.help) {
      process.stdout.write(helpText(cmd.name, cmd.summary, cmd.usage, cmd.flags));
      return 0;
    }
    await cmd.run(args);
    return 0;
  } catch (e) {
    if (e instanceof GeckoError) {
      process.stderr.write(`gecko ${name}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
