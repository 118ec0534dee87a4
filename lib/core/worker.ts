// Worker threads that run a TypeScript module: core/worker-entry.mjs registers tsx in the
// thread and loads the module. A folder passes a module of its own (layer rule: a path built
// with projectRoot() into another folder is checked like an import, test/core/imports.test.ts).
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { join } from 'node:path';
import { projectRoot } from './paths';

/**
 * Start a worker thread running the TypeScript module `module` (an absolute path) with
 * `workerData` = `data` plus `module`.
 * @example tsWorker(join(projectRoot(), 'lib', 'retrieval', 'topk-worker.ts'), { backend: 'wasm' }, { execArgv: [] })
 */
export function tsWorker(
  module: string,
  data: Record<string, unknown>,
  opts: Omit<WorkerOptions, 'workerData'> = {},
): Worker {
  return new Worker(join(projectRoot(), 'lib', 'core', 'worker-entry.mjs'), {
    ...opts,
    workerData: { ...data, module },
  });
}
