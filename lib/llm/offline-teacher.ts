// The offline teacher: a stand-in for an LLM that needs no weights and no network.
// It is NOT an LLM and is labelled so everywhere (standIn: true, id 'offline', NOTES).
// - query writing: a salient sentence or salient terms of the passage, phrased as a
//   question, a keyword search, a claim to verify or a sentence to match, with a task
//   description of the matching type (the paper's four most frequent task types);
// - query likelihood: a Dirichlet-smoothed passage language model (classic IR QL);
// - relevance: BM25 evidence, normalised to [0, 1], through a logistic map to P(yes).
import type { Passage } from '../core/types';
import { DataError } from '../core/errors';
import { deriveSeed, Rng } from '../core/rng';
import type { GeneratedTaskQuery, RelevanceJudgement, Teacher, TeacherCapabilities, Usage } from './types';
import { emptyUsage } from './usage';
import {
  analyze,
  bm25,
  buildTermStats,
  dirichletQueryLogLikelihood,
  idf,
  isStopword,
  sentences,
  termCounts,
  type TermStats,
} from './offline/text';

export const OFFLINE_PROMPT_ID = 'offline-querygen';
export const OFFLINE_PROMPT_VERSION = '1';

/** Shown wherever the offline teacher is used. */
export const OFFLINE_NOTES =
  'offline stand-in, not an LLM: template queries from salient passage text; QL = Dirichlet-smoothed passage LM; RC = BM25 through a logistic map';

/** The task types the stand-in writes, with the paper's task wording (§3.2 and the examples in §4.3). */
export const OFFLINE_TASK_TYPES = [
  { kind: 'question', task: 'Given a question, retrieve a passage that answers the question' },
  { kind: 'search', task: 'Given a web search query, retrieve a passage that might show up as a search result' },
  { kind: 'claim', task: 'Given a claim, find a passage that allows you to check whether the claim is true or not' },
  { kind: 'similar', task: 'Given a sentence, retrieve a passage that is semantically similar to it' },
] as const;

export type OfflineTaskKind = (typeof OFFLINE_TASK_TYPES)[number]['kind'];

export interface OfflineTeacherOptions {
  /** Background collection for idf and p(w|C): term stats, passages or texts. Absent: uniform background, idf 1. */
  background?: TermStats | readonly Passage[] | readonly string[];
  /** Dirichlet prior mu of the passage language model (default 2000, the classic value). */
  mu?: number;
  /** Logistic map from normalised BM25 s in [0,1] to P(yes) = 1 / (1 + exp(-slope (s - mid))). */
  slope?: number;
  mid?: number;
  /** Restrict the task types (default: all four). */
  kinds?: readonly OfflineTaskKind[];
}

function passageText(p: Passage): string {
  const text = p.title ? `${p.title}\n${p.text}` : p.text;
  if (text.trim() === '')
    throw new DataError(
      `passage ${p.id} (${p.source})`,
      'empty passage text',
      undefined,
      'drop empty passages before asking the teacher',
    );
  return text;
}

function isTermStats(x: unknown): x is TermStats {
  return typeof x === 'object' && x !== null && 'cf' in x && 'df' in x;
}

/**
 * A teacher that needs no weights and no network: the default for the demo and CI, and a stand-in only.
 * @example const t = new OfflineTeacher({ background: corpus }); const { task, query } = await t.generateTaskQuery(p, { seed: 1 });
 */
export class OfflineTeacher implements Teacher {
  readonly id = 'offline';
  readonly standIn = true;
  readonly notes = OFFLINE_NOTES;
  readonly capabilities: TeacherCapabilities = { generate: true, continuationLogprobs: true, labelLogprobs: true };
  readonly stats: TermStats | undefined;
  private readonly mu: number;
  private readonly slope: number;
  private readonly mid: number;
  private readonly kinds: readonly OfflineTaskKind[];
  private readonly u: Usage = emptyUsage();

  constructor(opts: OfflineTeacherOptions = {}) {
    const bg = opts.background;
    this.stats =
      bg === undefined
        ? undefined
        : isTermStats(bg)
          ? bg
          : buildTermStats(
              (bg as readonly (Passage | string)[]).map((x) => (typeof x === 'string' ? x : passageText(x))),
            );
    this.mu = opts.mu ?? 2000;
    this.slope = opts.slope ?? 12;
    this.mid = opts.mid ?? 0.25;
    this.kinds = opts.kinds ?? OFFLINE_TASK_TYPES.map((t) => t.kind);
    if (this.kinds.length === 0) throw new RangeError('OfflineTeacher: kinds must not be empty');
  }

  async generateTaskQuery(passage: Passage, opts: { seed: number }): Promise<GeneratedTaskQuery> {
    this.u.calls++;
    const rng = new Rng(deriveSeed(opts.seed, 'offline-querygen', passage.id));
    const kind = rng.choice(this.kinds);
    const task = OFFLINE_TASK_TYPES.find((t) => t.kind === kind)!.task;
    const query = writeQuery(kind, passage, this.stats, rng);
    return {
      task,
      query,
      raw: JSON.stringify({ task, query }),
      promptId: OFFLINE_PROMPT_ID,
      promptVersion: OFFLINE_PROMPT_VERSION,
    };
  }

