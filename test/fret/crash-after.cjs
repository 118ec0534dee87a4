// Preloaded into a child `gecko` process by test/fret/cli-resume.test.ts (node --require):
// the process SIGKILLs itself right after an append brings the file named GECKO_TEST_CRASH_FILE
// to at least GECKO_TEST_CRASH_LINES lines, a crash at a known point instead of a timed kill.
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');

const file = process.env.GECKO_TEST_CRASH_FILE;
const atLeast = Number(process.env.GECKO_TEST_CRASH_LINES);
if (file && atLeast > 0) {
  const append = fs.appendFileSync;
  fs.appendFileSync = function (path, ...rest) {
    append.call(this, path, ...rest);
    if (String(path).endsWith(`/${file}`)) {
      const n = fs.readFileSync(path, 'utf8').split('\n').filter(Boolean).length;
      if (n >= atLeast) process.kill(process.pid, 'SIGKILL');
    }
  };
  syncBuiltinESMExports(); // so that `import { appendFileSync } from 'node:fs'` sees the wrapper
}
