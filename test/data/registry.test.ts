// The registry against the shared copies (sha256, row counts), the 20/80 hold-out split and the leak guard.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertTrainingSplit, DATASET_NAMES, DATASETS, getDataset, getSplit, isEvaluationSplit, trainingSplits,
} from '../../lib/data/registry';
import { holdoutSplitOf, holdoutSplitsByText } from '../../lib/data/split';
import { allDatasetStatus, countRows } from '../../lib/data/status';
import { have, SHARED_DATA } from '../helpers';

describe('registry', () => {
  it('declares the nineteen data sets', () => {
    expect([...DATASET_NAMES].sort()).toEqual(['ag_news', 'amazon_counterfactual', 'banking77', 'bbc_news', 'biosses', 'cisi', 'cranfield',
      'mrpc', 'multinli', 'scifact', 'sick', 'snli', 'squad_v1.1_dev', 'sts12', 'sts13', 'sts14', 'sts15', 'sts16', 'stsbenchmark']);
    for (const d of Object.values(DATASETS)) {
      expect(d.splits.length).toBeGreaterThan(0);
      expect(d.license).not.toBe('');
      expect(d.citation).not.toBe('');
      for (const f of d.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it.runIf(have(join(SHARED_DATA, 'scifact'), 'shared data sets'))('every file of the shared copy has the declared sha256 and SOURCE.md row count', () => {
    for (const d of Object.values(DATASETS)) {
      for (const f of d.files) {
        const bytes = readFileSync(join(SHARED_DATA, d.name, f.path));
        expect(`${d.name}/${f.path} ${createHash('sha256').update(bytes).digest('hex')}`).toBe(`${d.name}/${f.path} ${f.sha256}`);
      }
    }
    const bad = allDatasetStatus(SHARED_DATA).filter((s) => s.state !== 'available');
    expect(bad.map((s) => [s.name, s.state, s.files.filter((f) => f.rows !== f.expectedRows)])).toEqual([]);
  });

  it('countRows by format', () => {
    expect(countRows('a,"x\ny"\nb,c\n', 'csv')).toBe(2);
    expect(countRows('h1\th2\r\n1\t2\r\n3\t4', 'tsv-header')).toBe(2);
    expect(countRows('.I 1\n.W\nx\n.I 2\n.W\n', 'smart')).toBe(2);
    expect(countRows('{"data":[{"paragraphs":[{"qas":[1,2]},{"qas":[3]}]}]}', 'squad')).toBe(3);
    expect(countRows('anything', 'text')).toBeNull();
  });

  it('unknown names list the known ones', () => {
    expect(() => getDataset('msmarco')).toThrow(/unknown data set 'msmarco'[\s\S]*known data sets: scifact, cranfield/);
    expect(() => getSplit('sick', 'dev')).toThrow(/no split 'dev'[\s\S]*splits of sick: train, trial, test/);
  });
});

describe('evaluation splits and the leak guard', () => {
  it('marks the agreed evaluation splits', () => {
    const evalSplits = DATASET_NAMES.flatMap((d) => getDataset(d).splits.filter((s) => s.evaluation).map((s) => `${d}/${s.name}`));
    expect(evalSplits.sort()).toEqual([
      'ag_news/cluster', 'amazon_counterfactual/test', 'amazon_counterfactual/valid', 'banking77/test', 'bbc_news/cluster',
      'biosses/test', 'cisi/test', 'cranfield/test', 'mrpc/test', 'scifact/test', 'sick/test', 'snli/test',
      'sts12/test', 'sts13/test', 'sts14/test', 'sts15/test', 'sts16/test', 'stsbenchmark/dev', 'stsbenchmark/test',
    ]);
    expect(isEvaluationSplit('sick', 'train')).toBe(false);
    expect(trainingSplits()).toContainEqual({ dataset: 'squad_v1.1_dev', split: 'dev' });
  });

  it('assertTrainingSplit passes training splits and throws on evaluation splits with a fix', () => {
    expect(() => assertTrainingSplit('banking77', 'train')).not.toThrow();
    expect(() => assertTrainingSplit('sick', 'trial')).not.toThrow();
    expect(() => assertTrainingSplit('bbc_news', 'corpus')).not.toThrow();
    expect(() => assertTrainingSplit('banking77', 'test')).toThrow(
      /leak guard: 'banking77' split 'test' is an EVALUATION split[\s\S]*fix: use a training split of banking77: train/);
    expect(() => assertTrainingSplit('cranfield', 'test')).toThrow(/fix: cranfield is evaluation-only/);
    expect(() => assertTrainingSplit('ag_news', 'cluster')).toThrow(/EVALUATION split/);
    expect(() => assertTrainingSplit('mrpc', 'dev')).toThrow(/no split 'dev'/);
  });
});

describe('hold-out split (cluster 20% / corpus 80%)', () => {
  const ids = Array.from({ length: 20000 }, (_, i) => `ag_news/${i + 1}`);

  it('is deterministic, near 20/80 and disjoint', () => {
    const a = ids.map((id) => holdoutSplitOf('ag_news', id));
    expect(ids.map((id) => holdoutSplitOf('ag_news', id))).toEqual(a);
    const share = a.filter((s) => s === 'cluster').length / ids.length;
    expect(Math.abs(share - 0.2)).toBeLessThan(0.01);
    expect(new Set(a)).toEqual(new Set(['cluster', 'corpus']));
  });

  it('depends on the data set name and the hash, not on row order', () => {
    // recomputed from its definition (the first 32 bits of sha256('<data set>:<row id>') below 0.2), and pinned:
    // a changed hash would silently move rows between the evaluation and the training split
    const ref = (d: string, id: string) =>
      parseInt(createHash('sha256').update(`${d}:${id}`).digest('hex').slice(0, 8), 16) / 2 ** 32 < 0.2 ? 'cluster' : 'corpus';
    for (const id of ids.slice(0, 2000)) expect(holdoutSplitOf('ag_news', id), id).toBe(ref('ag_news', id));
    expect(['ag_news/1', 'ag_news/2', 'ag_news/3'].map((id) => holdoutSplitOf('ag_news', id))).toEqual(['corpus', 'cluster', 'corpus']);
    expect(holdoutSplitOf('bbc_news', 'business/001')).toBe('corpus');
    // the split held by text does not depend on the order of the rows either
    const rows = ids.slice(0, 500).map((id, i) => ({ id, text: `text ${i % 450}` })); // 50 texts filed twice
    expect(holdoutSplitsByText('ag_news', [...rows].reverse())).toEqual(holdoutSplitsByText('ag_news', rows));
    const differs = ids.slice(0, 1000).filter((id) => holdoutSplitOf('ag_news', id) !== holdoutSplitOf('bbc_news', id)).length;
    expect(differs).toBeGreaterThan(100);
  });

  it('matches the registry counts on the real rows (AG News 1,473 / 6,127 by id, 6,121 by text)', () => {
    const ag = Array.from({ length: 7600 }, (_, i) => holdoutSplitOf('ag_news', `ag_news/${i + 1}`));
    expect(ag.filter((s) => s === 'cluster').length).toBe(getSplit('ag_news', 'cluster').rows);
    // the corpus split is held by text too: 6 of the 6,127 rows the id puts there share a held-out text
    expect(ag.filter((s) => s === 'corpus').length - 6).toBe(getSplit('ag_news', 'corpus').rows);
  });
});
