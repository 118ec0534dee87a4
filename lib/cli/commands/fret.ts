// `gecko fret`: FRet end to end (paper §3.2): seed passages → task + query
// (step 1) → top-N neighbours → QL + RC → RRF → positive and hard negative (step 2).
// Resumable: rerun the same command and it continues where it stopped.
import { join } from 'node:path';
import type { Command } from '../command';
import { resolveConfig } from '../../config/resolve';
import { overridesOf, presetOf } from '../config';
import { ConfigError } from '../../core/errors';
import { consoleLogger } from '../../core/log';
import { runsDir } from '../../core/paths';
import { describeTeacher, teacherFromConfig } from '../../llm/factory';
import { loadSeedCorpus } from '../../seeding/corpus';
import { FRET_FILES, pinSettings, runFret, type FretSettings } from '../../fret/pipeline';
import { bm25Retriever, denseRetriever, type CandidateRetriever } from '../../fret/retrieve';
import { hashEmbedder } from '../../eval/hash-embedder';
import { isCheckpoint } from '../../encoder/checkpoint';
import { progress } from '../../core/progress';
import type { Passage } from '../../core/types';

/** The retriever fret.retriever names: 'bm25', 'hash[:DIM]' (training-free dense baseline), or a pre-finetuned encoder checkpoint folder. */
async function makeRetriever(spec: string, pool: readonly Passage[]): Promise<CandidateRetriever> {
  if (spec === 'bm25') return bm25Retriever(pool);
  const hash = /^hash(?::(\d+))?$/.exec(spec);
  if (hash) return denseRetriever(hashEmbedder(hash[1] ? Number(hash[1]) : 256), pool);
  if (!isCheckpoint(spec)) {
    throw new ConfigError(
      'fret.retriever',
      `'${spec}' is neither 'bm25', 'hash[:DIM]' nor an encoder checkpoint folder`,
      'pass --retriever bm25, or the ckpt folder of a pre-finetuned model (gecko train --stage prefinetune writes <out>/ckpt)',
    );
  }
  // Loaded lazily: BM25 runs need no TF.js.
  const { loadEmbedder } = await import('../../encoder/embedder');
  const embedder = await loadEmbedder(spec);
  const bar = progress('fret: embed candidate pool', pool.length, 'passages');
  let shown = 0;
  const r = await denseRetriever(embedder, pool, {
    onProgress: (done) => {
      bar.tick(done - shown);
      shown = done;
    },
  });
  bar.done();
  return r;
}

export const command: Command = {
  name: 'fret',
  summary: 'FRet: generate task+query per seed passage, relabel positives/negatives with the teacher (resumable)',
  usage: 'npx gecko fret --corpus <name|path> --teacher <offline|openai:MODEL|gguf:PATH> --n <count> --out <dir>',
  flags: {
    corpus: {
      type: 'string',
      help: 'seed corpus: bbc_news (default), ag_news, squad_v1.1_dev, or a .jsonl / BEIR folder / .txt path',
    },
    teacher: {
      type: 'string',
      help: "'offline' (stand-in, not an LLM), 'openai:MODEL' or 'gguf:PATH' (default: llm.teacher)",
    },
    n: { type: 'number', help: 'number of seed passages (default: seeding.n)' },
    out: {
      type: 'string',
      help: 'output folder (default: runs/fret-<config hash>); rerun with the same folder to resume',
    },
    retriever: {
      type: 'string',
      help: "initial retriever: 'bm25', 'hash[:DIM]' (dense, training-free) or a pre-finetuned checkpoint folder (default: fret.retriever)",
    },
    negative: { type: 'string', help: "hard negative: 'lowest' (p_N) or 'random' (default: fret.negativeStrategy)" },
    concurrency: { type: 'number', help: 'examples (and teacher calls) in flight (default: llm.concurrency)' },
  },
  async run(args) {
    const f = args.flags;
    const preset = presetOf(args);
    const over = overridesOf(args);
    const merge = (section: string, values: Record<string, unknown>) => {
      const defined = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
      if (Object.keys(defined).length) over[section] = { ...(over[section] as object | undefined), ...defined };
    };
    merge('seeding', { corpus: f.corpus, n: f.n });
    merge('llm', { teacher: f.teacher, concurrency: f.concurrency });
    merge('fret', { retriever: f.retriever, negativeStrategy: f.negative });
    const resolved = resolveConfig(preset, over);
    const cfg = resolved.config;
    const settings: FretSettings = {
      corpus: cfg.seeding.corpus,
      seed: cfg.seed,
      n: cfg.seeding.n,
      minChars: cfg.seeding.minChars,
      maxChars: cfg.seeding.maxChars,
      poolSize: cfg.fret.poolSize,
      teacher: cfg.llm.teacher,
      retriever: cfg.fret.retriever,
      numCandidates: cfg.fret.numCandidates,
      rrfK: cfg.fret.rrfK,
      negativeStrategy: cfg.fret.negativeStrategy,
    };
    const out = (f.out as string | undefined) ?? join(runsDir(), `fret-${resolved.hash.slice(0, 8)}`);
    const log = consoleLogger;
    log.info(
      `gecko fret → ${out} (preset ${preset}, corpus ${settings.corpus}, teacher ${settings.teacher}, n ${settings.n}, N ${settings.numCandidates}, k ${settings.rrfK}, negative ${settings.negativeStrategy})`,
    );
    const corpus = loadSeedCorpus(settings.corpus); // refuses evaluation collections before anything is written
    pinSettings(out, settings);
    const teacher = teacherFromConfig(cfg.llm, { background: corpus, log });
    const t0 = Date.now();
    let res;
    try {
      // An LLM teacher checks its capabilities (e.g. prompt logprobs for QL) before anything is spent.
      await teacher.preflight?.(['generate', 'continuationLogprobs', 'labelLogprobs']);
      res = await runFret({
        corpus,
        settings,
        teacher,
        out,
        concurrency: cfg.llm.concurrency,
        log,
        retriever: (pool) => makeRetriever(settings.retriever, pool),
      });
    } finally {
      await teacher.close?.();
    }
    const r = res.report;
    log.info(`teacher: ${describeTeacher(teacher)}`);
    log.info(
      `done in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${r.examples} examples; positive != seed passage in ${(r.relabelRate * 100).toFixed(1)}% (paper: ~15%)` +
        `; QL/RC agreement: Spearman ${r.agreement.spearman.toFixed(3)}, top-1 ${(r.agreement.top1 * 100).toFixed(1)}%` +
        `; calls ${r.usage?.calls ?? 0} (+${r.usage?.cachedCalls ?? 0} cached)${teacher.standIn ? '; teacher is a stand-in, not an LLM' : ''}`,
    );
    log.info(
      `wrote ${Object.values(FRET_FILES)
        .filter((x) => x !== FRET_FILES.usage)
        .map((x) => join(out, x))
        .join(', ')}`,
    );
  },
};
