// LLM layer benchmark: throughput of the OpenAI-compatible teacher against the fake server
// at a fixed latency, as a fraction of the ideal concurrency / latency, and a cached rerun.
// The fake server runs in a child process, as a real server would be elsewhere.
//   npm run bench:llm [-- --latency 50 --concurrency 8 --requests 240 --trials 3 --no-cache]
// Prints one JSON line on stdout.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createTeacher } from '../lib/llm/factory';
import { startFakeOpenAiServer } from '../test/llm/fake-openai-server';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Child mode: serve, print the base URL, run until stdin closes. */
async function serve() {
  const server = await startFakeOpenAiServer({ latencyMs: arg('latency', 50) });
  process.stdout.write(server.baseURL + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => server.close().then(() => process.exit(0)));
}

async function main() {
  const latencyMs = arg('latency', 50),
    concurrency = arg('concurrency', 8),
    requests = arg('requests', 240);
  const child = spawn(
    process.execPath,
    [...process.execArgv, process.argv[1]!, '--serve', '--latency', String(latencyMs)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const baseURL: string = await new Promise((resolve) =>
    createInterface({ input: child.stdout! }).once('line', resolve),
  );
  const stats = async () =>
    (await (await fetch(baseURL.replace(/\/v1$/, '/fake/stats'))).json()) as {
      modelCalls: number;
      maxInFlight: number;
    };
  const cacheDir = mkdtempSync(join(tmpdir(), 'gecko-bench-llm-'));
  const passage = {
    id: 'p',
    text: 'The harbour lighthouse was automated in 1987 after a century of resident keepers.',
    source: 'bench',
  };
  // Half query generation, half relevance classification; every request distinct.
  const work = (t: ReturnType<typeof createTeacher>) =>
    Array.from({ length: requests }, (_, i) =>
      i % 2 === 0
        ? t.generateTaskQuery(passage, { seed: i })
        : t.relevance(
            'Given a question, retrieve a passage that answers the question',
            `lighthouse keepers ${i}`,
            passage,
          ),
    );
  const cacheMode = process.argv.includes('--no-cache') ? ('off' as const) : ('read-write' as const);
  const make = (dir: string) =>
    createTeacher('openai:bench-model', {
      apiKey: 'bench',
      baseURL,
      cacheDir: dir,
      cacheMode,
      concurrency,
      timeoutMs: 10_000,
      maxRetries: 0,
    });
  try {
    // Warm-up (JIT, sockets) on a separate cache folder, not counted.
    const warm = createTeacher('openai:bench-model', {
      apiKey: 'bench',
      baseURL,
      cacheDir: join(cacheDir, 'warm'),
      concurrency,
    });
    await Promise.all(Array.from({ length: concurrency * 4 }, (_, i) => warm.relevance('t', `warm ${i}`, passage)));

    // Cold trials, each on a fresh cache folder; the median ratio is the figure.
    const trials: { seconds: number; serverCalls: number; ratio: number; clientCpuMsPerRequest: number }[] = [];
    const ideal = concurrency / (latencyMs / 1000);
    let lastDir = '';
    for (let k = 0; k < arg('trials', 3); k++) {
      lastDir = join(cacheDir, `trial-${k}`);
      const s0 = await stats();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(work(make(lastDir)));
      const sec = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const s1 = await stats();
      trials.push({
        seconds: +sec.toFixed(3),
        serverCalls: s1.modelCalls - s0.modelCalls,
        ratio: +(requests / sec / ideal).toFixed(3),
        clientCpuMsPerRequest: +((cpu.user + cpu.system) / 1000 / requests).toFixed(2),
      });
    }
    // Baseline: the same teacher at concurrency 1 shows the fixed per-request cost of HTTP on
    // this machine; scaling = throughput(C) / (C * throughput(1)) isolates the limiter.
    const base = createTeacher('openai:bench-model', {
      apiKey: 'bench',
      baseURL,
      cacheDir: join(cacheDir, 'base'),
      cacheMode,
      concurrency: 1,
      timeoutMs: 10_000,
      maxRetries: 0,
    });
    const nBase = Math.max(20, Math.round(requests / concurrency));
    const tb = performance.now();
    await Promise.all(
      Array.from({ length: nBase }, (_, i) =>
        base.relevance('Given a question, retrieve a passage that answers the question', `baseline ${i}`, passage),
      ),
    );
    const baseRate = nBase / ((performance.now() - tb) / 1000);

    // The cached rerun: the same work on the last trial's cache.
    const s1 = await stats();
    const t1 = performance.now();
    const hot = make(lastDir);
    await Promise.all(work(hot));
    const hotSec = (performance.now() - t1) / 1000;
    const s2 = await stats();

    const ratios = trials.map((t) => t.ratio).sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)]!;
    console.log(
      JSON.stringify({
        bench: 'llm',
        latencyMs,
        concurrency,
        requests,
        cacheMode,
        idealPerSec: ideal,
        cold: {
          medianRatio: median,
          medianThroughputPerSec: +(median * ideal).toFixed(1),
          trials,
          maxInFlight: s1.maxInFlight,
        },
        concurrency1: {
          throughputPerSec: +baseRate.toFixed(1),
          ratio: +(baseRate / (1000 / latencyMs)).toFixed(3),
          scaling: +((median * ideal) / (concurrency * baseRate)).toFixed(3),
        },
        cachedRerun: { seconds: +hotSec.toFixed(3), serverCalls: s2.modelCalls - s1.modelCalls, usage: hot.usage() },
        pass: median >= 0.9 && s2.modelCalls === s1.modelCalls,
      }),
    );
  } finally {
    child.stdin!.end();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

(process.argv.includes('--serve') ? serve() : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
