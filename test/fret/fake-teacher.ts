// A tiny deterministic Teacher for FRet tests: word-overlap scores, first words as query.
import type { Passage } from '../../lib/core/types';
import type { GeneratedTaskQuery, RelevanceJudgement, Teacher, Usage } from '../../lib/llm/types';

const words = (s: string): string[] => s.toLowerCase().match(/[a-z0-9]+/g) ?? [];

export class MalformedOutputError extends Error {
  override name = 'MalformedOutputError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export function fakeTeacher(opts: { malformedIds?: string[] } = {}): Teacher & { calls: number } {
  const usage: Usage = { calls: 0, cachedCalls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
  const t = {
    id: 'fake',
    standIn: true,
    calls: 0,
    capabilities: { generate: true, continuationLogprobs: true, labelLogprobs: true },
    async generateTaskQuery(p: Passage, o: { seed: number }): Promise<GeneratedTaskQuery> {
      t.calls++;
      usage.calls++;
      if (opts.malformedIds?.includes(p.id))
        throw new MalformedOutputError('not-json', `reply for ${p.id} is not JSON`);
      const w = words(p.text);
      const start = o.seed % Math.max(1, w.length - 4);
      const query = w.slice(start, start + 4).join(' ');
      return {
        task: 'Given a query, find a passage that answers it',
        query,
        raw: JSON.stringify({ query }),
        promptId: 'fake-qg',
        promptVersion: '1',
      };
    },
    async queryLikelihood(q: string, p: Passage): Promise<number> {
      t.calls++;
      usage.calls++;
      const pw = words(p.text);
      return words(q).reduce((s, w) => s + Math.log((pw.filter((x) => x === w).length + 0.1) / (pw.length + 1)), 0);
    },
    async relevance(_task: string, q: string, p: Passage): Promise<RelevanceJudgement> {
      t.calls++;
      usage.calls++;
      const pw = new Set(words(p.text));
      const qw = words(q);
      const frac = qw.filter((w) => pw.has(w)).length / Math.max(1, qw.length);
      const yes = Math.log(0.05 + 0.9 * frac);
      return { labelLogprobs: { yes, no: Math.log(1 - Math.exp(yes)) }, score: Math.exp(yes) };
    },
    usage: () => ({ ...usage }),
  };
  return t;
}
