// The main job end to end on the smoke preset: every stage runs, result files, plots and
// the experiments.md entry are written, and a second call resumes from the run folder.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/core/log';
import { prependEntry } from '../../lib/pipeline/experiments-log';
import { CONTROL, runDemo } from '../../lib/pipeline/demo';
import { have, SHARED_DATA, tmpDir } from '../helpers';

describe('prependEntry', () => {
  it('puts the newest entry first, below the header', () => {
    const p = join(tmpDir(), 'experiments.md');
    writeFileSync(p, '# Experiments\n\nintro\n\n## old\nold body\n');
    prependEntry(p, '## new\nnew body');
    expect(readFileSync(p, 'utf8')).toBe('# Experiments\n\nintro\n\n## new\nnew body\n\n## old\nold body\n');
  });
});

describe('runDemo (smoke preset)', () => {
  it.skipIf(!have(join(SHARED_DATA, 'scifact'), 'shared data'))(
    'runs every stage, writes results, plots and a log entry, and resumes',
    async () => {
      const dir = join(tmpDir(), 'run');
      const log = join(tmpDir(), 'experiments.md');
      const r = await runDemo({ preset: 'smoke', dir, experimentsPath: log, log: silentLogger, command: 'test' });
      expect(r.fret.records).toBeGreaterThan(0);
      expect(r.fret.standIn).toBe(true);
      const models = new Set(r.rows.map((x) => x.model));
      expect(models).toEqual(new Set(['pre-finetuned', 'fine-tuned', CONTROL, 'BM25']));
      expect(
        r.rows.some((x) => x.model === 'fine-tuned' && x.task === 'SciFact' && x.dim === 32 && x.main_score !== null),
      ).toBe(true);
      for (const name of [
        'score-bars',
        'score-by-dimension',
        'fret-rank-agreement',
        'fret-positive-ranks',
        'loss-finetune',
        'projection-fine-tuned',
      ]) {
        expect(existsSync(join(dir, 'plots', `${name}.png`)), name).toBe(true);
      }
      const entry = readFileSync(log, 'utf8');
      expect(entry).toMatch(/^## \d{4}-\d\d-\d\d: demo run \(smoke preset, offline teacher\)/m);
      expect(entry).toContain('a stand-in, not an LLM');
      expect(entry).toMatch(/^CPU: .+, \d+ cores, widest SIMD (AVX-512|AVX2|AVX|SSE4\.2|unknown) /m);
      expect(entry).toMatch(/\| SciFact \| ndcg_at_10 \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|/);
      // the Matryoshka control: its own fine-tuning stage, scored at every size, and the effect line from those scores
      expect(r.seconds['fine-tuning without Matryoshka (control)']).toBeGreaterThan(0);
      expect(r.rows.some((x) => x.model === CONTROL && x.dim === 16 && x.main_score !== null)).toBe(true);
      expect(entry).toMatch(
        /from d32 to d16 the fine-tuned model loses -?[0-9.]+ of its mean .* without Matryoshka loses -?[0-9.]+ and -?[0-9.]+\./,
      );
      // Resume: the finished stages are read back, the scores are the same.
      const again = await runDemo({ preset: 'smoke', dir, experimentsPath: null, log: silentLogger });
      expect(again.rows).toEqual(r.rows);
    },
    // every stage of the smoke preset in this process, then a resume: it took 121.7 s in a loaded
    // full suite (over the 120 s default); a loaded machine must only make it slower, never fail it
    900_000,
  );
});
