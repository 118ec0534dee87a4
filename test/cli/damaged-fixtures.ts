// Fixtures of issue 21 §1 for the failure table (failure-cases.ts): checkpoints, a stage folder
// and a run folder, each damaged one way (truncated, zeroed, NaN-filled), under <dir>/dmg/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRESETS } from '../../lib/config/presets';
import { LOCK_FILE } from '../../lib/core/lock';
import { saveCheckpoint } from '../../lib/encoder/checkpoint';
import { encoderConfigFrom } from '../../lib/encoder/config';
import { initParams, paramCount, paramSpecs } from '../../lib/encoder/params';
import { trainWordPiece } from '../../lib/encoder/wordpiece-train';
import { stageFiles } from '../../lib/pipeline/stages';

const DAMAGE = {
  truncated: (b: Buffer) => b.subarray(0, Math.floor(b.length / 2)),
  zeroed: (b: Buffer) => Buffer.alloc(b.length, 0),
  nan: (b: Buffer) => Buffer.alloc(b.length, 0xff), // 0xFFFFFFFF is a float32 NaN
};
const damage = (path: string, how: keyof typeof DAMAGE) => writeFileSync(path, DAMAGE[how](readFileSync(path)));

/**
 * Under <dir>/dmg/: ckpt-<file>-<how> checkpoints (one file damaged), ckpt-legacy-nan (no
 * checksums, NaN weights), ckpt-degenerate (all-zero weights, valid checksums), fret-<how>
 * (a finished FRet stage folder with fret-examples.jsonl damaged), fret-stagejson (its
 * stage.json cut), run-config (a run folder whose config.json is cut), locked (an output folder
 * locked by this live process).
 */
export function makeDamagedFixtures(dir: string): void {
  const root = join(dir, 'dmg');
  mkdirSync(root, { recursive: true });
  const texts = ['the cat sat on the mat', 'dogs chase cats in the park', 'stock prices fell sharply today'];
  const tok = trainWordPiece(texts, { vocabSize: 100, lowercase: true });
  const cfg = encoderConfigFrom(PRESETS.smoke.encoder, tok.vocabSize); // 32-d
  const ckpt = (name: string, params = initParams(cfg, 5)) => {
    const d = join(root, name);
    saveCheckpoint(d, { config: cfg, params, tokenizer: tok, meta: { stage: 'finetune', step: 2 } });
    return d;
  };
  for (const how of ['truncated', 'zeroed', 'nan'] as const)
    damage(join(ckpt(`ckpt-weights-${how}`), 'weights.bin'), how);
  for (const f of ['meta.json', 'tokenizer.json', 'encoder.json'])
    damage(join(ckpt(`ckpt-${f.split('.')[0]}-truncated`), f), 'truncated');
  const legacy = ckpt('ckpt-legacy-nan');
  const meta = JSON.parse(readFileSync(join(legacy, 'meta.json'), 'utf8'));
  delete meta.checksums; // as saved before checksums
  writeFileSync(join(legacy, 'meta.json'), JSON.stringify(meta));
  damage(join(legacy, 'weights.bin'), 'nan');
  ckpt('ckpt-degenerate', new Float32Array(paramCount(paramSpecs(cfg))));

  const finishedFret = (name: string) => {
    const d = join(root, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'fret.settings.json'), '{}\n');
    const rows = Array.from({ length: 40 }, (_, i) => ({
      task: 't',
      query: `q${i}`,
      positive: `p${i}`,
      negatives: [],
    }));
    writeFileSync(join(d, 'fret-examples.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(d, 'stage.json'), JSON.stringify({ stage: 'fret', files: stageFiles(d) }) + '\n');
    return d;
  };
  for (const how of ['truncated', 'zeroed', 'nan'] as const)
    damage(join(finishedFret(`fret-${how}`), 'fret-examples.jsonl'), how);
  damage(join(finishedFret('fret-stagejson'), 'stage.json'), 'truncated');

  const run = join(root, 'run-config');
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'config.json'), '{"preset": "smoke", "hash": "0123');
  const locked = join(root, 'locked');
  mkdirSync(locked, { recursive: true });
  writeFileSync(
    join(locked, LOCK_FILE),
    JSON.stringify({ pid: process.pid, command: 'gecko ablate', since: new Date().toISOString() }) + '\n',
  );
}
