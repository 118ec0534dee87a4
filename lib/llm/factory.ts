// createTeacher(spec): the one place a teacher name becomes a Teacher.
//   'offline'        the stand-in (no weights, no network)
//   'openai:MODEL'   an OpenAI-compatible server (OPENAI_BASE_URL, OPENAI_API_KEY)
//   'gguf:PATH'      a local GGUF model through node-llama-cpp
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../core/errors';
import { readEnv } from '../core/env';
import { silentLogger, type Logger } from '../core/log';
import { cacheDir } from '../core/paths';
import type { ExperimentConfig } from '../config/schema';
import { LlmCache, type CacheMode } from './cache';
import { LlmTeacher } from './llm-teacher';
import { DEFAULT_BASE_URL, OpenAiProvider, type OpenAiProviderOptions } from './openai-compatible';
import { LlamaProvider, type LlamaProviderOptions } from './llama-provider';
import type { LlmProvider } from './provider';
import { KNOWN_PRICES, UsageMeter } from './usage';
import type { Passage } from '../core/types';
import type { Teacher } from './types';
import { OfflineTeacher, type OfflineTeacherOptions } from './offline-teacher';
import type { TermStats } from './offline/text';

export type TeacherSpec = { kind: 'offline' } | { kind: 'openai'; model: string } | { kind: 'gguf'; path: string };

const SPEC_HELP =
  "'offline' (a stand-in, not an LLM), 'openai:MODEL' (e.g. openai:gpt-4o-mini) or 'gguf:PATH' (e.g. gguf:../shared/models/stories260K/stories260K.gguf)";

/**
 * Parse a teacher name. Throws a ConfigError (key `llm.teacher`) that lists the accepted forms.
 * @example parseTeacherSpec('openai:gpt-4o-mini') // { kind: 'openai', model: 'gpt-4o-mini' }
 */
export function parseTeacherSpec(spec: string): TeacherSpec {
  const s = spec.trim();
  if (s === 'offline') return { kind: 'offline' };
  const m = /^(openai|gguf):(.*)$/.exec(s);
  if (!m) throw new ConfigError('llm.teacher', `unknown teacher '${spec}'`, `use ${SPEC_HELP}`);
  const rest = m[2]!.trim();
  if (rest === '')
    throw new ConfigError(
      'llm.teacher',
      `'${spec}' names no ${m[1] === 'openai' ? 'model' : 'file'}`,
      `use ${SPEC_HELP}`,
    );
  return m[1] === 'openai' ? { kind: 'openai', model: rest } : { kind: 'gguf', path: rest };
}

export interface TeacherOptions {
  /** Root of the caches; the LLM cache lives in <cacheDir>/llm (default: cacheDir() from core/paths). */
  cacheDir?: string;
  cacheMode?: CacheMode;
  /** Max calls in flight (default 4). */
  concurrency?: number;
  /** Per-request timeout in ms (default 60 000). */
  timeoutMs?: number;
  /** Retries with backoff on 408/409/429/5xx, honouring Retry-After (default 4). */
  maxRetries?: number;
  /** Token budget of this teacher (0 = none). */
  budgetTokens?: number;
  /** Dollar budget of this teacher (0 = none; needs a known price). */
  budgetUsd?: number;
  /** USD per 1M tokens; default from KNOWN_PRICES for known OpenAI models, else unknown (cost 0). */
  price?: { input: number; output: number };
  log?: Logger;
  /** Query-generation sampling of LLM teachers (default temperature 1, 256 tokens). */
  generation?: { temperature?: number; maxTokens?: number };
  /** openai: override OPENAI_API_KEY / OPENAI_BASE_URL (tests, notebooks). */
  apiKey?: string;
  baseURL?: string;
  openai?: Pick<OpenAiProviderOptions, 'topLogprobs' | 'jsonMode'>;
  /** gguf: CPU threads (default 1: always set, see the ecosystem notes) and context size. */
  gguf?: Pick<LlamaProviderOptions, 'threads' | 'contextSize'>;
  /** Offline teacher: background collection for idf and p(w|C) (see OfflineTeacherOptions). */
  background?: TermStats | readonly Passage[] | readonly string[];
  offline?: Omit<OfflineTeacherOptions, 'background'>;
}

