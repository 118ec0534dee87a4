// The shape of a CLI command. Each file in lib/cli/commands/ exports `command`.
import type { Flags, ParsedArgs } from './args';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  flags: Flags;
  run(args: ParsedArgs): Promise<void>;
}
