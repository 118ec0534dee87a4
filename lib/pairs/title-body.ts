// Pre-finetuning pairs (paper §3.1): naturally occurring (title, body) pairs with a
// dataset-specific task string and in-batch negatives only. Gecko used web-scale
// community QA and title-body pairs; we use the news corpora's training splits:
// BBC headline -> one body paragraph, AG News headline -> description.
import type { Passage, TrainingExample } from '../core/types';
import { loadPassages } from '../data/passages';
import { rngFor } from '../core/rng';

/** The task string of title-body pairs (a 'search result' style task, as in the paper). */
export const TITLE_BODY_TASK = 'search result';

/**
 * One (title -> body) example per titled article: for multi-paragraph articles, one
 * paragraph chosen by the seeded stream `rngFor(seed, 'title-body', source)`.
 * Passages without a title are skipped.
 * @example titleBodyPairs(loadPassages('ag_news'), 1)[0].query // an AG News headline
 */
export function titleBodyPairs(passages: readonly Passage[], seed: number): TrainingExample[] {
  const byTitle = new Map<string, Passage[]>();
  for (const p of passages) {
    if (!p.title || !p.text.trim()) continue;
    const key = `${p.source}\u0000${p.title}`;
    const list = byTitle.get(key);
    if (list) list.push(p);
    else byTitle.set(key, [p]);
  }
  const out: TrainingExample[] = [];
  for (const group of byTitle.values()) {
    const first = group[0]!;
    const chosen = group.length === 1 ? first : rngFor(seed, 'title-body', first.source, first.id).choice(group);
    out.push({
      id: `title-body/${chosen.id}`,
      source: `title-body-${chosen.source}`,
      task: TITLE_BODY_TASK,
      query: chosen.title!,
      positive: { id: chosen.id, text: chosen.text },
      negatives: [],
      symmetric: false,
    });
  }
  return out;
}

/**
 * Title-body pairs from the training splits of the given news corpora (default: BBC and AG News).
 * @example prefinetunePairs({ seed: 1 }).length // ~7,900 on the shared data
 */
export function prefinetunePairs(opts: {
  seed: number;
  corpora?: readonly string[];
  dataDir?: string;
}): TrainingExample[] {
  const corpora = opts.corpora ?? ['bbc_news', 'ag_news'];
  return corpora.flatMap((name) => titleBodyPairs(loadPassages(name, { dataDir: opts.dataDir }), opts.seed));
}
