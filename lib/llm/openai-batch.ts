// The OpenAI Batch API for large runs: write the request JSONL, upload it, create the batch,
// poll, download the output. Every step is recorded in a state file (written atomically),
// so a killed run resumes where it stopped: it never uploads or submits the same requests twice.
import { existsSync } from 'node:fs';
import OpenAI, { toFile } from 'openai';
import { GeckoError } from '../core/errors';
import { writeFileAtomic, writeJson, readJson } from '../core/fs';
import { sha256 } from '../core/hash';
import type { Logger } from '../core/log';
import { silentLogger } from '../core/log';
import { parseJson } from '../core/json';

/** One line of a batch input file. */
export interface BatchLine {
  custom_id: string;
  method: 'POST';
  url: '/v1/chat/completions' | '/v1/completions' | '/v1/embeddings';
  body: Record<string, unknown>;
}

/** One result: the HTTP status and body of the request, or the batch's error for it. */
export interface BatchOutcome {
  customId: string;
  statusCode: number | null;
  body: unknown;
  error: { code?: string; message?: string } | null;
}

export interface BatchState {
  requestsSha256: string;
  endpoint: string;
  count: number;
  inputFileId?: string;
  batchId?: string;
  status?: string;
  outputFileId?: string | null;
  errorFileId?: string | null;
}

export interface RunBatchOptions {
  /** Where progress is recorded; rerunning with the same file and requests resumes. */
  stateFile: string;
  /** Poll interval (default 30 s). */
  pollMs?: number;
  /** Give up waiting after this long (default: no limit); the state is kept and a rerun resumes. */
  maxWaitMs?: number;
  log?: Logger;
  metadata?: Record<string, string>;
}

const TERMINAL_FAIL = new Set(['failed', 'expired', 'cancelled', 'cancelling']);

/**
 * Submit `lines` as one batch (all to one endpoint) and return the outcome of each, by custom_id.
 * @example const out = await runOpenAiBatch(client, lines, { stateFile: 'runs/x/batch-chat.json' });
 */
export async function runOpenAiBatch(
  client: OpenAI,
  lines: readonly BatchLine[],
  opts: RunBatchOptions,
): Promise<Map<string, BatchOutcome>> {
  const log = opts.log ?? silentLogger;
  if (lines.length === 0) return new Map();
  const endpoint = lines[0]!.url;
  if (lines.some((l) => l.url !== endpoint))
    throw new GeckoError(`a batch goes to one endpoint; got ${[...new Set(lines.map((l) => l.url))].join(', ')}`);
  const jsonl = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
  const requestsSha256 = sha256(jsonl);
  let state: BatchState = { requestsSha256, endpoint, count: lines.length };
  if (existsSync(opts.stateFile)) {
    const old = readJson<BatchState>(opts.stateFile);
    if (old.requestsSha256 !== requestsSha256) {
      throw new GeckoError(
        `batch state file ${opts.stateFile} belongs to a different set of requests`,
        'delete it to submit a new batch (the old batch, if any, keeps running on the server), or use another state file',
      );
    }
    state = old;
    log.info(
      `batch: resuming from ${opts.stateFile} (${state.batchId ?? 'not yet submitted'}, ${state.status ?? 'no status'})`,
    );
  }
  const save = () => writeJson(opts.stateFile, state);

  if (!state.inputFileId) {
    const file = await client.files.create({
      file: await toFile(Buffer.from(jsonl), 'batch.jsonl', { type: 'application/jsonl' }),
      purpose: 'batch',
    });
    state.inputFileId = file.id;
    save();
  }
  if (!state.batchId) {
    const batch = await client.batches.create({
      input_file_id: state.inputFileId,
      endpoint: endpoint as never,
      completion_window: '24h',
      metadata: opts.metadata,
    });
    state.batchId = batch.id;
    state.status = batch.status;
    save();
    log.info(`batch: submitted ${lines.length} requests as ${batch.id}`);
  }
  const started = Date.now();
  for (;;) {
    const b = await client.batches.retrieve(state.batchId);
    if (b.status !== state.status || b.output_file_id !== state.outputFileId) {
      Object.assign(state, {
        status: b.status,
        outputFileId: b.output_file_id ?? null,
        errorFileId: b.error_file_id ?? null,
      });
      save();
      log.info(
        `batch ${b.id}: ${b.status} (${b.request_counts?.completed ?? 0}/${b.request_counts?.total ?? lines.length} done)`,
      );
    }
    if (b.status === 'completed') break;
    if (TERMINAL_FAIL.has(b.status)) {
      throw new GeckoError(
        `batch ${b.id} ended with status '${b.status}'${b.errors?.data?.length ? `: ${b.errors.data.map((e) => e.message).join('; ')}` : ''}`,
        `delete ${opts.stateFile} and rerun to submit again (cached answers are not resubmitted)`,
      );
    }
    if (opts.maxWaitMs !== undefined && Date.now() - started > opts.maxWaitMs) {
      throw new GeckoError(
        `batch ${b.id} is still '${b.status}' after ${opts.maxWaitMs} ms`,
        `rerun later: progress is kept in ${opts.stateFile}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 30_000));
  }

  const out = new Map<string, BatchOutcome>();
  for (const fileId of [state.outputFileId, state.errorFileId]) {
    if (!fileId) continue;
    const text = await (await client.files.content(fileId)).text();
    writeFileAtomic(`${opts.stateFile}.${fileId}.jsonl`, text);
    for (const [i, line] of text.split('\n').entries()) {
      if (!line.trim()) continue;
      const r = parseJson<any>(line, `batch output file ${fileId}`, { line: i + 1, dataKeys: true });
      out.set(r.custom_id, {
        customId: r.custom_id,
        statusCode: r.response?.status_code ?? null,
        body: r.response?.body ?? null,
        error: r.error ?? null,
      });
    }
  }
  return out;
}
