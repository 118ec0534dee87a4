// Child process of worker-signal.test.ts: two replica worker threads kept busy encoding, with
// the CLI's SIGINT/SIGTERM handlers installed; prints 'ready' once both workers answer.
import { PRESETS } from '../../lib/config/presets';
import { installInterruptHandlers } from '../../lib/core/interrupt';
import { encoderConfigFrom } from '../../lib/encoder/config';
import { initParams } from '../../lib/encoder/params';
import { WorkerReplica } from '../../lib/encoder/worker-pool';

installInterruptHandlers(() => 'worker-signal');
const cfg = encoderConfigFrom(PRESETS.smoke.encoder, 100);
const params = initParams(cfg, 1);
const workers = await Promise.all([WorkerReplica.start(cfg, 'cpu'), WorkerReplica.start(cfg, 'cpu')]);
await Promise.all(workers.map((w) => w.setParams(params)));
const seqs = Array.from({ length: 16 }, (_, i) => Array.from({ length: 30 }, (_, j) => 2 + ((i * 7 + j) % 90)));
await Promise.all(workers.map((w) => w.encode(seqs)));
process.stdout.write('ready\n');
for (;;) await Promise.all(workers.map((w) => w.encode(seqs))); // busy until a signal ends the process
