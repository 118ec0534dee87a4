#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx (no build step). Exit codes: 0 success,
// 1 failed run, 2 usage error, 130 interrupted.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { register } from 'tsx/esm/api';
// The project folder, so that data, runs and caches resolve the same from any working directory.
process.env.GECKO_PROJECT_ROOT ??= join(dirname(fileURLToPath(import.meta.url)), '..');
register();
// Relative GECKO_DATA_DIR etc. become absolute once, against the folder the user started in, so that
// every child process (and any chdir) reads the same folders.
const { resolvePathVars } = await import('../lib/core/env.ts');
resolvePathVars();
const { main, installProcessHandlers } = await import('../lib/cli/main.ts');
installProcessHandlers();
process.exitCode = await main(process.argv.slice(2));
