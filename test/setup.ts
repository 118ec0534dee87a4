// Runs before every test file (vitest.config.ts setupFiles): the temporary folders a file made with
// tmpDir are removed after it (its own afterAll hooks run first, so servers and children are closed).
import { afterAll } from 'vitest';
import { removeTmpDirs } from './helpers';

afterAll(removeTmpDirs);
