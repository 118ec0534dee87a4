// Entry of a replica worker thread: plain JavaScript, so Node can start it from any host
// (tsx, vitest, the tslab kernel); it registers tsx and then loads the TypeScript worker.
import { register } from 'tsx/esm/api';
register();
import('./replica-worker.ts').catch((e) => {
  // eslint-disable-next-line no-console
  console.error('replica worker failed to start:', e);
  process.exit(1);
});
