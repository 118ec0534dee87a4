// `gecko embed`: texts in, vectors out. Input: .txt (one text per line) or .jsonl
// ({id?, text, title?} per line). With --role the texts are formatted in the paper's
// unified format first; without it they are embedded as they are (already formatted). A checkpoint
// with prompts (imported from sentence-transformers, e.g. e5's "query: ") gets its prompt prepended as
// sentence-transformers' encode(prompt_name=...) does: --prompt NAME, or the role's prompt with --role.
import type { Command } from '../command';
import { MAX_DIM } from '../../config/schema';
import { DataError, UsageError } from '../../core/errors';
import { formatPassage, formatQuery } from '../../core/format';
import { readJsonl, writeJsonl } from '../../core/jsonl';
import { consoleLogger } from '../../core/log';
import { progress } from '../../core/progress';
import { selectBackend } from '../../backend/select';
import { loadEmbedder } from '../../encoder/embedder';
import { checkEnvDirs, checkInputFile, checkOutputDir } from '../../core/preflight';
import { readLinesUtf8 } from '../../core/text';
import { checkDims } from '../../pipeline/checks';
import { dirname } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { truncateAndNormalize } from '../../encoder/truncate-normalize';
import { rolePrompts } from '../../encoder/prompts';

interface InputRow {
  id: string;
  text: string;
  title?: string;
}

function readInput(path: string): InputRow[] {
  if (path.endsWith('.jsonl')) {
    let n = 0;
    return readJsonl<{ id?: unknown; text?: unknown; title?: unknown }>(path, (r) => {
      n++;
      if (!r || typeof r.text !== 'string' || !r.text.trim()) return 'expected {text: non-empty string, id?, title?}';
      if (r.title !== undefined && typeof r.title !== 'string') return "'title' must be a string";
      return true;
    }).map((r, i) => ({
      id: r.id !== undefined ? String(r.id) : String(i),
      text: r.text as string,
      ...(typeof r.title === 'string' ? { title: r.title } : {}),
    }));
  }
  const rows: InputRow[] = [];
  // streamed line by line: a line over MAX_LINE_BYTES is refused as too long, naming file and line
  for (const { text: l, lineNo } of readLinesUtf8(path))
    if (l.trim()) rows.push({ id: String(lineNo), text: l.trim() });
  return rows;
}

export const command: Command = {
  name: 'embed',
  summary: 'embed texts with an encoder checkpoint (vectors as JSONL)',
  usage:
    'npx gecko embed --model <ckpt> --in <texts.txt|texts.jsonl> --out <vectors.jsonl> [--dim 64] [--role query --task "search result"] [--prompt query]',
  flags: {
    model: { type: 'string', help: 'checkpoint folder (holds encoder.json, weights.bin, tokenizer.json)' },
    in: { type: 'string', help: '.txt (one text per line) or .jsonl ({id?, text, title?})' },
    out: { type: 'string', help: 'output JSONL: {id, vector}' },
    dim: {
      type: 'number',
      integer: true,
      min: 1,
      max: MAX_DIM,
      help: 'Matryoshka: keep the first N dimensions, re-normalised (default: full)',
    },
    role: {
      type: 'string',
      help: "'query' (task: T | query: text) or 'passage' (title: t | text: x); default: embed texts as given",
    },
    task: { type: 'string', help: 'task string for --role query', default: 'search result' },
    prompt: {
      type: 'string',
      help: "prepend the checkpoint's prompt of this name (sentence-transformers' prompt_name, e.g. query); default with --role: the role's prompt",
    },
    batch: { type: 'number', integer: true, min: 1, max: 4096, help: 'texts per encoder call', default: 64 },
  },
  async run(args) {
    const f = args.flags;
    for (const k of ['model', 'in', 'out'] as const) if (!f[k]) throw new UsageError(`--${k} is required`, this.usage);
    const role = f.role as string | undefined;
    if (role !== undefined && role !== 'query' && role !== 'passage')
      throw new UsageError(`--role must be query or passage, got '${role}'`);
    checkInputFile(f.in as string, '--in', { exts: ['.txt', '.jsonl'] });
    const outPath = f.out as string;
    if (existsSync(outPath) && statSync(outPath).isDirectory())
      throw new UsageError(`--out ${outPath} is a folder`, 'give a file path for the vectors, e.g. vectors.jsonl');
    checkOutputDir(dirname(outPath), '--out');
    checkEnvDirs();
    if (f.dim !== undefined && !(Number.isInteger(f.dim) && (f.dim as number) > 0))
      throw new UsageError(`--dim ${String(f.dim)}: give a positive whole number`);
    const rows = readInput(f.in as string);
    if (rows.length === 0)
      throw new DataError(
        f.in as string,
        'no texts found',
        undefined,
        'one text per line (.txt) or {text} per line (.jsonl)',
      );
    const texts = rows.map((r) =>
      role === 'query'
        ? formatQuery(f.task as string, r.text)
        : role === 'passage'
          ? formatPassage(r.title, r.text)
          : r.text,
    );
    const backend = await selectBackend();
    consoleLogger.info(`backend: ${backend.name} (${backend.reason})`);
    const bar = progress('embed', texts.length, 'texts');
    let last = 0;
    const e = await loadEmbedder(f.model as string, {
      batchSize: f.batch as number,
      onProgress: (d) => {
        bar.tick(d - last);
        last = d;
      },
    });
    consoleLogger.info(`encoder runtime: ${e.runtime} (${e.runtimeReason})`);
    try {
      if (f.dim !== undefined) checkDims([f.dim as number], e.dim, '--dim', { one: true });
      const prompts = e.config.prompts ?? {};
      const name = f.prompt as string | undefined;
      if (name !== undefined && !(name in prompts))
        throw new UsageError(
          `--prompt ${name}: the checkpoint ${String(f.model)} has ${Object.keys(prompts).length ? `the prompts ${Object.keys(prompts).join(', ')}` : 'no prompts'}`,
          'name one of its prompts, or leave --prompt out',
        );
      const prompt = name !== undefined ? prompts[name]! : role ? rolePrompts(e.config)[role] : '';
      let vecs = await e.embed(prompt ? texts.map((t) => prompt + t) : texts);
      bar.done(e.id);
      if (f.dim !== undefined) vecs = truncateAndNormalize(vecs, f.dim as number);
      writeJsonl(
        f.out as string,
        rows.map((r, i) => ({ id: r.id, vector: Array.from(vecs[i]!) })),
      );
      consoleLogger.info(`wrote ${rows.length} vectors of dimension ${vecs[0]!.length} (${e.id}) to ${f.out}`);
    } finally {
      await e.close();
    }
  },
};
