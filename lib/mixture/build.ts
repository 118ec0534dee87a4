// The unified fine-tuning mixture (paper §3.3): FRet examples plus academic data
// from the data directory, each source loaded through lib/data with the leak guard
// (assertTrainingSplit) so that no evaluation split can enter training.
import { existsSync } from 'node:fs';
import { ConfigError, DataError } from '../core/errors';
import { readJsonl } from '../core/jsonl';
import { whyMissing } from '../core/missing';
import { rngFor } from '../core/rng';
import type { TrainingExample } from '../core/types';
import { loadClassification, loadNli, loadSickNli, loadSquad, loadSts } from '../data/loaders';
import { assertTrainingSplit } from '../data/registry';
import type { LeakReport } from '../data/leak';
import { mixExamples, type MixReport } from './mix';
import { classificationExamples, MIXTURE_TASKS, nliExamples, squadExamples, stsExamples } from './sources';
import type { InDomainPrompt } from '../config/choices';

/** Where each mixture source comes from: data set and training split(s). */
export const MIXTURE_SOURCES = {
  fret: { dataset: 'fret', splits: [] as string[], what: 'FRet examples (fret-examples.jsonl from gecko fret)' },
  squad: {
    dataset: 'squad_v1.1_dev',
    splits: ['dev'],
    what: 'SQuAD v1.1 question → paragraph, negative from the same article',
  },
  nli: {
    dataset: 'sick',
    splits: ['train', 'trial'],
    what: 'SICK NLI: entailment positive, contradiction negative (symmetric)',
    inDomainTask: 'SICK-R',
    evalPrompt: 'semantic similarity',
  },
  sts: {
    dataset: 'stsbenchmark',
    splits: ['train'],
    what: 'STS Benchmark train pairs scored >= 4 (symmetric)',
    inDomainTask: 'STSBenchmark',
    evalPrompt: 'semantic similarity',
  },
  // MultiNLI and SNLI share no sentence with the SICK-R test file (SICK train/trial do: see
  // ../shared/data/README.md); available sources, weighted in the config.
  multinli: {
    dataset: 'multinli',
    splits: ['dev_matched'],
    what: 'MultiNLI dev_matched: entailment positive, contradiction negative (symmetric); no SICK overlap',
  },
  snli: {
    dataset: 'snli',
    splits: ['dev_nosick'],
    what: 'SNLI dev less the 94 pairs sharing a sentence with SICK: entailment positive, contradiction negative (symmetric)',
  },
  banking77: {
    dataset: 'banking77',
    splits: ['train'],
    what: 'Banking77 train: same-label positive, other-label negative, shared unique id (symmetric)',
    inDomainTask: 'Banking77Classification',
    evalPrompt: 'classification',
  },
} as const;

/** A source's evaluation task when its training split comes from the same data set (in-domain), else undefined. */
export function inDomainTaskOf(source: string): string | undefined {
  if (!Object.hasOwn(MIXTURE_SOURCES, source)) return undefined; // own names only: never Object.prototype's
  const s = (MIXTURE_SOURCES as Record<string, { inDomainTask?: string }>)[source];
  return s?.inDomainTask;
}

/**
 * The evaluation tasks a mixture is in-domain for: those whose data set's train split is in it
 * (sources with a positive weight). Averages over tasks mark these.
 * @example inDomainTasks({ fret: 0.5, banking77: 0.1, sts: 0.1 }) // ['Banking77Classification', 'STSBenchmark']
 */
export function inDomainTasks(weights: Readonly<Record<string, number>>): string[] {
  return Object.keys(weights)
    .filter((k) => weights[k]! > 0)
    .map(inDomainTaskOf)
    .filter((t): t is string => t !== undefined)
    .sort();
}

