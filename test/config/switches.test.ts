// The ablation switches of issue 10 section 2 are config keys: present in every preset,
// validated, and part of the config hash (so a run records them and a changed switch is a
// different run).
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../lib/config/resolve';
import { PRESETS } from '../../lib/config/presets';
import { formatPassage, formatQuery } from '../../lib/core/format';
import { formatExample } from '../../lib/train/contrastive-stage';
import { silentLogger } from '../../lib/core/log';
import { runSts } from '../../lib/eval/runners/sts';
import { getTask } from '../../lib/eval/tasks/registry';
import type { StsTaskMeta } from '../../lib/eval/tasks/types';

const SWITCHES: [string, Record<string, unknown>][] = [
  ['fret.positive', { fret: { positive: 'seed' } }],
  ['fret.negativeStrategy', { fret: { negativeStrategy: 'none' } }],
  ['fret.signals', { fret: { signals: 'ql' } }],
  ['fret.taskTypes', { fret: { taskTypes: ['fact checking'] } }],
  ['fret.retriever', { fret: { retriever: 'initial' } }],
  ['fret.initialSteps', { fret: { initialSteps: 3 } }],
  ['format', { format: 'plain' }],
  ['data.uniqueIds', { data: { uniqueIds: false } }],
  ['data.inDomainPrompt', { data: { inDomainPrompt: 'source' } }],
  ['finetune.matryoshkaDims', { finetune: { matryoshkaDims: [32, 16], matryoshkaWeights: [1, 0.5] } }],
];

describe('ablation switches', () => {
  it('every preset sets them to the paper recipe', () => {
    for (const name of Object.keys(PRESETS) as (keyof typeof PRESETS)[]) {
      const c = resolveConfig(name).config;
      expect(c.format).toBe('unified');
      expect(c.fret).toMatchObject({ positive: 'fused', negativeStrategy: 'lowest', signals: 'both', taskTypes: [] });
      expect(c.data).toEqual({ uniqueIds: true, inDomainPrompt: 'eval', leakGuard: 'refuse' });
    }
  });
  it.each(SWITCHES)('%s changes the config hash', (_key, over) => {
    const a = resolveConfig('smoke');
    const b = resolveConfig('smoke', over);
    expect(b.hash).not.toBe(a.hash);
  });
  it('bad values are rejected with the key named', () => {
    expect(() => resolveConfig('smoke', { fret: { positive: 'best' } })).toThrow(/fret\.positive.*fused, seed/);
    expect(() => resolveConfig('smoke', { fret: { signals: 'both2' } })).toThrow(/fret\.signals/);
    expect(() => resolveConfig('smoke', { fret: { taskTypes: ['poetry'] } })).toThrow(/fret\.taskTypes\[0\]/);
    expect(() => resolveConfig('smoke', { format: 'fancy' })).toThrow(/format.*unified, plain/);
  });
});

describe('format: unified vs plain', () => {
  it('formats queries and passages both ways', () => {
    expect(formatQuery('qa', 'who')).toBe('task: qa | query: who');
    expect(formatQuery('qa', 'who', 'plain')).toBe('qa who');
    expect(formatPassage('T', 'body', 'plain')).toBe('T body');
    expect(formatPassage(undefined, 'body', 'plain')).toBe('body');
    expect(formatPassage(undefined, 'body')).toBe('title: none | text: body');
  });
  it('training examples follow the format', () => {
    const ex = {
      id: 'x',
      source: 's',
      task: 'qa',
      query: 'who',
      positive: { title: 'T', text: 'p' },
      negatives: [{ text: 'n' }],
      symmetric: false,
    };
    expect(formatExample(ex, 'plain')).toEqual({ query: 'qa who', positive: 'T p', negatives: ['n'] });
    expect(formatExample(ex)).toEqual({
      query: 'task: qa | query: who',
      positive: 'title: T | text: p',
      negatives: ['title: none | text: n'],
    });
  });
});

describe('format in evaluation', () => {
  it('the runners embed texts in the context format', async () => {
    const seen: string[] = [];
    const embedder = {
      id: 'rec',
      dim: 2,
      async embed(texts: readonly string[]) {
        seen.push(...texts);
        return texts.map((_, i) => new Float32Array([1, i % 2]));
      },
    };
    const ctx = {
      model: { kind: 'dense' as const, id: 'rec', embedder },
      dims: [],
      seed: 1,
      format: 'plain' as const,
      log: silentLogger,
      encode: async (_role: string, texts: readonly string[]) => embedder.embed(texts),
    };
    const data = {
      kind: 'sts' as const,
      pairs: [
        { text1: 'a', text2: 'b', score: 1 },
        { text1: 'c', text2: 'd', score: 2 },
        { text1: 'e', text2: 'f', score: 3 },
      ],
    };
    await runSts(getTask('STSBenchmark') as StsTaskMeta, data, ctx);
    expect(seen.slice(0, 2)).toEqual(['semantic similarity a', 'semantic similarity c']);
    seen.length = 0;
    await runSts(getTask('STSBenchmark') as StsTaskMeta, data, { ...ctx, format: 'unified' });
    expect(seen[0]).toBe('task: semantic similarity | query: a');
  });
});
