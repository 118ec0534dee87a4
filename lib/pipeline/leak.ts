// The text-level leak guard (lib/data/leak.ts) wired to the recipe's training data: the
// pretraining text, the pre-finetuning pairs and the fine-tuning mixture (FRet + academic
// sources) are each checked against the test texts of every registered evaluation task before
// they train anything. leakPreflight() checks everything that exists before a run starts (all
// but FRet's generated queries, which are checked when the mixture is built), so a leaking
// config fails in seconds, not after pretraining. data.leakGuard: 'refuse' (default) or 'drop'.
import type { ExperimentConfig } from '../config/schema';
import type { LeakGuardMode } from '../config/choices';
import type { Passage, TrainingExample } from '../core/types';
import { evalTextIndex, guardTraining, type LeakReport } from '../data/leak';
import { TASKS } from '../eval/tasks/registry';
import { loadSourceExamples } from '../mixture/build';
import { prefinetunePairs } from '../pairs/title-body';
import { loadSeedCorpus } from '../seeding/corpus';
import { pretrainText } from '../train/pretrain';
import { GeckoError } from '../core/errors';
import { loadPassages } from '../data/passages';

/** The texts an example trains on: query, positive, negatives. */
export const exampleView = (e: TrainingExample) => ({
  source: e.source,
  texts: [e.query, e.positive.text, ...e.negatives.map((n) => n.text)],
});

/** The mode of a config (a config from before the key existed refuses). */
export const leakMode = (cfg: Readonly<ExperimentConfig>): LeakGuardMode => cfg.data.leakGuard ?? 'refuse';

/**
 * Training examples through the guard: the kept examples and the report.
 * @example const { kept, report } = guardExamples('the fine-tuning mixture', examples, 'refuse');
 */
export function guardExamples(
  what: string,
  examples: readonly TrainingExample[],
  mode: LeakGuardMode,
): { kept: TrainingExample[]; report: LeakReport } {
  return guardTraining(what, examples, exampleView, mode, evalTextIndex(TASKS));
}

/**
 * The pretraining text of the configured corpora through the guard: each passage is checked by
 * its title and its text apart (a pretraining text is "title. text"), and only kept passages
 * become text (the same strings as pretrainCorpus).
 * @example const { kept } = guardPretrainText(cfg, 'drop');
 */
export function guardPretrainText(
  cfg: Readonly<ExperimentConfig>,
  mode: LeakGuardMode,
): { kept: string[]; report: LeakReport } {
  const passages = cfg.pretrain.corpora.flatMap((name) => loadPassages(name));
  const view = (p: Passage) => ({ source: p.source, texts: p.title ? [p.title, p.text] : [p.text] });
  const { kept, report } = guardTraining('the pretraining text', passages, view, mode, evalTextIndex(TASKS));
  if (kept.length === 0)
    throw new GeckoError(
      `pretrain.corpora ${JSON.stringify(cfg.pretrain.corpora)} gave no text${passages.length ? ' the leak guard kept' : ''}`,
      'list at least one seed corpus: bbc_news, ag_news, squad_v1.1_dev',
    );
  return { kept: kept.map(pretrainText), report };
}

/**
 * Check, before any work, every training text a config will use that exists now: pretraining
 * text, pre-finetuning pairs, the seed corpus FRet draws positives and negatives from, and the
 * mixture's academic sources. Throws a LeakError in mode 'refuse'; returns the reports.
 * @example leakPreflight(resolveConfig('demo').config)
 */
export function leakPreflight(cfg: Readonly<ExperimentConfig>): LeakReport[] {
  const mode = leakMode(cfg);
  const reports: LeakReport[] = [];
  reports.push(guardPretrainText(cfg, mode).report);
  reports.push(guardExamples('the pre-finetuning pairs', prefinetunePairs({ seed: cfg.seed }), mode).report);
  const w = cfg.finetune.mixture;
  if ((w.fret ?? 0) > 0) {
    const passages = loadSeedCorpus(cfg.seeding.corpus);
    const view = (p: { text: string; source: string }) => ({ source: `fret seed corpus ${p.source}`, texts: [p.text] });
    reports.push(guardTraining('the FRet seed corpus', passages, view, mode, evalTextIndex(TASKS)).report);
  }
  for (const [source, weight] of Object.entries(w)) {
    if (source === 'fret' || !(weight > 0)) continue;
    const examples = loadSourceExamples(source, {
      seed: cfg.seed,
      uniqueIds: cfg.data.uniqueIds,
      inDomainPrompt: cfg.data.inDomainPrompt,
    });
    reports.push(guardExamples(`the mixture source '${source}'`, examples, mode).report);
  }
  return reports;
}
