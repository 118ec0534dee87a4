// `gecko score` and `gecko mixture` run from the command line (node bin/gecko.js) on tiny files
// with answers worked out by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { have, runAsync, SHARED_DATA, tmpDir } from '../helpers';

const ROOT = join(__dirname, '..', '..');
// Asynchronous: a blocking spawnSync would starve the worker's RPC on a loaded machine (test/helpers.ts runAsync).
// A test that runs the CLI twice gets TWICE: each call may take up to CALL, and a loaded machine only slows them.
const CALL = 150_000;
const TWICE = 2 * CALL + 30_000;
const gecko = (args: string[]) =>
  runAsync('node', [join(ROOT, 'bin', 'gecko.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, GECKO_PROGRESS: 'off' },
    timeoutMs: CALL,
  });

describe('gecko score (command line)', { timeout: TWICE }, () => {
  it('retrieval: nDCG@10 and MRR@10 of a TREC run against BEIR qrels', async () => {
    const dir = tmpDir('gecko-score-');
    writeFileSync(join(dir, 'qrels.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t1\n');
    // q1 finds d1 second; q2 finds d3 first
    writeFileSync(join(dir, 'run.trec'), 'q1 Q0 d2 1 0.9 t\nq1 Q0 d1 2 0.8 t\nq2 Q0 d3 1 0.7 t\nq2 Q0 d1 2 0.1 t\n');
    const r = await gecko(['score', 'retrieval', '--qrels', join(dir, 'qrels.tsv'), '--run', join(dir, 'run.trec')]);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, number>;
    expect(s.ndcg_at_10).toBeCloseTo((1 / Math.log2(3) + 1) / 2, 12);
    expect(s.mrr_at_10).toBeCloseTo(0.75, 12);
    expect(s.main_score).toBe(s.ndcg_at_10);
  });

  it('sts: Spearman of predictions against gold (a reversed order gives -1)', async () => {
    const dir = tmpDir('gecko-score-');
    writeFileSync(join(dir, 'sts.tsv'), 'gold\tpredicted\n5\t0.1\n3\t0.4\n1\t0.9\n0\t0.95\n');
    const r = await gecko(['score', 'sts', '--file', join(dir, 'sts.tsv')]);
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Record<string, number>).spearman).toBeCloseTo(-1, 12);
  });

  it('a missing flag is a usage error (exit 2) naming what is needed', async () => {
    const r = await gecko(['score', 'retrieval', '--qrels', 'x.tsv']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/needs --qrels and --run/);
  });
});

describe('gecko mixture (command line)', { timeout: TWICE }, () => {
  it('builds a FRet-only mixture in the unified format and reports it', async () => {
    const dir = tmpDir('gecko-mixture-');
    const fret = join(dir, 'fret-examples.jsonl');
    const ex = (i: number) => ({
      id: `fret-${i}`,
      source: 'fret',
      symmetric: false,
      task: 'Given a query, find a passage that answers it',
      query: `query ${i}`,
      positive: { title: `t${i}`, text: `positive ${i}` },
      negatives: [{ text: `negative ${i}` }],
    });
    writeFileSync(fret, [0, 1, 2, 3].map((i) => JSON.stringify(ex(i))).join('\n') + '\n');
    const out = join(dir, 'out');
    const zero = ['squad', 'nli', 'multinli', 'sts', 'banking77'].flatMap((k) => ['--set', `finetune.mixture.${k}=0`]);
    const r = await gecko(['mixture', '--fret', fret, '--out', out, '--preset', 'smoke', ...zero]);
    expect(r.status, r.stderr).toBe(0);
    const rows = readFileSync(join(out, 'mixture.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { query: string; source: string });
    expect(rows.map((x) => x.query).sort()).toEqual(['query 0', 'query 1', 'query 2', 'query 3']);
    const report = JSON.parse(readFileSync(join(out, 'mixture.report.json'), 'utf8')) as {
      taken: Record<string, number>;
    };
    expect(report.taken).toEqual({ fret: 4 });
  });

  it('an unknown mixture source is refused with the key and the known sources', async () => {
    const dir = tmpDir('gecko-mixture-');
    const r = await gecko([
      'mixture',
      '--out',
      join(dir, 'o'),
      '--preset',
      'smoke',
      '--set',
      'finetune.mixture.bogus=1',
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/finetune\.mixture\.bogus[\s\S]*known sources/);
  });

  it.skipIf(!have(join(SHARED_DATA, 'sts12'), 'shared data (sts12)'))(
    'the leak guard: a training text found in a test set is refused (exit 1, nothing written), or dropped when told',
    async () => {
      const dir = tmpDir('gecko-mixture-');
      const fret = join(dir, 'fret-examples.jsonl');
      const ex = (i: number, query: string) => ({
        id: `fret-${i}`,
        source: 'fret',
        symmetric: false,
        task: 'Given a query, find a passage that answers it',
        query,
        positive: { text: `positive ${i}` },
        negatives: [],
      });
      // "A woman is riding a horse." is a sentence of the STS12 test set
      const rows = [ex(0, 'query 0'), ex(1, 'A woman is riding a horse.'), ex(2, 'query 2')];
      writeFileSync(fret, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      const zero = ['squad', 'nli', 'multinli', 'sts', 'banking77'].flatMap((k) => [
        '--set',
        `finetune.mixture.${k}=0`,
      ]);
      const out = join(dir, 'out');
      const refused = await gecko(['mixture', '--fret', fret, '--out', out, '--preset', 'smoke', ...zero]);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/leak guard[\s\S]*STS12: 1 of [\d,]+ test texts in 1 training items \(fret 1\)/);
      expect(refused.stderr).toMatch(/fix: .*--set data\.leakGuard=drop/);
      expect(existsSync(out)).toBe(false);
      const dropped = await gecko([
        'mixture',
        '--fret',
        fret,
        '--out',
        out,
        '--preset',
        'smoke',
        ...zero,
        '--set',
        'data.leakGuard=drop',
      ]);
      expect(dropped.status, dropped.stderr).toBe(0);
      const report = JSON.parse(readFileSync(join(out, 'mixture.report.json'), 'utf8')) as {
        taken: Record<string, number>;
        leak: { what: string; dropped: number; overlaps: { task: string }[] }[];
      };
      expect(report.taken).toEqual({ fret: 2 });
      expect(report.leak[0]).toMatchObject({ what: "the mixture source 'fret'", dropped: 1 });
      expect(report.leak[0]!.overlaps.map((o) => o.task)).toContain('STS12');
    },
  );
});

describe.skipIf(!have(join(SHARED_DATA, 'sick'), 'shared data (sick)'))('gecko leaks (command line)', () => {
  it(
    "reports the preset clean (exit 0) and SICK train/trial as SICK-R's test sentences (exit 1)",
    async () => {
      const clean = await gecko(['leaks', '--preset', 'smoke']);
      expect(clean.status, clean.stderr).toBe(0);
      expect(clean.stdout).toMatch(/the pretraining text: [\d,]+ items, 0 share a test text/);
      const nli = await gecko(['leaks', '--preset', 'smoke', '--set', 'finetune.mixture.nli=0.1']);
      expect(nli.status).toBe(1);
      expect(nli.stdout).toMatch(/the mixture source 'nli': [\d,]+ items, [\d,]+ share a test text\n {2}SICK-R: /);
      expect(nli.stderr).toMatch(/a run of this config would be refused/);
    },
    TWICE,
  );
});
