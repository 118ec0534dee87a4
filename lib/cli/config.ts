// The config of a command line: --preset (else GECKO_PRESET, else 'demo') plus --set overrides.
import type { ParsedArgs } from './args';
import type { PresetName } from '../config/presets';
import { parseOverrides, presetFromEnv, resolveConfig, type ResolvedConfig } from '../config/resolve';

/** The preset a command runs with. */
export function presetOf(args: ParsedArgs): PresetName {
  return (args.flags.preset as PresetName | undefined) ?? presetFromEnv('demo');
}

/** The --set overrides as a nested object. */
export function overridesOf(args: ParsedArgs): Record<string, unknown> {
  return parseOverrides((args.flags.set as string[] | undefined) ?? []);
}

/** @example const { config } = configFromArgs(args); */
export function configFromArgs(args: ParsedArgs): ResolvedConfig {
  return resolveConfig(presetOf(args), overridesOf(args));
}
