// Academic training data in the paper's unified format (§3.3, appendix B): every data set
// becomes (task, query, positive, negatives). Asymmetric: SQuAD question → paragraph.
// Symmetric (targets formatted as queries, same-tower negatives): SICK NLI (entailment
// positive, contradiction hard negative), STS Benchmark high-score pairs, and Banking77
// classification with the paper's unique-id trick. Pure: rows and rng in, examples out.
import type { Rng } from '../core/rng';
import type { TrainingExample } from '../core/types';
import type { LabeledText, NliPair, SquadQuestion, StsPair } from '../data/loaders';

/**
 * Task strings of the sources' own (short features, as in the paper's pre-finetuning).
 * In-domain sources carry the evaluation prompt instead unless data.inDomainPrompt = 'source'
 * (mixture/build.ts mixtureTaskOf): Banking77 is evaluated with 'classification'.
 */
export const MIXTURE_TASKS = {
  squad: 'question answering',
  nli: 'semantic similarity',
  sts: 'semantic similarity',
  banking77: 'banking intent classification',
} as const;

/**
 * SQuAD: question → its paragraph (with the article title). Negative: another paragraph of
 * the same article, seeded ('same-article'), or none. One question per paragraph by default
 * (`perParagraph`), so that a batch rarely holds the same positive twice.
 * @example squadExamples(loadSquad(), rngFor(seed, 'mixture', 'squad'))
 */
export function squadExamples(
  rows: readonly SquadQuestion[],
  rng: Rng,
  opts: { negatives?: 'same-article' | 'none'; perParagraph?: number } = {},
): TrainingExample[] {
  const negatives = opts.negatives ?? 'same-article';
  const perParagraph = opts.perParagraph ?? 1;
  const byParagraph = new Map<string, SquadQuestion[]>();
  const paragraphsOf = new Map<string, string[]>();
  for (const q of rows) {
    const key = `${q.title}\u0000${q.context}`;
    if (!byParagraph.has(key)) {
      byParagraph.set(key, []);
      paragraphsOf.set(q.title, [...(paragraphsOf.get(q.title) ?? []), q.context]);
    }
    byParagraph.get(key)!.push(q);
  }
  const out: TrainingExample[] = [];
  for (const [key, qs] of byParagraph) {
    const [title, context] = key.split('\u0000') as [string, string];
    for (const q of rng.sample(qs, perParagraph)) {
      const others = (paragraphsOf.get(title) ?? []).filter((c) => c !== context);
      out.push({
        id: `squad-${q.id}`,
        source: 'squad',
        task: MIXTURE_TASKS.squad,
        query: q.question,
        positive: { title, text: context },
        negatives: negatives === 'same-article' && others.length ? [{ title, text: rng.choice(others) }] : [],
        symmetric: false,
      });
    }
  }
  return out;
}

/**
 * NLI (SimCSE convention): premise → an entailed hypothesis (positive); a contradicted
 * hypothesis of the same premise is the hard negative when there is one.
 * @example nliExamples(loadSickNli('train'), rng)
 */
export function nliExamples(rows: readonly NliPair[], rng: Rng, opts: { task?: string } = {}): TrainingExample[] {
  const byPremise = new Map<string, { ent: string[]; con: string[] }>();
  for (const r of rows) {
    const e = byPremise.get(r.premise) ?? { ent: [], con: [] };
    if (r.label === 'ENTAILMENT') e.ent.push(r.hypothesis);
    if (r.label === 'CONTRADICTION') e.con.push(r.hypothesis);
    byPremise.set(r.premise, e);
  }
  const out: TrainingExample[] = [];
  let i = 0;
  for (const [premise, { ent, con }] of byPremise) {
    for (const hyp of ent) {
      out.push({
        id: `nli-${i++}`,
        source: 'nli',
        task: opts.task ?? MIXTURE_TASKS.nli,
        query: premise,
        positive: { text: hyp },
        negatives: con.length ? [{ text: rng.choice(con) }] : [],
        symmetric: true,
      });
    }
  }
  return out;
}

/**
 * STS: pairs scored >= minScore (default 4 of 5) as symmetric positives, no negatives.
 * @example stsExamples(loadSts('stsbenchmark', 'train'))
 */
export function stsExamples(
  rows: readonly StsPair[],
  opts: { minScore?: number; task?: string } = {},
): TrainingExample[] {
  const min = opts.minScore ?? 4;
  return rows
    .filter((r) => r.score >= min)
    .map((r, i) => ({
      id: `sts-${i}`,
      source: 'sts',
      task: opts.task ?? MIXTURE_TASKS.sts,
      query: r.text1,
      positive: { text: r.text2 },
      negatives: [],
      symmetric: true,
    }));
}

/** The unique id appended to the three texts of a classification triple. */
export const withUid = (text: string, uid: string) => `${text} [${uid}]`;

/**
 * Classification as contrastive data (paper §3.3): x → x+ (same label) with x- (another
 * label), and (uniqueIds, the default) the same unique id appended to x, x+ and x-, so
 * in-batch negatives are trivially separable and the model learns to tell x+ from x-.
 * `uniqueIds: false` is the ablation without the trick (texts as they are).
 * @example classificationExamples(loadClassification('banking77', 'train'), rng, 'banking77')
 */
export function classificationExamples(
  rows: readonly LabeledText[],
  rng: Rng,
  source: string,
  task: string = MIXTURE_TASKS.banking77,
  opts: { uniqueIds?: boolean } = {},
): TrainingExample[] {
  const uniqueIds = opts.uniqueIds ?? true;
  const tag = (text: string, uid: string) => (uniqueIds ? withUid(text, uid) : text);
  const byLabel = new Map<string, LabeledText[]>();
  for (const r of rows) byLabel.set(r.label, [...(byLabel.get(r.label) ?? []), r]);
  if (byLabel.size < 2)
    throw new RangeError(`classificationExamples(${source}): needs at least 2 labels, got ${byLabel.size}`);
  const out: TrainingExample[] = [];
  rows.forEach((x, i) => {
    const same = byLabel.get(x.label)!.filter((r) => r.id !== x.id);
    if (same.length === 0) return;
    const pos = rng.choice(same);
    let neg = rng.choice(rows);
    while (neg.label === x.label) neg = rng.choice(rows);
    const uid = `${source}-${i}`;
    out.push({
      id: `${source}-${x.id}`,
      source,
      task,
      query: tag(x.text, uid),
      positive: { id: pos.id, text: tag(pos.text, uid) },
      negatives: [{ id: neg.id, text: tag(neg.text, uid) }],
      symmetric: true,
      meta: { label: x.label, positiveLabel: pos.label, negativeLabel: neg.label },
    });
  });
  return out;
}
