// Our result folders as mteb reads them: mteb's layout (<model>/<revision>/<Task>.json +
// model_meta.json), every MTEB task's file read and valid, the six non-MTEB tasks out of its
// way and marked, and every split or subset not scored listed with a reason. mteb itself is not
// installable here (pip's local store has no wheel), so the loader is the port in
// mteb-loader.ts, checked first on files mteb wrote (test/fixtures/mteb-2.20.0). Where a Python
// with mteb is named by GECKO_MTEB_PYTHON (or python3 has it), the last test loads the folder
// with mteb itself (scripts/mteb_load_check.py); CI installs no mteb, so it skips there.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DimScores } from '../../lib/eval/runners/context';
import {
  modelFolder,
  mtebModelName,
  NOT_MTEB_FOLDER,
  resultFiles,
  resultPath,
  toMtebResult,
  writeResult,
  type MtebResult,
} from '../../lib/eval/results';
import { MTEB_TASKS, mtebTask, type MtebTask } from '../../lib/eval/tasks/mteb';
import { TASKS } from '../../lib/eval/tasks/registry';
import { runAsync, tmpDir } from '../helpers';
import { missingEvaluations, mtebCachePaths, mtebModelOf, readPyJson, taskResultProblems } from './mteb-loader';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(__dirname, '..', 'fixtures', 'mteb-2.20.0', 'results');
const json = readPyJson;

/** ModelMeta's fields in mteb 2.20.0 (mteb/models/model_meta.py; extra="forbid"), plus the two to_dict() adds. */
const MODEL_META_FIELDS = new Set([
  'loader',
  'loader_kwargs',
  'name',
  'revision',
  'release_date',
  'languages',
  'n_parameters',
  'n_active_parameters_override',
  'n_embedding_parameters',
  'memory_usage_mb',
  'max_tokens',
  'embed_dim',
  'license',
  'open_weights',
  'public_training_code',
  'public_training_data',
  'framework',
  'reference',
  'similarity_fn_name',
  'use_instructions',
  'training_datasets',
  'adapted_from',
  'superseded_by',
  'modalities',
  'model_type',
  'citation',
  'contacts',
  'experiment_kwargs',
  'output_dtypes',
  'extra_requirements_groups',
  'is_cross_encoder', // to_dict() adds it; the _handle_legacy_is_cross_encoder validator takes it back
]);

/** Our table's view of a task as mteb's metadata (the port's input). */
function metaOf(task: string) {
  const m = mtebTask(task);
  if (!m.inMteb) throw new Error(`${task} is not an MTEB task`);
  return { evalSplits: m.evalSplits, subsets: Object.keys(m.subsets) };
}

describe('the loader port, on files mteb wrote', () => {
  it('reads <model>/<revision>/*.json beside model_meta.json, and finds nothing to refuse', () => {
    const paths = mtebCachePaths(FIXTURE);
    expect(paths.map((p) => basename(p))).toEqual(['Banking77Classification.json', 'NanoArguAnaRetrieval.json']);
    expect(mtebModelOf(dirname(paths[0]!))).toEqual({
      name: 'mteb/baseline-random-encoder',
      revision: '1',
      experiment: null,
    });
    for (const p of paths) expect(taskResultProblems(json(p)), p).toEqual([]);
    for (const k of Object.keys(json(join(dirname(paths[0]!), 'model_meta.json'))))
      expect(MODEL_META_FIELDS.has(k), k).toBe(true);
  });

  it("agrees with our table on a task both have: mteb's Banking77 file covers test/default", () => {
    const r = json(join(FIXTURE, 'mteb__baseline-random-encoder', '1', 'Banking77Classification.json'));
    expect(missingEvaluations(r.scores as MtebResult['scores'], metaOf('Banking77Classification'))).toEqual({});
    expect(r.dataset_revision).toBe(
      (MTEB_TASKS.Banking77Classification as { hfDataset: { revision: string } }).hfDataset.revision,
    );
  });

  it('sees a broken file as mteb would', () => {
    expect(
      taskResultProblems({
        ...json(join(FIXTURE, 'mteb__baseline-random-encoder', '1', 'Banking77Classification.json')),
        mteb_version: '1.10.0',
      }),
    ).toEqual(['mteb_version 1.10.0 < 1.11.0: read as a pre-1.11 file']);
    expect(
      taskResultProblems({
        mteb_version: '2.20.0',
        dataset_revision: 'x',
        task_name: 'T',
        evaluation_time: 1,
        scores: { test: [{ main_score: 1, languages: [] }] },
      }),
    ).toEqual(['hf_subset should be in scores and should be a string']);
  });
});

