// The local provider: any GGUF file through node-llama-cpp (pinned 3.21.1, the version that
// survives `npm ci`). Completion, exact log-probabilities of given text and JSON-schema-
// constrained output. Prompts are rendered as plain text (no chat template), so any base
// model works. maxThreads is always set (default 1): the library's default of 4 threads on
// a 2-core machine made generation ~2000x slower in the ecosystem check.
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { sha256 } from '../core/hash';
import { createLimiter, withTimeout } from './limit';
import { GeckoError } from '../core/errors';
import { loadNodeLlamaCpp } from './load-llama';
import { renderPlain } from './prompts/messages';
import type {
  ContinuationRequest,
  ContinuationResult,
  GenerateRequest,
  GenerateResult,
  LabelRequest,
  LabelResult,
  LlmProvider,
  ProbeResult,
  ProviderCapabilities,
} from './provider';

export interface LlamaProviderOptions {
  modelPath: string;
  /** CPU threads for node-llama-cpp (default 1). */
  threads?: number;
  /** Context size in tokens (default 2048, capped by the model's training context). */
  contextSize?: number;
  /** Per-call timeout in ms (default 60 000). */
  timeoutMs?: number;
}

/** log of the smallest float32 probability, used when a probability underflows to 0. */
const MIN_LOGPROB = Math.log(1.4e-45);

type Loaded = {
  llama: import('node-llama-cpp').Llama;
  model: import('node-llama-cpp').LlamaModel;
  context: import('node-llama-cpp').LlamaContext;
  sequence: import('node-llama-cpp').LlamaContextSequence;
};

/**
 * @example const p = new LlamaProvider({ modelPath: 'stories260K.gguf', threads: 1 });
 * const { logprob } = await p.continuationLogprob({ prompt: 'Once upon', continuation: ' a time' });
 */
export class LlamaProvider implements LlmProvider {
  readonly kind = 'gguf';
  readonly model: string;
  readonly identity: Record<string, string>;
  readonly capabilities: ProviderCapabilities = {
    generate: true,
    jsonSchema: true,
    continuationLogprobs: true,
    labelLogprobs: true,
  };
  private loaded?: Promise<Loaded>;
  /** One context sequence: calls run one at a time. */
  private readonly serial = createLimiter(1);
  private readonly threads: number;
  private readonly timeoutMs: number;

  constructor(private readonly opts: LlamaProviderOptions) {
    this.model = basename(opts.modelPath);
    this.threads = opts.threads ?? 1;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    // The model's identity without hashing gigabytes: name, size and sha256 of the first MiB.
    const size = statSync(opts.modelPath).size;
    const fd = openSync(opts.modelPath, 'r');
    const head = Buffer.alloc(Math.min(size, 1 << 20));
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    this.identity = { kind: 'gguf', model: this.model, bytes: String(size), headSha256: sha256(head) };
  }

  /** Load the model once (lazily). */
  load(): Promise<Loaded> {
    this.loaded ??= (async () => {
      const { getLlama, LlamaLogLevel } = await loadNodeLlamaCpp();
      const llama = await getLlama({ gpu: false, maxThreads: this.threads, logLevel: LlamaLogLevel.error });
      const model = await llama.loadModel({ modelPath: this.opts.modelPath });
      const contextSize = Math.min(this.opts.contextSize ?? 2048, model.trainContextSize);
      const context = await model.createContext({ contextSize, sequences: 1, threads: this.threads });
      return { llama, model, context, sequence: context.getSequence() };
    })();
    this.loaded.catch(() => {
      this.loaded = undefined;
    });
    return this.loaded;
  }

