// `gecko fret`: FRet end to end (paper §3.2): seed passages → task + query
// (step 1) → top-N neighbours → QL + RC → RRF → positive and hard negative (step 2).
// Resumable: rerun the same command and it continues where it stopped.
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command';
import { resolveConfig } from '../../config/resolve';
import { overridesOf, presetOf } from '../config';
import { checkEnvDirs, claimOutputDir, requireSome } from '../../core/preflight';
import { checkRetrieverSpec } from '../../pipeline/checks';
import { consoleLogger } from '../../core/log';
import { runsDir } from '../../core/paths';
import { describeTeacher, teacherFromConfig } from '../../llm/factory';
import { loadSeedCorpus } from '../../seeding/corpus';
import { FRET_FILES, pinSettings, runFret, type FretSettings } from '../../fret/pipeline';
import { bm25Retriever, denseRetriever, useLiteRetriever, type CandidateRetriever } from '../../fret/retrieve';
import { hashEmbedder } from '../../eval/hash-embedder';
import { progress } from '../../core/progress';
import type { Passage } from '../../core/types';

/** The retriever fret.retriever names: 'bm25', 'hash[:DIM]' (training-free dense baseline), 'use-lite' (pretrained USE Lite), or a pre-finetuned encoder checkpoint folder. */
async function makeRetriever(spec: string, pool: readonly Passage[]): Promise<CandidateRetriever> {
  if (spec === 'bm25') return bm25Retriever(pool);
  if (spec === 'use-lite') {
    const bar = progress('fret: embed candidate pool (use-lite)', pool.length, 'passages');
    let shown = 0;
    const r = await useLiteRetriever(pool, { onProgress: (done) => (bar.tick(done - shown), (shown = done)) });
    bar.done();
    return r;
  }
  const hash = /^hash(?::(\d+))?$/.exec(spec);
  if (hash) return denseRetriever(hashEmbedder(hash[1] ? Number(hash[1]) : 256), pool);
  checkRetrieverSpec(spec);
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

/**
 * A run that failed before any query was generated keeps nothing: its settings file would only
 * block the corrected rerun (e.g. with another --retriever) on the same --out.
 */
function forgetFailedStart(out: string): void {
  const q = join(out, FRET_FILES.queries);
  if (existsSync(q) && statSync(q).size > 0) return; // work was done: keep it, resumable
  for (const f of [FRET_FILES.settings, FRET_FILES.seeds]) rmSync(join(out, f), { force: true });
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
      help: "initial retriever: 'bm25', 'hash[:DIM]' (dense, training-free), 'use-lite' (pretrained USE Lite) or a pre-finetuned checkpoint folder (default: fret.retriever)",
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
    // Every check before the first write: a failed start leaves nothing that blocks the corrected rerun.
    checkRetrieverSpec(settings.retriever);
    checkEnvDirs();
    const corpus = loadSeedCorpus(settings.corpus); // refuses evaluation collections before anything is written
    const fresh = !existsSync(join(out, FRET_FILES.settings));
    claimOutputDir(out, '--out', 'gecko fret');
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
    } catch (e) {
      if (fresh) forgetFailedStart(out);
      throw e;
    } finally {
      await teacher.close?.();
    }
    const r = res.report;
    if (r.seeding.seeds < settings.n)
      log.warn(
        `asked for ${settings.n} seed passages but ${settings.corpus} has only ${r.seeding.eligible} eligible (length ${settings.minChars}-${settings.maxChars} chars, no duplicates): used ${r.seeding.seeds}`,
      );
    requireSome(
      r.examples,
      `fret produced 0 training examples from ${r.seeding.seeds} seed passages (skipped: ${JSON.stringify(r.skipped)})`,
      `see the *.skipped.jsonl files in ${out} for why each was skipped; check the teacher and the corpus`,
    );
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
