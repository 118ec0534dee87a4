// The shape of a CLI command. Each file in lib/cli/commands/ exports `command`.
import type { Flags, ParsedArgs, PositionalSpec } from './args';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  flags: Flags;
  /** The positional arguments it takes; without this, any positional is a usage error. */
  positionals?: PositionalSpec;
  run(args: ParsedArgs): Promise<void>;
}
