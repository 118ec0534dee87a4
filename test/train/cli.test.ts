// The smoke cycle through the command line: gecko pretrain -> train (prefinetune, finetune) -> embed.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { have, runAsync, SHARED_DATA, tmpDir } from '../helpers';

const ROOT = resolve(__dirname, '..', '..');
// Asynchronous: a blocking spawnSync would starve the worker's RPC on a loaded machine (test/helpers.ts runAsync).
// Each call is killed after CALL; the cycle (four calls) may take 4 CALLs, as a loaded machine only slows it.
const CALL = 140_000;
async function gecko(args: string[], env: Record<string, string> = {}) {
  const r = await runAsync(process.execPath, [join(ROOT, 'bin', 'gecko.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, GECKO_DATA_DIR: SHARED_DATA, GECKO_PROGRESS: 'off', ...env },
    timeoutMs: CALL,
  });
  return { out: r.stdout, err: r.stderr, status: r.status };
}

describe('gecko pretrain / train / embed (smoke preset)', () => {
  it.skipIf(!have(join(SHARED_DATA, 'ag_news'), 'AG News') || !have(join(SHARED_DATA, 'bbc_news'), 'BBC News'))(
    'runs the cycle and writes vectors',
    async () => {
      const dir = tmpDir();
      const pre = await gecko(['pretrain', '--preset', 'smoke', '--out', join(dir, 'pre')]);
      expect(pre.status, pre.err).toBe(0);
      expect(pre.out.trim()).toBe(join(dir, 'pre', 'ckpt'));
      const pft = await gecko([
        'train',
        '--stage',
        'prefinetune',
        '--preset',
        'smoke',
        '--init',
        join(dir, 'pre', 'ckpt'),
        '--out',
        join(dir, 'pft'),
      ]);
      expect(pft.status, pft.err).toBe(0);
      const data = join(dir, 'pairs.jsonl');
      writeFileSync(
        data,
        Array.from({ length: 20 }, (_, i) =>
          JSON.stringify({
            query: `question ${i} about topic ${i % 4}`,
            positive: { title: `t${i}`, text: `passage ${i} on topic ${i % 4}` },
            negatives: [{ text: `passage ${(i + 1) % 20}` }],
          }),
        ).join('\n'),
      );
      const ft = await gecko([
        'train',
        '--stage',
        'finetune',
        '--preset',
        'smoke',
        '--init',
        join(dir, 'pft', 'ckpt'),
        '--data',
        data,
        '--out',
        join(dir, 'ft'),
      ]);
      expect(ft.status, ft.err).toBe(0);
      const metrics = readFileSync(join(dir, 'ft', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(metrics.filter((m) => m.loss !== undefined)).toHaveLength(10);
      writeFileSync(join(dir, 'in.txt'), 'first text\nsecond text\n');
      const emb = await gecko([
        'embed',
        '--model',
        join(dir, 'ft', 'ckpt'),
        '--in',
        join(dir, 'in.txt'),
        '--out',
        join(dir, 'v.jsonl'),
        '--dim',
        '16',
        '--role',
        'passage',
      ]);
      expect(emb.status, emb.err).toBe(0);
      const rows = readFileSync(join(dir, 'v.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(rows.map((r) => r.id)).toEqual(['1', '2']);
      expect(Math.hypot(...rows[0].vector)).toBeCloseTo(1, 5);
      expect(rows[0].vector).toHaveLength(16);
    },
    4 * CALL + 40_000,
  );

  it(
    'explains a missing --init and --data',
    async () => {
      expect((await gecko(['train', '--stage', 'finetune'])).err).toMatch(/--init is required/);
      const r = await gecko(['train', '--stage', 'sideways', '--init', 'x']);
      expect(r.status).toBe(2); // a usage error
      expect(r.err).toMatch(/--stage must be prefinetune or finetune/);
    },
    2 * CALL + 20_000,
  );
});
