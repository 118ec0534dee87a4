// TREC files from `gecko eval`: the run and qrels written beside each retrieval result score the
// same with `gecko score retrieval` and with an independent scorer (scripts/trec_score.py, Python
// standard library only, written from trec_eval's definitions).
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatTrecQrels, formatTrecRun } from '../../lib/eval/trec';
import { parseQrels, parseTrecRun, scoreRetrievalFiles } from '../../lib/eval/score-files';
import type { MtebResult } from '../../lib/eval/results';
import { PRESETS } from '../../lib/config/presets';
import { evaluate } from '../../lib/eval/evaluate';
import { resolveModel } from '../../lib/eval/models';
import { selectTasks } from '../../lib/eval/tasks/registry';
import { have, pythonWith, SHARED_DATA, tmpDir } from '../helpers';

const ROOT = resolve(__dirname, '..', '..');
const exec = promisify(execFile); // async: a blocking spawnSync would starve vitest's worker RPC
const gecko = (args: string[]) =>
  exec(process.execPath, [join(ROOT, 'bin', 'gecko.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, GECKO_DATA_DIR: SHARED_DATA, GECKO_PROGRESS: 'off' },
  });

describe('TREC formats', () => {
  it('round-trip through the parsers `gecko score` uses, ranks best first', () => {
    const dir = tmpDir();
    const run = { q2: { a: 0.5, b: 0.75, c: 0.5 }, q1: { d: 1 / 3 } };
    const text = formatTrecRun(run, 'm-d16');
    expect(text.split('\n')[1]).toBe('q2 Q0 b 1 0.75 m-d16');
    expect(text.split('\n')[2]).toBe('q2 Q0 a 2 0.5 m-d16'); // ties: docid ascending, as our metrics rank
    writeFileSync(join(dir, 'r.trec'), text);
    expect(parseTrecRun(join(dir, 'r.trec'))).toEqual(run); // 1/3 survives exactly
    const qrels = { q1: { d: 2, e: 0 }, q2: { b: 1 } };
    writeFileSync(join(dir, 'q.trec'), formatTrecQrels(qrels));
    expect(readFileSync(join(dir, 'q.trec'), 'utf8').split('\n')[0]).toBe('q1 0 d 2');
    expect(parseQrels(join(dir, 'q.trec'))).toEqual(qrels);
    expect(() => formatTrecRun(run, 'has space')).toThrow(/tag/);
  });
});

const { maxQueries, maxCorpus, maxTrain, maxTest } = PRESETS.smoke.eval;
const smoke = { maxQueries, maxCorpus, maxTrain, maxTest };
const ok = have(join(SHARED_DATA, 'scifact', 'corpus.jsonl'), 'shared data sets');
const python = await pythonWith('json');

describe.runIf(ok && python)('a run written by gecko eval', () => {
  it('scores the same with gecko score and with an independent scorer, at every dim', async () => {
    const out = tmpDir('gecko-trec-');
    // SciFact, and CISI, whose runs hold many tied scores (hash embeddings at 16 dims, BM25)
    const tasks = ['--tasks', 'SciFact,CISI', '--preset', 'smoke', '--out', out];
    await gecko(['eval', '--model', 'hash:64', '--dims', '64,16', ...tasks]);
    // BM25 in-process: the same evaluate() the command calls, without a second process start
    await evaluate({
      model: await resolveModel('bm25'),
      tasks: selectTasks(['SciFact', 'CISI']),
      dims: [],
      subsample: { ...smoke, seed: PRESETS.smoke.seed },
      batchSize: 32,
      outDir: out,
      data: { dataDir: SHARED_DATA },
    });
    // <model>/<dim>/<Task>.run.trec, or <model>/<dim>/not-mteb/ for a task mteb does not have (CISI)
    const runs = readdirSync(out, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.run.trec'))
      .sort()
      .map((f) => join(out, f));
    expect(runs.length).toBe(2 * 2 + 2); // 2 tasks x (2 dims of hash + BM25's one)
    const base = (run: string) => run.replace(/\.run\.trec$/, '');
    const stored = (run: string) =>
      (JSON.parse(readFileSync(`${base(run)}.json`, 'utf8')) as MtebResult).scores.test![0]! as Record<string, number>;
    // the command line once (it is the same function as below, behind the argument parser)
    const cli = JSON.parse(
      (await gecko(['score', 'retrieval', '--qrels', `${base(runs[0]!)}.qrels.trec`, '--run', runs[0]!])).stdout,
    );
    expect(cli.ndcg_at_10).toBe(stored(runs[0]!).ndcg_at_10);
    let compared = 0;
    for (const run of runs) {
      const want = stored(run);
      const ours = scoreRetrievalFiles(`${base(run)}.qrels.trec`, run);
      // the independent scorer, with the workbench's tie-break (docid ascending among equal scores)
      const p = await exec(python!, [
        join(ROOT, 'scripts', 'trec_score.py'),
        `${base(run)}.qrels.trec`,
        run,
        '--ties',
        'ascending',
      ]);
      const theirs = JSON.parse(p.stdout) as Record<string, number>;
      expect(theirs.evaluated_queries).toBe(want.evaluated_queries);
      const keys = Object.keys(theirs).filter((k) => k !== 'evaluated_queries');
      expect(keys).toHaveLength(5 * 7);
      for (const k of keys) {
        expect(ours[k], `${run} ${k}: gecko score vs the result file`).toBe(want[k]);
        expect(Math.abs(theirs[k]! - want[k]!), `${run} ${k}: independent scorer`).toBeLessThan(1e-12);
        compared++;
      }
    }
    expect(compared).toBe(runs.length * 35);
  }, 240_000);
});