  async queryLikelihood(query: string, passage: Passage): Promise<number> {
    this.u.calls++;
    return dirichletQueryLogLikelihood(analyze(query), analyze(passageText(passage)), this.stats, this.mu);
  }

  /** The task description is ignored: lexical evidence does not depend on it. */
  async relevance(task: string, query: string, passage: Passage): Promise<RelevanceJudgement> {
    this.u.calls++;
    const { score, max } = bm25(analyze(query), analyze(passageText(passage)), this.stats);
    const s = max > 0 ? score / max : 0;
    const z = this.slope * (s - this.mid);
    // log sigmoid(z) and log sigmoid(-z), computed stably.
    const logYes = -softplus(-z);
    const logNo = -softplus(z);
    return { labelLogprobs: { yes: logYes, no: logNo }, score: Math.exp(logYes) };
  }

  usage(): Usage {
    return { ...this.u };
  }

  /** The stand-in can do all three; nothing to check. */
  async preflight(): Promise<void> {}
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** Salience of each analyzed term of a passage: tf * idf (idf 1 without background). */
function salience(tokens: readonly string[], stats: TermStats | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const [t, c] of termCounts(tokens)) out.set(t, c * idf(t, stats) * (/^\d+$/.test(t) ? 0.5 : 1));
  return out;
}

/** Write one query of `kind` from the passage. Every content word of the query comes from the passage. */
export function writeQuery(kind: OfflineTaskKind, passage: Passage, stats: TermStats | undefined, rng: Rng): string {
  const text = passageText(passage);
  const sal = salience(analyze(text), stats);
  const sents = sentences(passage.text);
  const pool = sents.length > 0 ? sents : [text.replace(/\s+/g, ' ').trim()];
  // Rank sentences by mean salience of their terms (ties: earlier first), pick among the top 3.
  const ranked = pool
    .map((s, i) => {
      const toks = analyze(s);
      return { s, i, w: toks.reduce((a, t) => a + (sal.get(t) ?? 0), 0) / Math.max(1, Math.sqrt(toks.length)) };
    })
    .sort((a, b) => b.w - a.w || a.i - b.i);
  const sentence = rng.choice(ranked.slice(0, 3)).s;

  switch (kind) {
    case 'search': {
      const terms = [...sal.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 3 + rng.int(3))
        .map(([t]) => t);
      const order = analyze(text);
      return terms.sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(' ');
    }
    case 'claim':
      return unquote(clip(sentence, 30))
        .replace(/[,;:]$/, '')
        .replace(/([^.!?])$/, '$1.');
    case 'similar':
      return unquote(clip(passage.title && rng.float() < 0.5 ? passage.title : sentence, 25));
    case 'question': {
      const span = salientSpan(sentence, sal, 3 + rng.int(5));
      const wh = /[%$£€]|\b\d/.test(span)
        ? 'how much'
        : /\b(1[89]|20)\d\d\b/.test(sentence)
          ? 'when'
          : rng.choice(['what', 'why', 'how', 'who']);
      return `${wh} ${span.toLowerCase()}?`;
    }
  }
}

/** Drop quote marks (a clipped quotation would leave them unbalanced). */
function unquote(s: string): string {
  return s.replace(/["“”]/g, '').replace(/\s+/g, ' ').trim();
}

function clip(s: string, maxWords: number): string {
  const words = s.replace(/\s+/g, ' ').trim().split(' ');
  return words.length <= maxWords ? words.join(' ') : words.slice(0, maxWords).join(' ');
}

/** The window of `len` consecutive words of the sentence with the most salience, trimmed of edge stopwords and punctuation. */
function salientSpan(sentence: string, sal: Map<string, number>, len: number): string {
  const words = sentence.replace(/\s+/g, ' ').trim().split(' ');
  const weight = (w: string) => analyze(w).reduce((a, t) => a + (sal.get(t) ?? 0), 0);
  let best = 0,
    bestW = -1;
  for (let i = 0; i + Math.min(len, words.length) <= words.length; i++) {
    const w = words.slice(i, i + len).reduce((a, x) => a + weight(x), 0);
    if (w > bestW) {
      bestW = w;
      best = i;
    }
  }
  let span = words
    .slice(best, best + len)
    .map((w) => w.replace(/^[^\p{L}\p{N}$£€]+|[^\p{L}\p{N}%]+$/gu, ''))
    .filter((w) => w !== '');
  while (span.length > 1 && isStopword(span[0]!)) span = span.slice(1);
  while (span.length > 1 && isStopword(span[span.length - 1]!)) span = span.slice(0, -1);
  return span.join(' ');
}