  /**
   * Run `fn` on the model, one call at a time. The caller is rejected at the timeout, but the
   * sequence stays busy until the underlying work settles (generation is aborted by its signal;
   * scoring cannot be interrupted), so the next call never finds it in use.
   */
  private run<T>(what: string, fn: (l: Loaded) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.serial
        .run(async () => {
          const work = this.load().then(fn);
          withTimeout(
            work,
            this.timeoutMs,
            () =>
              new GeckoError(
                `gguf ${this.model}: ${what} timed out after ${this.timeoutMs} ms`,
                'raise llm.timeoutMs, or use a smaller model / fewer tokens',
              ),
          ).then(resolve, reject);
          await work.catch(() => {});
        })
        .catch(reject);
    });
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    return this.run('generation', async ({ llama, model, sequence }) => {
      const { LlamaCompletion } = await loadNodeLlamaCpp();
      await sequence.clearHistory();
      const completion = new LlamaCompletion({ contextSequence: sequence });
      const grammar = req.jsonSchema ? await llama.createGrammarForJsonSchema(req.jsonSchema as never) : undefined;
      const prompt = renderPlain(req.messages);
      const promptTokens = model.tokenize(prompt).length;
      if (promptTokens + 16 > sequence.contextSize) {
        throw new GeckoError(
          `gguf ${this.model}: the prompt has ${promptTokens} tokens, the context only ${sequence.contextSize}`,
          "raise gguf.contextSize (up to the model's training context) or shorten passages",
        );
      }
      const maxTokens = Math.min(req.maxTokens, sequence.contextSize - promptTokens - 1);
      const r = await completion.generateCompletionWithMeta(prompt, {
        maxTokens,
        temperature: req.temperature,
        seed: req.seed,
        grammar,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      completion.dispose();
      return {
        text: r.response,
        truncated: r.metadata.stopReason === 'maxTokens',
        usage: { promptTokens, completionTokens: model.tokenize(r.response).length },
      };
    });
  }

  /**
   * Exact log P(continuation | prompt): tokens = [BOS] + tokenize(prompt) + tokenize(continuation),
   * one controlledEvaluate pass asking for the full next-token distribution (all vocabulary
   * entries, raw softmax) before each continuation token.
   */
  async continuationLogprob(req: ContinuationRequest): Promise<ContinuationResult> {
    return this.run('scoring', async ({ model, sequence }) => {
      const prompt = tokensOf(model, req.prompt, true);
      const cont = model.tokenize(req.continuation, false);
      const ids = [...prompt, ...cont];
      if (ids.length > sequence.contextSize)
        throw new GeckoError(
          `gguf ${this.model}: ${ids.length} tokens exceed the context size ${sequence.contextSize}`,
          'raise gguf.contextSize or shorten passages',
        );
      await sequence.clearHistory();
      const first = prompt.length - 1; // the position whose next-token distribution predicts cont[0]
      const input = ids
        .slice(0, -1)
        .map((t, i) =>
          i >= first ? [t, { generateNext: { probabilities: true } }] : t,
        ) as import('node-llama-cpp').ControlledEvaluateInputItem[];
      const out = await sequence.controlledEvaluate(input);
      let logprob = 0;
      for (let j = 0; j < cont.length; j++) {
        const p = out[first + j]?.next.probabilities?.get(cont[j]!) ?? 0;
        logprob += p > 0 ? Math.log(p) : MIN_LOGPROB;
      }
      await sequence.clearHistory();
      return { logprob, tokens: cont.length, usage: { promptTokens: ids.length, completionTokens: 0 } };
    });
  }

  /** Exact label log-probabilities: log P(' ' + label | prompt) for each label. */
  async labelLogprobs(req: LabelRequest): Promise<LabelResult> {
    const prompt = renderPlain(req.messages);
    const labelLogprobs: Record<string, number | null> = {};
    let promptTokens = 0;
    for (const label of req.labels) {
      const r = await this.continuationLogprob({ prompt, continuation: ` ${label}` });
      labelLogprobs[label.toLowerCase()] = r.logprob;
      promptTokens += r.usage.promptTokens;
    }
    return { labelLogprobs, floor: null, usage: { promptTokens, completionTokens: 0 } };
  }

  /** Local scoring is exact by construction. */
  async probeContinuationLogprobs(): Promise<ProbeResult> {
    return { ok: true, detail: 'node-llama-cpp scores given tokens exactly' };
  }

  /** The tokens of a text as scored ([BOS] + text), for tests and inspection. */
  async tokenize(text: string): Promise<number[]> {
    const { model } = await this.load();
    return tokensOf(model, text, true);
  }

  async close(): Promise<void> {
    if (!this.loaded) return;
    const l = await this.loaded;
    this.loaded = undefined;
    await l.context.dispose();
    await l.model.dispose();
    await l.llama.dispose();
  }
}

function tokensOf(model: import('node-llama-cpp').LlamaModel, text: string, bos: boolean): number[] {
  const ids = model.tokenize(text, false) as number[];
  return bos && model.tokens.bos !== null ? [model.tokens.bos as number, ...ids] : ids;
}
