// The values of the config's ablation switches (the paper's ablations: Fig. 4, Tables 2, 6, 7), in one leaf module so
// that the schema, the FRet code, the mixture and the evaluation share one definition.
// Imports only lib/core.

/** Encoder input format (paper App. B, Tables 2 and 7), defined with the formatter. */
export { TEXT_FORMATS, type TextFormat } from '../core/format';

/** FRet positive (Fig. 4): the fused top-1 passage (LLM-mined) or the seed passage. */
export const POSITIVE_CHOICES = ['fused', 'seed'] as const;
export type PositiveChoice = (typeof POSITIVE_CHOICES)[number];

/** FRet hard negative, relative to the chosen positive: the lowest fused rank (p_N), a random other candidate, or none. */
export const NEGATIVE_STRATEGIES = ['lowest', 'random', 'none'] as const;
export type NegativeStrategy = (typeof NEGATIVE_STRATEGIES)[number];

/** FRet ranking signals (App. A, Table 6): query likelihood, relevance classification, or both fused by RRF. */
export const RANKING_SIGNALS = ['both', 'ql', 'rc'] as const;
export type RankingSignals = (typeof RANKING_SIGNALS)[number];

/** The four most frequent FRet task types (paper Table 2). */
export const FRET_TASK_TYPES = ['question answering', 'search result', 'fact checking', 'sentence similarity'] as const;
export type FretTaskType = (typeof FRET_TASK_TYPES)[number];

/** Which task string an in-domain training set (e.g. Banking77 train) carries: the evaluation prompt, or its own. */
export const IN_DOMAIN_PROMPTS = ['eval', 'source'] as const;
export type InDomainPrompt = (typeof IN_DOMAIN_PROMPTS)[number];

/** What the text-level leak guard does with training texts found in an evaluated test set. */
export const LEAK_GUARD_MODES = ['refuse', 'drop'] as const;
export type LeakGuardMode = (typeof LEAK_GUARD_MODES)[number];
