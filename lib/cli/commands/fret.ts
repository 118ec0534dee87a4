// `gecko fret`: FRet end to end (paper §3.2): seed passages → task + query
// (step 1) → top-N neighbours → QL + RC → RRF → positive and hard negative (step 2).
// Resumable: rerun the same command and it continues where it stopped.
// A thin wrapper over the pipeline's stage (pipeline/fret.ts: fretForRun, the call the notebooks,
// the demo and `gecko ablate` make) on a context whose fret folder is --out; the command adds the
// checks before any write, --init for 'initial', the warnings and the summary lines.
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command';
import { MAX_ITEMS } from '../../config/schema';
import { resolveConfig } from '../../config/resolve';
import { overridesOf, presetOf } from '../config';
import { ConfigError } from '../../core/errors';
import { checkEnvDirs, claimOutputDir, requireSome } from '../../core/preflight';
import { checkRetrieverSpec } from '../../pipeline/checks';
import { consoleLogger } from '../../core/log';
import { runsDir } from '../../core/paths';
import { describeTeacher } from '../../llm/factory';
import { loadSeedCorpus } from '../../seeding/corpus';
import { FRET_FILES } from '../../fret/pipeline';
import { fretForRun, fretSettingsOf } from '../../pipeline/fret';
import { pipelineContext } from '../../pipeline/context';

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
    n: { type: 'number', integer: true, min: 1, max: MAX_ITEMS, help: 'number of seed passages (default: seeding.n)' },
    out: {
      type: 'string',
      help: 'output folder (default: runs/fret-<config hash>); rerun with the same folder to resume',
    },
    retriever: {
      type: 'string',
      help: "initial retriever: 'bm25' (searched with the bare query), 'hash[:DIM]' (dense, training-free), 'use-lite' (pretrained USE Lite), 'initial' (trained on this run's queries from --init) or a pre-finetuned checkpoint folder (default: fret.retriever)",
    },
    init: {
      type: 'string',
      help: '--retriever initial: the checkpoint it starts from (e.g. the pre-finetuned <run>/prefinetune/ckpt)',
    },
    negative: { type: 'string', help: "hard negative: 'lowest' (p_N) or 'random' (default: fret.negativeStrategy)" },
    concurrency: {
      type: 'number',
      integer: true,
      min: 1,
      max: 256,
      help: 'examples (and teacher calls) in flight (default: llm.concurrency)',
    },
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
    const settings = fretSettingsOf(cfg);
    const out = (f.out as string | undefined) ?? join(runsDir(), `fret-${resolved.hash.slice(0, 8)}`);
    const log = consoleLogger;
    log.info(
      `gecko fret → ${out} (preset ${preset}, corpus ${settings.corpus}, teacher ${settings.teacher}, n ${settings.n}, N ${settings.numCandidates}, k ${settings.rrfK}, signals ${settings.signals}, positive ${settings.positive}, negative ${settings.negativeStrategy}, format ${settings.format})`,
    );
    // Every check before the first write: a failed start leaves nothing that blocks the corrected rerun.
    checkRetrieverSpec(settings.retriever);
    if (settings.retriever === 'initial' && !f.init)
      throw new ConfigError(
        'fret.retriever',
        "'initial' trains on this run's queries from a start checkpoint, but --init is missing",
        'pass --init <pre-finetuned ckpt> (e.g. runs/<run>/prefinetune/ckpt)',
      );
    checkEnvDirs();
    loadSeedCorpus(settings.corpus); // refuses evaluation collections (and unreadable files) before anything is written
    const fresh = !existsSync(join(out, FRET_FILES.settings));
    claimOutputDir(out, '--out', 'gecko fret');
    const ctx = pipelineContext(cfg, { dirs: { seeding: out, fret: out }, log });
    const t0 = Date.now();
    let res;
    try {
      res = await fretForRun(ctx, f.init ? { init: f.init as string } : {});
    } catch (e) {
      if (fresh) forgetFailedStart(out);
      throw e;
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
    log.info(`teacher: ${describeTeacher({ id: r.teacher, standIn: r.standIn })}`);
    log.info(
      `done in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${r.examples} examples; positive != seed passage in ${(r.relabelRate * 100).toFixed(1)}% (paper: ~15%)` +
        `; QL/RC agreement: Spearman ${r.agreement.spearman.toFixed(3)}, top-1 ${(r.agreement.top1 * 100).toFixed(1)}%` +
        `; calls ${r.usage?.calls ?? 0} (+${r.usage?.cachedCalls ?? 0} cached)${r.standIn ? '; teacher is a stand-in, not an LLM' : ''}`,
    );
    log.info(
      `wrote ${Object.values(FRET_FILES)
        .filter((x) => x !== FRET_FILES.usage)
        .map((x) => join(out, x))
        .join(', ')}`,
    );
  },
};
