// Every loader on the real shared files, against the row counts in each SOURCE.md.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tsvRows } from '../../lib/data/parse';
import {
  decodeAgNewsText, loadBeir, loadClassification, readAgNews, readBbc, loadPairClassification, loadSickNli, loadSquad, loadSts,
} from '../../lib/data/loaders';
import { loadPassages } from '../../lib/data/passages';
import { have, SHARED_DATA } from '../helpers';

const opts = { dataDir: SHARED_DATA };
const pairs = (q: Record<string, Record<string, number>>) => Object.values(q).reduce((n, d) => n + Object.keys(d).length, 0);

describe.runIf(have(join(SHARED_DATA, 'scifact'), 'shared data sets'))('loaders on the shared data', () => {
  it('loadBeir: SciFact test 5,183 docs / 300 queries / 339 qrels, train 809 / 919', () => {
    const test = loadBeir('scifact', 'test', opts);
    expect([test.corpus.length, test.queries.length, pairs(test.qrels)]).toEqual([5183, 300, 339]);
    const train = loadBeir('scifact', 'train', opts);
    expect([train.queries.length, pairs(train.qrels)]).toEqual([809, 919]);
    expect(test.corpus[0]).toMatchObject({ id: '4983', source: 'scifact' });
    expect(test.corpus[0]!.title).toMatch(/^Microstructural development/);
  });

  it('loadBeir: Cranfield 1,400 / 225 / 1,837 graded, with the two empty documents kept', () => {
    const c = loadBeir('cranfield', 'test', opts);
    expect([c.corpus.length, c.queries.length, pairs(c.qrels)]).toEqual([1400, 225, 1837]);
    expect(c.corpus.find((p) => p.id === '471')).toEqual({ id: '471', text: '', source: 'cranfield' });
    expect(c.qrels['1']!['184']).toBe(3);
    expect(new Set(Object.values(c.qrels).flatMap((d) => Object.values(d)))).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  it('loadBeir: CISI 1,460 docs, only the 76 judged of 112 queries, 3,114 qrels', () => {
    const c = loadBeir('cisi', 'test', opts);
    expect([c.corpus.length, c.queries.length, pairs(c.qrels)]).toEqual([1460, 76, 3114]);
  });

  it('loadSts: STS Benchmark 5,749 / 1,500 / 1,379 with 7- and 9-field lines; SICK SemEval 4,500 / 500 / 4,927', () => {
    expect(['train', 'dev', 'test'].map((s) => loadSts('stsbenchmark', s, opts).length)).toEqual([5749, 1500, 1379]);
    const nineFields = ['train', 'dev', 'test'].flatMap((s) => tsvRows(readFileSync(join(SHARED_DATA, 'stsbenchmark', `sts-${s}.csv`), 'utf8'), s))
      .filter((r) => r.fields.length === 9).length;
    expect(nineFields).toBe(503); // SOURCE.md: 503 lines carry two extra source fields
    expect(loadSts('stsbenchmark', 'train', opts)[0]).toEqual({ text1: 'A plane is taking off.', text2: 'An air plane is taking off.', score: 5 });
    expect(['train', 'trial', 'test'].map((s) => loadSts('sick', s, opts).length)).toEqual([4500, 500, 4927]);
    expect(loadSts('sick', 'train', opts)[0]!.score).toBe(4.5);
  });

  it('loadSickNli: labels are the three NLI classes', () => {
    const train = loadSickNli('train', opts);
    expect(train.length).toBe(4500);
    expect(train[0]).toEqual({
      premise: 'A group of kids is playing in a yard and an old man is standing in the background',
      hypothesis: 'A group of boys in a yard is playing and a man is standing in the background',
      label: 'NEUTRAL',
    });
    expect(new Set(train.map((p) => p.label))).toEqual(new Set(['ENTAILMENT', 'NEUTRAL', 'CONTRADICTION']));
  });

  it('loadClassification: Banking77 10,003 / 3,080 in 77 intents (quoted newlines parsed)', () => {
    const train = loadClassification('banking77', 'train', opts);
    expect(train.length).toBe(10003);
    expect(new Set(train.map((r) => r.label)).size).toBe(77);
    expect(train[0]).toEqual({ id: 'train-1', text: 'I am still waiting on my card?', label: 'card_arrival' });
    expect(train.some((r) => r.text.includes('\n'))).toBe(true);
    expect(loadClassification('banking77', 'test', opts).length).toBe(3080);
  });

  it('loadClassification: Amazon Counterfactual EN 4,018 (765 positive) / 335 (58) / 670 (131)', () => {
    const counts = ['train', 'valid', 'test'].map((s) => {
      const rows = loadClassification('amazon_counterfactual', s, opts);
      return [rows.length, rows.filter((r) => r.label === '1').length];
    });
    expect(counts).toEqual([[4018, 765], [335, 58], [670, 131]]);
  });

  it('loadClassification: AG News cluster + corpus + 6 excluded = 7,600 (1,900 per class), decoded', () => {
    const cluster = loadClassification('ag_news', 'cluster', opts);
    const corpus = loadClassification('ag_news', 'corpus', opts);
    // 6 corpus rows share their text or description with a held-out AG News or BBC News text (lib/data/split.ts)
    expect([cluster.length, corpus.length]).toEqual([1473, 6121]);
    const excluded = readAgNews(SHARED_DATA).filter((r) => r.split === 'excluded');
    expect(excluded.length).toBe(6);
    const all = [...cluster, ...corpus, ...excluded.map((r) => ({ id: r.id, text: `${r.title}. ${r.description}`, label: r.label }))];
    const clusterIds = new Set(cluster.map((r) => r.id));
    expect(corpus.filter((r) => clusterIds.has(r.id))).toEqual([]);
    expect(new Set(all.map((r) => r.id)).size).toBe(7600);
    for (const c of ['World', 'Sports', 'Business', 'Sci/Tech']) expect(all.filter((r) => r.label === c).length).toBe(1900);
    expect(all.some((r) => /#\d+;|\\/.test(r.text))).toBe(false);
    const row2 = all.find((r) => r.id === 'ag_news/2')!;
    expect(row2.text).toContain('A second team of rocketeers competing for the $10 million Ansari X Prize');
  });

  it('loadClassification: BBC News cluster + corpus + 66 excluded = 2,225 articles in the SOURCE.md class sizes', () => {
    const kept = [...loadClassification('bbc_news', 'cluster', opts), ...loadClassification('bbc_news', 'corpus', opts)];
    // 66 articles the id puts in the corpus share their text (28) or a paragraph with a held-out article
    expect(kept.length).toBe(2159);
    const all = readBbc(SHARED_DATA).map((a) => ({ id: a.id, text: a.text, label: a.category }));
    expect(all.length).toBe(2225);
    const sizes = Object.fromEntries(['business', 'entertainment', 'politics', 'sport', 'tech'].map((c) => [c, all.filter((r) => r.label === c).length]));
    expect(sizes).toEqual({ business: 510, entertainment: 386, politics: 417, sport: 511, tech: 401 });
    expect(all.find((r) => r.id === 'business/001')!.text).toMatch(/^Ad sales boost Time Warner profit\n\nQuarterly/);
  });

  it('loadPairClassification: MRPC 4,076 (2,753 positive) / 1,725 (1,147), BOM stripped', () => {
    const train = loadPairClassification('mrpc', 'train', opts);
    expect([train.length, train.filter((p) => p.label === 1).length]).toEqual([4076, 2753]);
    expect(train[0]!.id).toBe('702876-702977');
    expect(train[0]!.text1).toMatch(/^Amrozi accused his brother/);
    const test = loadPairClassification('mrpc', 'test', opts);
    expect([test.length, test.filter((p) => p.label === 1).length]).toEqual([1725, 1147]);
  });

  it('loadSquad: 10,570 questions on 2,067 paragraphs of 48 articles', () => {
    const qs = loadSquad(opts);
    expect(qs.length).toBe(10570);
    expect(new Set(qs.map((q) => q.context)).size).toBeLessThanOrEqual(2067);
    expect(new Set(qs.map((q) => q.title)).size).toBe(48);
    expect(qs[0]!.title).toBe('Super Bowl 50');
    const q = qs[0]!;
    expect(q.context.slice(q.answers[0]!.answerStart, q.answers[0]!.answerStart + q.answers[0]!.text.length)).toBe(q.answers[0]!.text);
  });

  it('loadPassages: seed corpora with unique stable ids', () => {
    const bbc = loadPassages('bbc_news', opts);
    expect(bbc.length).toBe(7956); // paragraphs of the 1,711 'corpus' articles
    expect(bbc[0]).toMatchObject({ id: 'business/001#1', title: 'Ad sales boost Time Warner profit', source: 'bbc_news' });
    expect(bbc[0]!.text).toMatch(/^Quarterly profits at US media giant TimeWarner/);
    expect(bbc.every((p) => p.text !== '' && !p.text.includes('\n'))).toBe(true);
    const ag = loadPassages('ag_news', opts);
    expect(ag.length).toBe(6121);
    expect(ag[0]).toEqual({ id: 'ag_news/1', title: 'Fears for T N pension after talks', source: 'ag_news',
      text: "Unions representing workers at Turner Newall say they are 'disappointed' after talks with stricken parent firm Federal Mogul." });
    const squad = loadPassages('squad_v1.1_dev', opts);
    expect(squad.length).toBe(2067);
    expect(squad[0]).toMatchObject({ id: 'squad/0/0', title: 'Super Bowl 50', source: 'squad_v1.1_dev' });
    for (const ps of [bbc, ag, squad]) expect(new Set(ps.map((p) => p.id)).size).toBe(ps.length);
    expect(loadPassages('bbc_news', opts).map((p) => p.id)).toEqual(bbc.map((p) => p.id));
  });

  it('loadPassages refuses evaluation collections and evaluation splits', () => {
    expect(() => loadPassages('scifact', opts)).toThrow(/'scifact' is not a seed corpus: it is an evaluation collection/);
    expect(() => loadPassages('ag_news', { ...opts, split: 'cluster' })).toThrow(/leak guard: 'ag_news' split 'cluster' is an EVALUATION split/);
  });
});

describe('decodeAgNewsText', () => {
  it('decodes dollar escapes, line-break backslashes and numeric entities', () => {
    expect(decodeAgNewsText('the  #36;10 million\\prize')).toBe('the $10 million prize');
    expect(decodeAgNewsText('Mills Grabs \\$1B')).toBe('Mills Grabs $1B');
    expect(decodeAgNewsText('it#39;s a \\\\new day #151; ok')).toBe("it's a new day \u2014 ok");
    expect(decodeAgNewsText('Inc. &lt;TXN.N&gt; &amp; co')).toBe('Inc. <TXN.N> & co');
  });
});
