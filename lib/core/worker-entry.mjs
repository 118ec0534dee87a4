// Entry of every worker thread (encoder replicas, exact search): plain JavaScript, so Node can
// start it from any host (tsx, vitest, the tslab kernel). It registers tsx, then loads the
// TypeScript module named in workerData.module. It lives in core/ so that any folder can start
// a worker of its own module through core/worker.ts without naming another folder's file.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';
register();
if (!workerData || !workerData.module) {
  // eslint-disable-next-line no-console
  console.error(
    'worker failed to start: workerData.module names no module (start workers with core/worker.ts: tsWorker)',
  );
  process.exit(1);
}
import(workerData.module).catch((e) => {
  // eslint-disable-next-line no-console
  console.error('worker failed to start:', e);
  process.exit(1);
});
