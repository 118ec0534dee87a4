// Training picks the configured backend itself (lib/train/loop.ts): a bare pipeline context, with no run folder
// whose startRun would have chosen it, must not fall back to TF.js's default 'cpu' backend (an ablation arm did,
// and trained about 100x slower).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { resolveConfig } from '../../lib/config/resolve';
import { readJson } from '../../lib/core/fs';
import { pipelineContext } from '../../lib/pipeline/context';
import { pretrainForRun } from '../../lib/pipeline/train';
import { selectBackend } from '../../lib/backend/select';
import { have, SHARED_DATA, tmpDir } from '../helpers';

describe.skipIf(!have(join(SHARED_DATA, 'ag_news'), 'shared data (ag_news)'))('backend choice in training', () => {
  it('a stage trained from a bare pipeline context runs on the selected backend', async () => {
    const cfg = resolveConfig('smoke', { pretrain: { steps: 2, checkpointEvery: 2 } }).config;
    const r = await pretrainForRun(pipelineContext(cfg, { root: tmpDir('gecko-backend-') }));
    const meta = readJson<{ backend: string }>(join(r.checkpoint, 'meta.json'));
    expect(meta.backend).toBe((await selectBackend()).tfBackend);
  }, 120_000);
});
