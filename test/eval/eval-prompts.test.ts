// Issue 19 §2/§3: evaluation applies an imported checkpoint's prompts as training and `gecko embed`
// do. The tiny XLM-R fixture (e5's "query: " / "passage: ") and the tiny BERT (bge's query
// instruction, no passage prompt) are imported as checkpoints and evaluated on capped SciFact
// (queries, passages) and STSBenchmark (symmetric 'text'): every text the encoder sees carries the
// role's prompt (the query prompt on symmetric texts, as formatExample does), the embedding cache
// holds the prompted texts, and eval's vectors equal `gecko embed --role query|passage`'s. A
// checkpoint without prompts encodes the formatted texts as they are.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main';
import { formatPassage, formatQuery } from '../../lib/core/format';
import { readJsonl } from '../../lib/core/jsonl';
import { silentLogger } from '../../lib/core/log';
import type { Embedder } from '../../lib/core/types';
import { saveCheckpoint } from '../../lib/encoder/checkpoint';
import { importHfEncoder } from '../../lib/encoder/hf-map';
import { EmbeddingCache } from '../../lib/eval/embedding-cache';
import { evalPrompt, evaluate } from '../../lib/eval/evaluate';
import { closeModel, resolveModel } from '../../lib/eval/models';
import type { EvalModel } from '../../lib/eval/runners/context';
import { loadTaskData, type RetrievalData, type StsData } from '../../lib/eval/task-data';
import { selectTasks } from '../../lib/eval/tasks/registry';
import { SHARED_DATA, have, tmpDir } from '../helpers';

const FIX = join(__dirname, '..', 'fixtures', 'hf');
const ok =
  have(join(SHARED_DATA, 'scifact', 'corpus.jsonl'), 'shared data sets') &&
  have(join(SHARED_DATA, 'stsbenchmark'), 'shared data sets');

/** The fixture as a checkpoint (as `gecko import <folder>` writes it), its prompts kept or dropped. */
function checkpointOf(fixture: string, keepPrompts = true): string {
  const ck = importHfEncoder(join(FIX, fixture));
  const config = { ...ck.config };
  if (!keepPrompts) delete config.prompts;
  const dir = join(tmpDir('gecko-evalprompts-'), 'ckpt');
  saveCheckpoint(dir, { ...ck, config });
  return dir;
}

const E5 = checkpointOf('xlmr-mean'); // query: "query: ", passage: "passage: "
const BGE = checkpointOf('bert-cls'); // query: "Represent this sentence ...", passage: ""
const BARE = checkpointOf('xlmr-mean', false);
const SUB = { maxQueries: 2, maxCorpus: 6, maxTrain: 0, maxTest: 3, seed: 7 };
const [SCIFACT, STSB] = selectTasks(['SciFact', 'STSBenchmark']) as [
  ReturnType<typeof selectTasks>[number] & { type: 'Retrieval' },
  ReturnType<typeof selectTasks>[number] & { type: 'STS' },
];

const open: EvalModel[] = [];
afterAll(async () => {
  for (const m of open) await closeModel(m);
});

async function model(dir: string) {
  const m = await resolveModel(dir);
  open.push(m);
  if (m.kind !== 'dense') throw new Error('not dense');
  return m;
}

