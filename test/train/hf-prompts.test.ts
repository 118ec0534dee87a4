// Issue 19: an imported checkpoint's prompts (e5's "query: " / "passage: ", bge's query instruction)
// are used in fine-tuning too: formatExample puts the query prompt before queries and symmetric
// targets and the passage prompt before passages, and trainContrastive takes them from the starting
// checkpoint. Checked end to end: training the imported XLM-R (with its prompts) gives bit-identical
// weights to training the same weights without prompts on examples whose texts carry the prompts
// already (the 'plain' format makes the two spellable), and different weights from training without.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../../lib/backend/select';
import { resolveConfig } from '../../lib/config/resolve';
import { silentLogger } from '../../lib/core/log';
import type { TrainingExample } from '../../lib/core/types';
import { loadCheckpoint, saveCheckpoint } from '../../lib/encoder/checkpoint';
import { importHfEncoder } from '../../lib/encoder/hf-map';
import { rolePrompts } from '../../lib/encoder/prompts';
import { formatExample, trainContrastive } from '../../lib/train/contrastive-stage';
import { tmpDir } from '../helpers';

const FIX = join(__dirname, '..', 'fixtures', 'hf');
const topics = ['foxes', 'dogs', 'the city', 'numbers', 'rain', 'tea'];
const EXAMPLES: TrainingExample[] = topics.map((t, i) => ({
  id: `e${i}`,
  source: 'toy',
  task: 'search result',
  query: `about ${t}`,
  positive: { text: `a passage about ${t} and more ${t}` },
  negatives: [],
  symmetric: i % 3 === 0,
}));

describe("the checkpoint's prompts in training", () => {
  const dirs: string[] = [];
  beforeAll(async () => {
    await selectBackend({ override: 'wasm' });
  });
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('formatExample prepends the query prompt to queries and symmetric targets, the passage prompt to passages', () => {
    const p = rolePrompts(importHfEncoder(join(FIX, 'xlmr-mean')).config);
    expect(p).toEqual({ query: 'query: ', passage: 'passage: ' });
    expect(formatExample(EXAMPLES[1]!, 'unified', p)).toEqual({
      query: 'query: task: search result | query: about dogs',
      positive: 'passage: title: none | text: a passage about dogs and more dogs',
      negatives: [],
    });
    expect(formatExample(EXAMPLES[0]!, 'plain', p).positive).toBe(
      'query: search result a passage about foxes and more foxes',
    );
    // bge: a query instruction and an empty passage prompt
    const b = rolePrompts(importHfEncoder(join(FIX, 'bert-cls')).config);
    expect(formatExample(EXAMPLES[1]!, 'plain', b)).toEqual({
      query: 'Represent this sentence for searching relevant passages: search result about dogs',
      positive: 'a passage about dogs and more dogs',
      negatives: [],
    });
    expect(formatExample(EXAMPLES[1]!)).toEqual(formatExample(EXAMPLES[1]!, 'unified', rolePrompts({}))); // none: as before
  });

  it("trainContrastive applies the starting checkpoint's prompts (same weights as prompts written into the texts)", async () => {
    const dir = tmpDir();
    dirs.push(dir);
    const ck = importHfEncoder(join(FIX, 'xlmr-mean'));
    const withPrompts = join(dir, 'with');
    const without = join(dir, 'without');
    saveCheckpoint(withPrompts, ck);
    const { prompts: _, ...bare } = ck.config;
    saveCheckpoint(without, { ...ck, config: bare });
    const config = resolveConfig('smoke', {
      format: 'plain',
      encoder: { layers: 2, dModel: 32, heads: 4, ffn: 64, maxLen: 24, dropout: 0 },
      prefinetune: { steps: 2, batchSize: 4, checkpointEvery: 2, lr: 1e-3, warmupSteps: 0 },
    }).config;
    // the prompts spelled into the texts: plain queries are "{task} {text}", plain passages "{text}"
    const spelled: TrainingExample[] = EXAMPLES.map((e) => ({
      ...e,
      task: `query: ${e.task}`,
      positive: e.symmetric ? e.positive : { text: `passage: ${e.positive.text}` },
    }));
    const train = async (init: string, examples: TrainingExample[], name: string) => {
      const r = await trainContrastive({
        stage: 'prefinetune',
        config,
        examples,
        init,
        dir: join(dir, name),
        log: silentLogger,
        replicas: 1,
        showProgress: false,
      });
      return loadCheckpoint(r.checkpoint);
    };
    const a = await train(withPrompts, EXAMPLES, 'a');
    const b = await train(without, spelled, 'b');
    const c = await train(without, EXAMPLES, 'c');
    expect(a.config.prompts).toEqual(ck.config.prompts); // kept for embed and export
    expect(a.params).not.toEqual(ck.params);
    expect(Buffer.from(a.params.buffer).equals(Buffer.from(b.params.buffer))).toBe(true);
    expect(a.params).not.toEqual(c.params);
  });
});