/** The task string an in-domain source's examples carry: the evaluation prompt ('eval') or the source's own ('source'). */
export function mixtureTaskOf(source: MixtureSource, inDomainPrompt: InDomainPrompt = 'eval'): string | undefined {
  // evalPrompt repeats the evaluation task's prompt (lib/eval is a layer above; a test checks they agree).
  const evalPrompt = (MIXTURE_SOURCES as Record<string, { evalPrompt?: string }>)[source]?.evalPrompt;
  if (inDomainPrompt === 'eval' && evalPrompt) return evalPrompt;
  return (MIXTURE_TASKS as Record<string, string>)[source];
}
export type MixtureSource = keyof typeof MIXTURE_SOURCES;

const NOT_FRET_EXAMPLES =
  'this is not a fret-examples file: each line must be a TrainingExample {id, source, task, query, positive, negatives, symmetric}';

function validExample(r: any): true | string {
  const what = validExampleFields(r);
  if (what === true) return true;
  // say what the file looks like when it is another of our files
  const looks =
    r && typeof r === 'object' && 'seedIndex' in r && 'candidates' in r
      ? ' (it looks like fret.jsonl, the relabelled records)'
      : r && typeof r === 'object' && 'seedIndex' in r
        ? ' (it looks like a FRet seeds or queries file)'
        : r && typeof r === 'object' && typeof r.text === 'string' && !('query' in r)
          ? ' (it looks like a corpus of passages)'
          : '';
  return `${what}: ${NOT_FRET_EXAMPLES}${looks}`;
}

function validExampleFields(r: any): true | string {
  if (!r || typeof r !== 'object' || Array.isArray(r)) return 'expected a TrainingExample object';
  for (const k of ['id', 'source', 'task', 'query'] as const)
    if (typeof r[k] !== 'string' || r[k] === '') return `field '${k}' must be a non-empty string`;
  if (!r.positive || typeof r.positive.text !== 'string' || r.positive.text === '')
    return "field 'positive.text' must be a non-empty string";
  if (!Array.isArray(r.negatives)) return "field 'negatives' must be an array";
  if (typeof r.symmetric !== 'boolean') return "field 'symmetric' must be true or false";
  return true;
}

/**
 * Load the examples of one source (only training splits; the leak guard is asserted first).
 * @example loadSourceExamples('nli', { seed: 1 }).length
 */
export function loadSourceExamples(
  name: string,
  o: {
    seed: number;
    fretPath?: string;
    dataDir?: string;
    splits?: Partial<Record<string, readonly string[]>>;
    /** Classification triples share a unique id (default true; paper §3.3). */
    uniqueIds?: boolean;
    /** In-domain sources carry the evaluation prompt ('eval', default) or their own task string ('source'). */
    inDomainPrompt?: InDomainPrompt;
  },
): TrainingExample[] {
  const known = Object.hasOwn(MIXTURE_SOURCES, name)
    ? (MIXTURE_SOURCES as Record<string, { dataset: string; splits: readonly string[] }>)[name]
    : undefined;
  if (!known)
    throw new ConfigError(
      `finetune.mixture.${name}`,
      `unknown mixture source '${name}'`,
      `known sources: ${Object.keys(MIXTURE_SOURCES).join(', ')}`,
    );
  const src = { dataset: known.dataset, splits: o.splits?.[name] ?? known.splits };
  for (const split of src.splits) assertTrainingSplit(src.dataset, split);
  const rng = rngFor(o.seed, 'mixture', name);
  const opts = { dataDir: o.dataDir };
  const task = mixtureTaskOf(name as MixtureSource, o.inDomainPrompt);
  switch (name as MixtureSource) {
    case 'fret': {
      if (!o.fretPath)
        throw new ConfigError(
          'finetune.mixture.fret',
          'has a weight but no FRet examples were given',
          'pass --fret <dir>/fret-examples.jsonl (from gecko fret), or set --set finetune.mixture.fret=0',
        );
      if (!existsSync(o.fretPath))
        throw new DataError(
          o.fretPath,
          whyMissing(o.fretPath),
          undefined,
          'run `npx gecko fret ... --out <dir>` first and pass <dir>/fret-examples.jsonl',
        );
      return readJsonl<TrainingExample>(
        o.fretPath,
        validExample,
        'pass the fret-examples.jsonl that `npx gecko fret --out <dir>` writes in <dir>',
      );
    }
    case 'squad':
      return squadExamples(loadSquad(opts), rng); // one split ('dev', the training split here)
    case 'nli':
      return nliExamples(
        src.splits.flatMap((s) => loadSickNli(s, opts)),
        rng,
        { task },
      );
    case 'multinli':
    case 'snli':
      return nliExamples(
        src.splits.flatMap((s) => loadNli(src.dataset, s, opts)),
        rng,
      ).map((e) => ({ ...e, id: `${name}-${e.id}`, source: name }));
    case 'sts':
      return stsExamples(
        src.splits.flatMap((s) => loadSts('stsbenchmark', s, opts)),
        { task },
      );
    case 'banking77':
      return classificationExamples(
        src.splits.flatMap((s) => loadClassification('banking77', s, opts)),
        rng,
        'banking77',
        task,
        { uniqueIds: o.uniqueIds ?? true },
      );
  }
}

