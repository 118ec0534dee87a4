// The provider layer under the LLM teacher: three raw operations a model server or a
// local model can do. Providers are stateless about caching, budgets and prompts; the
// LlmTeacher adds those. Every result is plain JSON, so it can be cached as it is.
import type { ChatMessage } from './prompts/messages';

export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
}

/** What a provider can do. `continuationLogprobs` may still be refused by the one-time probe. */
export interface ProviderCapabilities {
  generate: boolean;
  /** Constrained decoding to a JSON schema (else: the prompt asks for JSON and we parse). */
  jsonSchema: boolean;
  continuationLogprobs: boolean;
  labelLogprobs: boolean;
}

export interface GenerateRequest {
  messages: ChatMessage[];
  /** Constrain the answer to this JSON schema where the provider can. */
  jsonSchema?: Record<string, unknown>;
  temperature: number;
  seed: number;
  maxTokens: number;
}

export interface GenerateResult {
  text: string;
  /** The answer stopped at maxTokens. */
  truncated: boolean;
  usage: TokenCounts;
}

export interface ContinuationRequest {
  prompt: string;
  continuation: string;
}

export interface ContinuationResult {
  /** Sum of log p(token | previous tokens) over the continuation's tokens. */
  logprob: number;
  /** Number of continuation tokens scored. */
  tokens: number;
  usage: TokenCounts;
}

export interface LabelRequest {
  messages: ChatMessage[];
  /** Labels as written (e.g. 'Yes', 'No'); results are keyed by their lowercase form. */
  labels: readonly string[];
}

export interface LabelResult {
  /** log P(label) of each label (lowercase key); null when the label is not among the returned top logprobs. */
  labelLogprobs: Record<string, number | null>;
  /** The smallest returned top logprob: an upper bound for a label that is absent. */
  floor: number | null;
  usage: TokenCounts;
}

/** The outcome of the known-answer probe of prompt logprobs. */
export interface ProbeResult {
  ok: boolean;
  detail: string;
}

export interface LlmProvider {
  /** 'openai' or 'gguf'. */
  readonly kind: string;
  readonly model: string;
  /** What identifies this provider's answers in the cache (kind, model, endpoint). Never a secret. */
  readonly identity: Record<string, string>;
  readonly capabilities: ProviderCapabilities;
  generate(req: GenerateRequest): Promise<GenerateResult>;
  continuationLogprob(req: ContinuationRequest): Promise<ContinuationResult>;
  labelLogprobs(req: LabelRequest): Promise<LabelResult>;
  /** One known-answer request that shows whether continuation logprobs are real prompt logprobs. */
  probeContinuationLogprobs(): Promise<ProbeResult>;
  /**
   * Batch API support (hosted providers only): run many requests of one operation as one
   * batch and parse each answer into the same result the direct call gives.
   */
  batch?: BatchSupport;
  /** Release resources (models, sockets). */
  close?(): Promise<void>;
}

export type BatchOp = 'generate' | 'continuation' | 'labels';

export interface BatchSupport {
  /** The endpoint and request body of one operation (identical to what the direct call sends). */
  request(
    op: BatchOp,
    req: unknown,
  ): { url: '/v1/chat/completions' | '/v1/completions'; body: Record<string, unknown> };
  /** Parse one answer body into the operation's result (throws LlmOutputError when unusable). */
  parse(op: BatchOp, req: unknown, body: unknown): GenerateResult | ContinuationResult | LabelResult;
  /** Submit, poll and collect; resumable from `stateFile`. Returns status and body by custom_id. */
  run(
    lines: { custom_id: string; method: 'POST'; url: string; body: Record<string, unknown> }[],
    opts: { stateFile: string; pollMs?: number; maxWaitMs?: number },
  ): Promise<Map<string, { statusCode: number | null; body: unknown; error: { message?: string } | null }>>;
}