describe('our result folder, as mteb reads it', () => {
  const out = tmpDir('gecko-mteb-');
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const written: string[] = [];
  const ds = (dim: number | null): DimScores => ({ dim, main_score: 0.5, scores: { some_metric: 0.5 } });
  const evalConfig = { maxQueries: 30, maxCorpus: 300, maxTrain: 200, maxTest: 100, seed: 1 };
  beforeAll(() => {
    for (const task of TASKS) {
      for (const dim of [64, 16])
        written.push(writeResult(out, toMtebResult(task, 'ckpt:0123456789ab', ds(dim), 1.5, evalConfig)));
      if (task.type === 'Retrieval' || task.type === 'Reranking')
        written.push(writeResult(out, toMtebResult(task, 'bm25', ds(null), 0.5, evalConfig)));
    }
  });
  const inMteb = TASKS.filter((t) => mtebTask(t.name).inMteb).map((t) => t.name);

  it('every task of the registry has an entry in the mteb table: 11 MTEB tasks and the 6 that are not', () => {
    for (const t of TASKS) expect(() => mtebTask(t.name)).not.toThrow();
    expect(inMteb).toHaveLength(11);
    expect(
      TASKS.filter((t) => !mtebTask(t.name).inMteb)
        .map((t) => t.name)
        .sort(),
    ).toEqual(['AGNewsClustering', 'BBCNewsClustering', 'CISI', 'Cranfield', 'MRPC', 'SciFactReranking']);
  });

  it("mteb's loader reads every MTEB task's file, and none of the others", () => {
    const read = mtebCachePaths(out);
    const expected = written.filter((p) => !p.includes(`/${NOT_MTEB_FOLDER}/`)).sort();
    expect(read).toEqual(expected);
    expect(read).toHaveLength(11 * 2 + 1); // 11 tasks at d64 and d16, and SciFact for BM25
    expect(new Set(read.map((p) => basename(p, '.json')))).toEqual(new Set(inMteb));
    // the others lie one folder down, where its glob does not reach, and say why
    for (const p of written.filter((x) => !read.includes(x))) {
      expect(basename(dirname(p))).toBe(NOT_MTEB_FOLDER);
      expect((json(p) as unknown as MtebResult).mteb_coverage).toMatchObject({
        in_mteb: false,
        why: expect.stringMatching(/not an MTEB task.*skip/),
      });
    }
    // and our own reader still finds all of them
    expect(resultFiles(out).sort()).toEqual([...written].sort());
  });

  it('each file mteb reads loads as a current-format TaskResult', () => {
    for (const p of mtebCachePaths(out)) expect(taskResultProblems(json(p), '2.20'), p).toEqual([]);
    for (const p of mtebCachePaths(out)) expect(taskResultProblems(json(p), '1.14'), p).toEqual([]);
  });

  it("model_meta.json: mteb's ModelMeta keys only, its name matching the model folder and its revision the folder below", () => {
    const models = readdirSync(out).sort();
    expect(models).toEqual([modelFolder('bm25'), modelFolder('ckpt:0123456789ab')].sort());
    expect(modelFolder('ckpt:0123456789ab')).toBe('gecko-workbench__ckpt_0123456789ab');
    const fixtureKeys = Object.keys(json(join(FIXTURE, 'mteb__baseline-random-encoder', '1', 'model_meta.json')));
    for (const m of models)
      for (const rev of readdirSync(join(out, m)).filter((d) => statSync(join(out, m, d)).isDirectory())) {
        const meta = json(join(out, m, rev, 'model_meta.json'));
        for (const k of Object.keys(meta)) expect(MODEL_META_FIELDS.has(k), `${m}/${rev}: ${k}`).toBe(true);
        for (const k of fixtureKeys) expect(k in meta, `${m}/${rev} lacks ${k}`).toBe(true);
        const { name, revision, experiment } = mtebModelOf(join(out, m, rev));
        expect(name).toMatch(/^[^/]+\/[^/]+$/); // ModelMeta: 'organization/model_name'
        expect(name.replace('/', '__')).toBe(m); // ResultCache's folder for that name
        expect(revision).toBe(rev);
        expect(experiment).toBeNull(); // else ResultCache.load_results skips it as an experiment
        expect(meta.embed_dim).toBe(rev === 'lexical' ? null : Number(rev.slice(1)));
      }
    expect(mtebModelName('bm25')).toBe('gecko-workbench/bm25');
  });

  it("lists every split and subset mteb has; what is not scored is what mteb's validation misses, with a reason", () => {
    for (const p of mtebCachePaths(out)) {
      const r = json(p) as unknown as MtebResult;
      const cov = r.mteb_coverage;
      if (!cov.in_mteb) throw new Error(`${p}: an MTEB task's file says in_mteb false`);
      const meta = metaOf(r.task_name);
      expect(cov.eval_splits).toEqual(meta.evalSplits);
      expect(cov.hf_subsets).toEqual(meta.subsets);
      // mteb 2.20.0 fills exactly these with NaN; 1.14.17 refuses the file when any is missing
      expect(cov.not_scored, r.task_name).toEqual(missingEvaluations(r.scores, meta));
      const missing1_14 = cov.eval_splits_mteb_1_14
        ? missingEvaluations(r.scores, { evalSplits: cov.eval_splits_mteb_1_14, subsets: meta.subsets })
        : cov.not_scored;
      if (Object.keys(cov.not_scored).length || Object.keys(missing1_14).length)
        expect(cov.why, r.task_name).toMatch(/\w/);
      // the scored subset carries mteb's language codes for it
      const [split, [subset]] = Object.entries(cov.scored)[0]! as [string, string[]];
      expect(r.scores[split]![0]).toMatchObject({
        hf_subset: subset,
        languages: (mtebTask(r.task_name) as MtebTask).subsets[subset!],
      });
    }
    const amazon = json(
      resultPath(out, 'ckpt:0123456789ab', 64, 'AmazonCounterfactualClassification'),
    ) as unknown as MtebResult;
    expect(amazon.scores.test![0]).toMatchObject({ hf_subset: 'en', languages: ['eng-Latn'] });
    expect(amazon.mteb_coverage).toMatchObject({
      not_scored: { validation: ['en-ext', 'en', 'de', 'ja'], test: ['en-ext', 'de', 'ja'] },
    });
  });

  it('which files mteb 1.14.17 would refuse, and that each says why', () => {
    const refused = mtebCachePaths(out)
      .map((p) => json(p) as unknown as MtebResult)
      .filter((r) => {
        const cov = r.mteb_coverage as Extract<MtebResult['mteb_coverage'], { in_mteb: true }>;
        const splits = cov.eval_splits_mteb_1_14 ?? cov.eval_splits;
        return Object.keys(missingEvaluations(r.scores, { evalSplits: splits, subsets: cov.hf_subsets })).length > 0;
      });
    expect([...new Set(refused.map((r) => r.task_name))].sort()).toEqual([
      'AmazonCounterfactualClassification',
      'SciFact',
    ]);
    for (const r of refused) expect((r.mteb_coverage as { why?: string }).why).toMatch(/\w/);
  });

  it('mteb itself (where installed) loads every MTEB task, skips the rest, and accepts model_meta.json', async (ctx) => {
    const candidates = [process.env.GECKO_MTEB_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
    const script = join(ROOT, 'scripts', 'mteb_load_check.py');
    let py: string | undefined;
    for (const c of candidates)
      if ((await runAsync(c, [script, '--probe'])).status === 0) {
        py = c;
        break;
      }
    if (!py)
      return ctx.skip(`no Python with mteb (tried ${candidates.join(', ')}; pip's local store has no mteb wheel)`);
    const r = await runAsync(py, [script, out]);
    expect(r.status, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout) as {
      result_cache: {
        name: string;
        revision: string;
        tasks: Record<string, { validated: boolean; nan_filled: Record<string, string[]> }>;
      }[];
      model_meta: Record<string, { valid: boolean; error?: string }>;
      load_results: { name: string; revision: string; tasks: string[] }[];
    };
    expect(seen.result_cache.map((m) => `${m.name}@${m.revision}`)).toEqual([
      'gecko-workbench/bm25@lexical',
      'gecko-workbench/ckpt_0123456789ab@d16',
      'gecko-workbench/ckpt_0123456789ab@d64',
    ]);
    for (const m of seen.result_cache) {
      const expected = m.revision === 'lexical' ? ['SciFact'] : inMteb;
      expect(Object.keys(m.tasks).sort()).toEqual([...expected].sort());
      for (const [task, t] of Object.entries(m.tasks)) {
        expect(t.validated, task).toBe(true);
        const cov = mtebCoverageOf(task);
        expect(normalise(t.nan_filled), task).toEqual(normalise(cov));
      }
    }
    for (const [file, v] of Object.entries(seen.model_meta))
      expect(v, `${file}: ${v.error}`).toMatchObject({ valid: true });
    expect(Object.keys(seen.model_meta)).toHaveLength(3);
    expect(seen.load_results.map((m) => m.tasks.length)).toEqual([1, 11, 11]); // the deprecated loader keeps them all too
  }, 600_000); // importing mteb imports torch
});

/** The not_scored listing our files give for a task (mteb 2.20.0 fills exactly these with NaN). */
function mtebCoverageOf(task: string): Record<string, string[]> {
  const m = mtebTask(task);
  if (!m.inMteb) return {};
  return missingEvaluations({ [m.scored.split]: [{ hf_subset: m.scored.subset }] }, metaOf(task));
}

const normalise = (x: Record<string, string[]>) =>
  Object.fromEntries(
    Object.entries(x)
      .map(([k, v]) => [k, [...v].sort()])
      .sort(),
  );