/** Kept as an alias: Teacher itself now declares the optional preflight() and close(). */
export type ClosableTeacher = Teacher;

/**
 * Build the teacher a spec names. LLM teachers get a cache (<cacheDir>/llm), a limiter,
 * retries, timeouts and a budget; the offline teacher needs none of these.
 * @example const teacher = createTeacher('offline', { background: corpus });
 * @example const teacher = createTeacher('openai:gpt-4o-mini', { cacheMode: 'read-write', budgetTokens: 2_000_000 });
 */
export function createTeacher(spec: string, opts: TeacherOptions = {}): ClosableTeacher {
  const parsed = parseTeacherSpec(spec);
  if (parsed.kind === 'offline') return new OfflineTeacher({ ...opts.offline, background: opts.background });
  const log = opts.log ?? silentLogger;
  const cache = new LlmCache(join(opts.cacheDir ?? cacheDir(), 'llm'), opts.cacheMode ?? 'read-write', log);
  let provider: LlmProvider;
  let price = opts.price;
  const secrets: string[] = [];
  if (parsed.kind === 'openai') {
    const p = new OpenAiProvider({
      model: parsed.model,
      apiKey: opts.apiKey,
      baseURL: opts.baseURL,
      timeoutMs: opts.timeoutMs,
      maxRetries: opts.maxRetries,
      log,
      ...opts.openai,
    });
    provider = p;
    price ??= p.baseURL === DEFAULT_BASE_URL ? KNOWN_PRICES[parsed.model] : undefined;
    const key = opts.apiKey ?? readEnv('OPENAI_API_KEY');
    if (key) secrets.push(key);
  } else {
    const path = resolve(parsed.path);
    if (!existsSync(path))
      throw new ConfigError(
        'llm.teacher',
        `GGUF file not found: ${path}`,
        'give the path of a .gguf model file: gguf:PATH',
      );
    provider = new LlamaProvider({ modelPath: path, timeoutMs: opts.timeoutMs, ...opts.gguf });
    price ??= { input: 0, output: 0 };
  }
  if (price === undefined && parsed.kind === 'openai')
    log.warn(`teacher ${spec}: price unknown, cost is reported as 0 (pass a price to count it)`);
  const meter = new UsageMeter({ budgetTokens: opts.budgetTokens ?? 0, budgetUsd: opts.budgetUsd ?? 0, price });
  return new LlmTeacher(provider, {
    id: parsed.kind === 'openai' ? spec.trim() : `gguf:${parsed.path}`,
    cache,
    concurrency: opts.concurrency,
    meter,
    log,
    generation: opts.generation,
    secrets,
  });
}

/** The `llm` section of the experiment config. */
export type LlmConfig = ExperimentConfig['llm'];

/**
 * The teacher of an experiment config's `llm` section.
 * @example const teacher = teacherFromConfig(ctx.config.llm, { log: ctx.log, background: corpus });
 */
export function teacherFromConfig(
  cfg: LlmConfig,
  opts: Omit<TeacherOptions, 'cacheMode' | 'concurrency' | 'timeoutMs' | 'maxRetries' | 'budgetTokens'> = {},
): ClosableTeacher {
  return createTeacher(cfg.teacher, {
    ...opts,
    cacheMode: cfg.cacheMode,
    concurrency: cfg.concurrency,
    timeoutMs: cfg.timeoutMs,
    maxRetries: cfg.maxRetries,
    budgetTokens: cfg.budgetTokens,
  });
}

/** How a teacher is named in reports: the offline one always says it is a stand-in. */
export function describeTeacher(t: Pick<Teacher, 'id' | 'standIn'>): string {
  return t.standIn ? `${t.id} (stand-in, not an LLM)` : t.id;
}