export interface MixtureReport extends MixReport {
  seed: number;
  sources: Record<string, string>;
  symmetric: number;
  withNegatives: number;
  uniqueIds: boolean;
  inDomainPrompt: InDomainPrompt;
  /** Evaluation tasks whose training split is in this mixture (their scores are in-domain). */
  inDomainTasks: string[];
  fretPath?: string;
  /** The text-level leak guard's report per source (lib/pipeline/leak.ts), when it ran. */
  leak?: LeakReport[];
}

/**
 * Build the mixture: load every source with a positive weight, mix by weight, seeded.
 * @example const { examples, report } = buildMixture({ weights: cfg.finetune.mixture, seed: cfg.seed, fretPath: 'runs/fret-1/fret-examples.jsonl' });
 */
export function buildMixture(o: {
  weights: Readonly<Record<string, number>>;
  seed: number;
  n?: number;
  fretPath?: string;
  dataDir?: string;
  splits?: Partial<Record<string, readonly string[]>>;
  uniqueIds?: boolean;
  inDomainPrompt?: InDomainPrompt;
  /** Applied to each source's examples before mixing (the leak guard: it may throw, or drop items). */
  guard?: (source: string, examples: TrainingExample[]) => { kept: TrainingExample[]; report: LeakReport };
}): { examples: TrainingExample[]; report: MixtureReport } {
  const known = Object.keys(MIXTURE_SOURCES);
  for (const name of Object.keys(o.weights)) {
    if (!known.includes(name))
      throw new ConfigError(
        `finetune.mixture.${name}`,
        `unknown mixture source '${name}'`,
        `known sources: ${known.join(', ')}`,
      );
  }
  const active = Object.keys(o.weights).filter((k) => o.weights[k]! > 0);
  const leak: LeakReport[] = [];
  const sources = Object.fromEntries(
    active.map((k) => {
      const loaded = loadSourceExamples(k, o);
      if (!o.guard) return [k, loaded];
      const { kept, report } = o.guard(k, loaded);
      leak.push(report);
      return [k, kept];
    }),
  );
  const weights = Object.fromEntries(active.map((k) => [k, o.weights[k]!]));
  const { examples, report } = mixExamples(sources, weights, o.n, rngFor(o.seed, 'mixture'));
  return {
    examples,
    report: {
      ...report,
      seed: o.seed,
      sources: Object.fromEntries(
        active.map((k) => [k, (MIXTURE_SOURCES as Record<string, { what: string }>)[k]!.what]),
      ),
      symmetric: examples.filter((e) => e.symmetric).length,
      withNegatives: examples.filter((e) => e.negatives.length > 0).length,
      uniqueIds: o.uniqueIds ?? true,
      inDomainPrompt: o.inDomainPrompt ?? 'eval',
      inDomainTasks: inDomainTasks(weights),
      ...(o.fretPath ? { fretPath: o.fretPath } : {}),
      ...(o.guard ? { leak } : {}),
    },
  };
}
