// Entry of a worker thread (encoder replicas, exact search): plain JavaScript, so Node can
// start it from any host (tsx, vitest, the tslab kernel). It registers tsx, then loads the
// TypeScript module named in workerData.module (default: the encoder replica worker).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';
register();
import((workerData && workerData.module) || './replica-worker.ts').catch((e) => {
  // eslint-disable-next-line no-console
  console.error('worker failed to start:', e);
  process.exit(1);
});