describe("the checkpoint's prompts in evaluation", () => {
  it('a checkpoint model carries its prompts: query on queries and symmetric texts, passage on passages', async () => {
    const e5 = await model(E5);
    expect(['query', 'passage', 'text'].map((r) => evalPrompt(e5, r as 'query'))).toEqual([
      'query: ',
      'passage: ',
      'query: ',
    ]);
    const bge = await model(BGE);
    expect(evalPrompt(bge, 'query')).toBe('Represent this sentence for searching relevant passages: ');
    expect(evalPrompt(bge, 'passage')).toBe('');
    const bare = await model(BARE);
    expect(['query', 'passage', 'text'].map((r) => evalPrompt(bare, r as 'query'))).toEqual(['', '', '']);
    const random = await resolveModel(`random:${E5}`);
    open.push(random);
    expect(evalPrompt(random, 'passage')).toBe('passage: '); // the untrained control sees the same inputs
    expect(evalPrompt({ kind: 'bm25', id: 'bm25', options: {} }, 'query')).toBe('');
  });

  describe.runIf(ok)('evaluate() on SciFact and STSBenchmark (capped)', () => {
    const sci = () => loadTaskData(SCIFACT, SUB) as RetrievalData;
    const sts = () => loadTaskData(STSB, SUB) as StsData;
    /** The formatted texts the runners hand to encode, by role, with the prompts given. */
    const expected = (p: { query: string; passage: string }) => ({
      query: sci().queries.map((q) => p.query + formatQuery(SCIFACT.prompt, q.text)),
      passage: sci().corpus.map((d) => p.passage + formatPassage(d.title, d.text)),
      text: sts()
        .pairs.flatMap((x) => [x.text1, x.text2])
        .map((t) => p.query + formatQuery(STSB.prompt, t)),
    });

    /** Evaluate `dir` with an embedder that records what it is asked to encode. */
    async function run(dir: string) {
      const m = await model(dir);
      const seen: string[] = [];
      const rec: Embedder = {
        id: m.embedder.id,
        dim: m.embedder.dim,
        embed: (t) => (seen.push(...t), m.embedder.embed(t)),
      };
      const cacheRoot = tmpDir('gecko-evalprompts-cache-');
      const out = tmpDir('gecko-evalprompts-out-');
      const report = await evaluate({
        model: { ...m, embedder: rec },
        tasks: [SCIFACT, STSB],
        dims: [],
        subsample: SUB,
        batchSize: 8,
        outDir: out,
        cache: new EmbeddingCache(cacheRoot),
        log: silentLogger,
      });
      return { m, seen, cacheRoot, report };
    }

    /** The cache's vectors of these texts (an embedder that would throw: they must all be cached). */
    async function cached(
      root: string,
      m: { embedder: Embedder },
      task: string,
      role: 'query' | 'passage',
      texts: string[],
    ) {
      const never: Embedder = {
        id: m.embedder.id,
        dim: m.embedder.dim,
        embed: () => Promise.reject(new Error(`not cached: ${texts.join(' / ')}`)),
      };
      const { vectors, stats } = await new EmbeddingCache(root).embed(never, task, role, texts);
      expect(stats.encoded).toBe(0);
      return vectors;
    }

    it('e5: the encoder sees "query: " on queries and STS texts, "passage: " on passages; equal to gecko embed', async () => {
      const { m, seen, cacheRoot, report } = await run(E5);
      const want = expected({ query: 'query: ', passage: 'passage: ' });
      expect(new Set(seen)).toEqual(new Set([...want.query, ...want.passage, ...want.text]));
      expect(
        report.results.every(
          (r) => JSON.stringify(r.eval_config.model_prompts) === '{"query":"query: ","passage":"passage: "}',
        ),
      ).toBe(true);

      // the cache holds the prompted texts, and its vectors are what `gecko embed --role ...` writes
      const qv = await cached(cacheRoot, m, SCIFACT.dataset, 'query', want.query);
      const pv = await cached(cacheRoot, m, SCIFACT.dataset, 'passage', want.passage);
      const dir = tmpDir('gecko-evalprompts-embed-');
      const d = sci().corpus[0]!;
      writeFileSync(join(dir, 'q.txt'), sci().queries[0]!.text + '\n');
      writeFileSync(join(dir, 'p.jsonl'), JSON.stringify({ id: d.id, title: d.title ?? '', text: d.text }) + '\n');
      const embed = async (role: string, file: string, extra: string[] = []) => {
        const outFile = join(dir, `${role}.jsonl`);
        expect(
          await main(['embed', '--model', E5, '--in', join(dir, file), '--out', outFile, '--role', role, ...extra]),
        ).toBe(0);
        return readJsonl<{ vector: number[] }>(outFile)[0]!.vector;
      };
      const close = (a: ArrayLike<number>, b: ArrayLike<number>) =>
        expect(Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)))).toBeLessThan(1e-6);
      close(qv[0]!, await embed('query', 'q.txt', ['--task', SCIFACT.prompt]));
      close(pv[0]!, await embed('passage', 'p.jsonl'));
    }, 120_000);

    it('bge: the query instruction on queries and STS texts, passages as they are', async () => {
      const { seen } = await run(BGE);
      const want = expected({ query: 'Represent this sentence for searching relevant passages: ', passage: '' });
      expect(new Set(seen)).toEqual(new Set([...want.query, ...want.passage, ...want.text]));
    }, 120_000);

    it('without prompts nothing changes: the formatted texts as they are, and no model_prompts in the eval config', async () => {
      const { seen, report } = await run(BARE);
      const want = expected({ query: '', passage: '' });
      expect(new Set(seen)).toEqual(new Set([...want.query, ...want.passage, ...want.text]));
      expect(report.results.every((r) => !('model_prompts' in r.eval_config))).toBe(true);
      expect(readFileSync(report.files[0]!, 'utf8')).not.toContain('model_prompts');
    }, 120_000);
  });
});
