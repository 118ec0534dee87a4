// An exported checkpoint embeds identically in PyTorch: `gecko embed` (TF.js) against
// scripts/torch_embed.py (plain torch, its own XLM-RoBERTa-XL implementation, its own
// safetensors parser). Token ids come from the workbench's tokenizer and are passed to the
// script, because Debian does not package the Python `tokenizers` (the point here is the weights
// and the architecture; the tokenizer.json itself is checked against @huggingface/tokenizers in
// test/encoder/tokenizer.test.ts). Needs a Python with torch (CI installs python3-torch).
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCheckpoint } from '../../lib/encoder/checkpoint';
import { exportCheckpoint } from '../../lib/export/export';
import { pythonWith, runAsync, tmpDir } from '../helpers';
import { FIXTURE_TEXTS, makeFixtureRun } from './fixture';

const ROOT = resolve(__dirname, '..', '..');
const python = await pythonWith('torch');

describe.skipIf(!python)('exported checkpoint in PyTorch', () => {
  it('matches gecko embed within 1e-4 (cosine >= 0.9999) on every text', async () => {
    const dir = tmpDir();
    const { ckptDir } = makeFixtureRun(dir);
    const out = join(dir, 'exported');
    exportCheckpoint(ckptDir, out, { progress: false });

    // the workbench's embeddings, through the command line
    const inPath = join(dir, 'texts.jsonl');
    writeFileSync(inPath, FIXTURE_TEXTS.map((text, i) => JSON.stringify({ id: String(i), text })).join('\n') + '\n');
    const vecPath = join(dir, 'gecko.jsonl');
    const g = await runAsync(
      process.execPath,
      [join(ROOT, 'bin', 'gecko.js'), 'embed', '--model', ckptDir, '--in', inPath, '--out', vecPath],
      { cwd: ROOT, env: { ...process.env, GECKO_PROGRESS: 'off' } },
    );
    expect(g.status, g.stderr).toBe(0);
    const ours = readFileSync(vecPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).vector as number[]);

    // PyTorch on the exported folder, with the same token ids
    const ck = loadCheckpoint(ckptDir);
    const ids = FIXTURE_TEXTS.map((t) => ck.tokenizer.encode(t, ck.config.maxLen));
    expect(Math.max(...FIXTURE_TEXTS.map((t) => ck.tokenizer.encode(t).length))).toBeGreaterThan(ck.config.maxLen);
    const idsPath = join(dir, 'ids.json');
    writeFileSync(idsPath, JSON.stringify(ids));
    const torchOut = join(dir, 'torch.json');
    const p = await runAsync(python!, [
      join(ROOT, 'scripts', 'torch_embed.py'),
      out,
      '--ids',
      idsPath,
      '--out',
      torchOut,
    ]);
    expect(p.status, p.stderr).toBe(0);
    const theirs = JSON.parse(readFileSync(torchOut, 'utf8')).vectors as number[][];

    expect(theirs.length).toBe(ours.length);
    let maxDiff = 0;
    theirs.forEach((v, i) => {
      const u = ours[i]!;
      expect(v.length).toBe(u.length);
      let dot = 0,
        nu = 0,
        nv = 0;
      for (let j = 0; j < u.length; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(u[j]! - v[j]!));
        dot += u[j]! * v[j]!;
        nu += u[j]! * u[j]!;
        nv += v[j]! * v[j]!;
      }
      expect(dot / Math.sqrt(nu * nv), `text ${i}`).toBeGreaterThanOrEqual(0.9999);
    });
    expect(maxDiff).toBeLessThan(1e-4);
    // the texts differ from each other, so agreement is not the trivial kind
    const cos01 = ours[0]!.reduce((s, x, j) => s + x * ours[2]![j]!, 0);
    expect(cos01).toBeLessThan(0.99);
    console.log(`torch parity: ${ours.length} texts, max |diff| ${maxDiff.toExponential(2)}`);
  });
});
