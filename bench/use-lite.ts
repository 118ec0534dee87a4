// `npm run bench:use-lite`: USE-lite encoding speed, the package's own TF.js graph (`--model use-lite`,
// encoder/use-lite.ts through tfjs-converter) against our encoder on the imported checkpoint
// (`gecko import use-lite`: the model definition, on onnxruntime as `gecko embed` runs it, and on
// TF.js packed replicas), in the same process, on the same texts (test/fixtures/use-lite/texts.json:
// 200 varied texts, 20 of them over the 128-token limit), alternating, `--runs` times (default 3).
// Prints texts/s per runtime (median and range) and our / the graph's speed; and the load average,
// since figures from a loaded machine are not speeds.
//   npm run bench:use-lite
//   npm run bench:use-lite -- --runs 5
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuInfo } from '../lib/core/cpu';
import type { Embedder } from '../lib/core/types';
import { saveCheckpoint } from '../lib/encoder/checkpoint';
import { loadEmbedder } from '../lib/encoder/embedder';
import { UseLiteEmbedder } from '../lib/encoder/use-lite';
import { importUseLite } from '../lib/encoder/use-lite-import';

const argv = process.argv.slice(2);
const runs = Number(argv.includes('--runs') ? argv[argv.indexOf('--runs') + 1] : 3);
const texts = JSON.parse(readFileSync(join('test', 'fixtures', 'use-lite', 'texts.json'), 'utf8')) as string[];
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;

async function rate(e: Embedder): Promise<number> {
  const t0 = performance.now();
  await e.embed(texts);
  return texts.length / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const T = mkdtempSync(join(tmpdir(), 'gecko-bench-use-lite-'));
  try {
    saveCheckpoint(join(T, 'ck'), importUseLite());
    const models: [string, Embedder][] = [
      ['graph (tfjs-converter)', await UseLiteEmbedder.load()],
      ['ours, onnxruntime', await loadEmbedder(join(T, 'ck'))],
      ['ours, TF.js packed', await loadEmbedder(join(T, 'ck'), { runtime: 'tfjs' })],
    ];
    for (const [, e] of models) await e.embed(texts.slice(0, 8)); // warm-up
    const rates: number[][] = models.map(() => []);
    for (let r = 0; r < runs; r++) for (const [i, [, e]] of models.entries()) rates[i]!.push(await rate(e));
    const load = loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
    console.log(
      `use-lite encoding, ${texts.length} texts x ${runs} runs, ${cpuInfo().cpu_model} (${cpuInfo().cores} cores), load average ${load}`,
    );
    const g = median(rates[0]!);
    models.forEach(([name], i) => {
      const m = median(rates[i]!);
      console.log(
        `  ${name.padEnd(24)} ${m.toFixed(1).padStart(7)} texts/s (range ${Math.min(...rates[i]!).toFixed(1)}-${Math.max(...rates[i]!).toFixed(1)})${i ? `  ${(m / g).toFixed(2)}x the graph` : ''}`,
      );
    });
    await Promise.all(models.map(([, e]) => (e as { close?: () => Promise<void> }).close?.()));
  } finally {
    rmSync(T, { recursive: true, force: true });
  }
}

await main();
