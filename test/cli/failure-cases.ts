// Bad inputs and faults, one row each, run through `bin/gecko.js` in a fresh process as a
// careless user would (issue 14's classes). Shared by test/cli/failures.test.ts (CI) and
// scripts/sweep-failures.ts (the sweep, with before/after counts).
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRESETS } from '../../lib/config/presets';
import { saveCheckpoint } from '../../lib/encoder/checkpoint';
import { encoderConfigFrom } from '../../lib/encoder/config';
import { initParams } from '../../lib/encoder/params';
import { trainWordPiece } from '../../lib/encoder/wordpiece-train';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Fixtures {
  dir: string;
  ckpt: string;
  file: string;
  folder: string;
  readonly: string;
  /** A TCP port on 127.0.0.1 that accepts connections and never answers. */
  silentPort: number;
  /** A port on 127.0.0.1 with nothing listening. */
  closedPort: number;
  close(): Promise<void>;
}

export interface Case {
  id: string;
  /** Issue 14's class: 1 raw crash, 2 silent success on nothing, 3 input misread, 4 late check, 5 interrupt/crash, 6 slow failure; 0 CLI conventions. */
  cls: number;
  args: (f: Fixtures) => string[];
  env?: (f: Fixtures) => Record<string, string>;
  /** Expected exit code. */
  code: number;
  /** What the message must name (file, line, field). */
  names?: (f: Fixtures) => RegExp;
  /** Paths that must not exist afterwards (they would block a corrected rerun). */
  leaves?: (f: Fixtures) => string[];
  /** Seconds it may take at most (a hang is a failure). */
  within?: number;
  /** Why this case cannot be tried here (e.g. permissions do not bind root), or undefined. */
  skip?: () => string | undefined;
}

/** Build the fixture files in `dir`: a 32-d checkpoint, malformed inputs, servers that never answer. */
export async function makeFixtures(dir: string): Promise<Fixtures> {
  const texts = ['the cat sat on the mat', 'dogs chase cats in the park', 'stock prices fell sharply today'];
  const tok = trainWordPiece(texts, { vocabSize: 100, lowercase: true });
  const cfg = encoderConfigFrom(PRESETS.smoke.encoder, tok.vocabSize); // 32-d
  const ckpt = join(dir, 'ckpt');
  saveCheckpoint(ckpt, { config: cfg, params: initParams(cfg, 3), tokenizer: tok, meta: { stage: 'test' } });
  const w = (name: string, data: string | Buffer) => (writeFileSync(join(dir, name), data), join(dir, name));
  w('texts.txt', texts.join('\n') + '\n');
  w('empty.jsonl', '');
  w('bom.jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"text":"a cat"}\n{"text":"a dog"}\n')]));
  w(
    'latin1.txt',
    Buffer.concat([Buffer.from('first line fine\nsecond caf'), Buffer.from([0xe9]), Buffer.from(' here\n')]),
  );
  w('corpus.csv', 'id,title,text\n1,A title,' + 'some passage text '.repeat(20) + '\n');
  w('run.empty', '');
  w('qrels.header', 'query-id\tcorpus-id\tscore\n');
  w('qrels.tsv', 'query-id\tcorpus-id\tscore\nq1\td1\t1\n');
  w('run.trec', 'q1 Q0 d1 1 2.0 sys\nq1 Q0 d2 2 1.0 sys\n');
  w('sts.const', 'gold\tpredicted\n1\t0.5\n2\t0.5\n3\t0.5\n');
  w('tiny.jsonl', '{"text":"' + 'A single passage about the weather in spring and rain. '.repeat(6) + '"}\n');
  const file = w('afile', 'not a folder\n');
  const folder = join(dir, 'folder');
  mkdirSync(folder, { recursive: true });
  const readonly = join(dir, 'readonly');
  mkdirSync(readonly, { recursive: true });
  chmodSync(readonly, 0o555);
  const sockets = new Set<import('node:net').Socket>();
  const silent: Server = createServer((s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as { port: number }).port;
  await new Promise<void>((r) => closed.close(() => r()));
  return {
    dir,
    ckpt,
    file,
    folder,
    readonly,
    silentPort: (silent.address() as { port: number }).port,
    closedPort,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
      chmodSync(readonly, 0o755);
    },
  };
}

const smoke = ['--preset', 'smoke'];
const fretBase = (f: Fixtures, out: string, teacher = 'offline') => [
  'fret',
  ...smoke,
  '--teacher',
  teacher,
  '--n',
  '2',
  '--out',
  out,
];
const j = (f: Fixtures, ...p: string[]) => join(f.dir, ...p);

export const CASES: Case[] = [
  // 0: conventions
  { id: 'demo -h prints help', cls: 0, args: () => ['demo', '-h'], code: 0 },
  {
    id: 'fret with a positional and no --corpus',
    cls: 3,
    args: (f) => ['fret', j(f, 'tiny.jsonl')],
    code: 2,
    names: () => /tiny\.jsonl/,
  },
  // 1: raw crashes
  {
    id: 'mixture --fret <folder>',
    cls: 1,
    args: (f) => ['mixture', ...smoke, '--fret', f.folder, '--out', j(f, 'm1')],
    code: 1,
    names: (f) => new RegExp(f.folder),
  },
  {
    id: 'fret --out onto a file',
    cls: 1,
    args: (f) => fretBase(f, f.file),
    code: 1,
    names: (f) => new RegExp(`${f.file}.*file`),
  },
  {
    id: 'fret --out below a file',
    cls: 1,
    args: (f) => fretBase(f, join(f.file, 'sub')),
    code: 1,
    names: (f) => new RegExp(f.file),
  },
  {
    id: 'GECKO_RUNS_DIR is a file',
    cls: 1,
    args: () => ['pretrain', ...smoke],
    env: (f) => ({ GECKO_RUNS_DIR: f.file }),
    code: 1,
    names: () => /GECKO_RUNS_DIR/,
  },
  {
    id: 'GECKO_CACHE_DIR is a file',
    cls: 1,
    args: (f) => fretBase(f, j(f, 'f-cache')),
    env: (f) => ({ GECKO_CACHE_DIR: f.file }),
    code: 1,
    names: () => /GECKO_CACHE_DIR/,
  },
  {
    id: 'eval --dims 1000 on a 32-d model',
    cls: 1,
    args: (f) => ['eval', ...smoke, '--model', f.ckpt, '--tasks', 'CISI', '--dims', '1000', '--out', j(f, 'e1')],
    code: 2,
    names: () => /--dims 1000.*32/,
  },
  // 2: silent success on nothing
  {
    id: 'mixture on an empty FRet file',
    cls: 2,
    args: (f) => ['mixture', ...smoke, '--fret', j(f, 'empty.jsonl'), '--out', j(f, 'm2')],
    code: 1,
    names: () => /empty\.jsonl/,
  },
  {
    id: 'score retrieval on an empty run',
    cls: 2,
    args: (f) => ['score', 'retrieval', '--qrels', j(f, 'qrels.tsv'), '--run', j(f, 'run.empty')],
    code: 1,
    names: () => /run\.empty/,
  },
  {
    id: 'score retrieval on header-only qrels',
    cls: 2,
    args: (f) => ['score', 'retrieval', '--qrels', j(f, 'qrels.header'), '--run', j(f, 'run.trec')],
    code: 1,
    names: () => /qrels\.header/,
  },
  {
    id: 'eval --tasks ""',
    cls: 2,
    args: (f) => ['eval', ...smoke, '--model', 'bm25', '--tasks', '', '--out', j(f, 'e2')],
    code: 2,
    names: () => /--tasks/,
  },
  {
    id: 'finetune.lr=0',
    cls: 2,
    args: (f) => [
      'train',
      ...smoke,
      '--stage',
      'prefinetune',
      '--init',
      f.ckpt,
      '--set',
      'prefinetune.lr=0',
      '--out',
      j(f, 't1'),
    ],
    code: 1,
    names: () => /prefinetune\.lr/,
    leaves: (f) => [j(f, 't1', 'config.json')],
  },
  {
    id: 'score sts with constant predictions',
    cls: 2,
    args: (f) => ['score', 'sts', '--file', j(f, 'sts.const')],
    code: 1,
    names: () => /predicted.*constant/,
  },
  // 3: inputs read as something they are not
  {
    id: 'a .csv corpus',
    cls: 3,
    args: (f) => [...fretBase(f, j(f, 'f3')), '--corpus', j(f, 'corpus.csv')],
    code: 1,
    names: () => /corpus\.csv.*\.csv/,
    leaves: (f) => [j(f, 'f3', 'fret.settings.json')],
  },
  {
    id: 'invalid UTF-8 input',
    cls: 3,
    args: (f) => ['embed', '--model', f.ckpt, '--in', j(f, 'latin1.txt'), '--out', j(f, 'v.jsonl')],
    code: 1,
    names: () => /latin1\.txt:2/,
  },
  {
    id: 'a UTF-8 BOM is not content',
    cls: 3,
    args: (f) => ['embed', '--model', f.ckpt, '--in', j(f, 'bom.jsonl'), '--out', j(f, 'bom-vectors.jsonl')],
    code: 0,
  },
  {
    id: '--init of another width than the config',
    cls: 3,
    args: (f) => ['train', '--preset', 'demo', '--stage', 'prefinetune', '--init', f.ckpt, '--out', j(f, 't2')],
    code: 1,
    names: () => /encoder\.dModel/,
    leaves: (f) => [j(f, 't2', 'config.json')],
  },
  // 4: checks before the work
  {
    id: 'eval --out into a read-only folder',
    cls: 4,
    args: (f) => ['eval', ...smoke, '--model', 'bm25', '--tasks', 'CISI', '--out', join(f.readonly, 'e')],
    code: 1,
    names: (f) => new RegExp(`${f.readonly}.*not writable`),
    skip: () => (process.getuid?.() === 0 ? 'running as root: a read-only folder is still writable' : undefined),
  },
  {
    id: 'embed --dim 1000 before embedding',
    cls: 4,
    args: (f) => ['embed', '--model', f.ckpt, '--in', j(f, 'texts.txt'), '--out', j(f, 'v2.jsonl'), '--dim', '1000'],
    code: 2,
    names: () => /--dim 1000.*32/,
  },
  {
    id: 'a bad --retriever, before any query',
    cls: 4,
    args: (f) => [...fretBase(f, j(f, 'f4')), '--retriever', 'bogus'],
    code: 1,
    names: () => /fret\.retriever.*bogus/,
    leaves: (f) => [j(f, 'f4', 'fret.settings.json'), j(f, 'f4', 'queries.jsonl')],
  },
  {
    id: '--out under /proc',
    cls: 4,
    args: () => ['fret', ...smoke, '--teacher', 'offline', '--n', '2', '--out', '/proc/gecko-x/y'],
    code: 1,
    names: () => /\/proc/,
    within: 60,
  },
  // issue 19: gecko import
  ...((): Case[] => {
    /** A copy of the tiny BERT fixture with config.json edited (made when the case runs). */
    const bertWith = (f: Fixtures, name: string, edit: Record<string, unknown>) => {
      const to = j(f, name);
      if (!existsSync(to)) {
        cpSync(join(ROOT, 'test', 'fixtures', 'hf', 'bert-cls'), to, { recursive: true });
        const cfg = JSON.parse(readFileSync(join(to, 'config.json'), 'utf8'));
        writeFileSync(join(to, 'config.json'), JSON.stringify({ ...cfg, ...edit }));
      }
      return to;
    };
    return [
      { id: 'import without --out', cls: 0, args: (f) => ['import', f.folder], code: 2, names: () => /--out/ },
      {
        id: 'import --pooling max',
        cls: 0,
        args: (f) => ['import', f.folder, '--out', j(f, 'i0'), '--pooling', 'max'],
        code: 2,
        names: () => /--pooling.*max/,
      },
      {
        id: 'import of a missing folder',
        cls: 1,
        args: (f) => ['import', j(f, 'no-such-model'), '--out', j(f, 'i1')],
        code: 1,
        names: (f) => new RegExp(`${j(f, 'no-such-model')}: no such folder`),
        leaves: (f) => [j(f, 'i1')],
      },
      {
        id: 'import of a file',
        cls: 3,
        args: (f) => ['import', f.file, '--out', j(f, 'i2')],
        code: 1,
        names: (f) => new RegExp(`${f.file} is a file`),
        leaves: (f) => [j(f, 'i2')],
      },
      {
        id: 'import of a folder without config.json',
        cls: 3,
        args: (f) => ['import', f.folder, '--out', j(f, 'i3')],
        code: 1,
        names: (f) => new RegExp(`${f.folder}: no config.json`),
        leaves: (f) => [j(f, 'i3')],
      },
      {
        id: 'import of a GPT-2 folder',
        cls: 3,
        args: (f) => ['import', bertWith(f, 'gpt2-model', { model_type: 'gpt2' }), '--out', j(f, 'i4')],
        code: 1,
        names: () => /config\.json: model_type "gpt2" is not supported; supported: bert, xlm-roberta/,
        leaves: (f) => [j(f, 'i4')],
      },
      {
        id: 'import of a tanh-GELU BERT',
        cls: 3,
        args: (f) => ['import', bertWith(f, 'gelu-new-model', { hidden_act: 'gelu_new' }), '--out', j(f, 'i5')],
        code: 1,
        names: () => /hidden_act "gelu_new" is not supported by the model definition/,
        leaves: (f) => [j(f, 'i5')],
      },
      {
        id: 'import of weights that do not match config.json',
        cls: 3,
        args: (f) => ['import', bertWith(f, 'three-layer-model', { num_hidden_layers: 3 }), '--out', j(f, 'i6')],
        code: 1,
        names: () => /model\.safetensors: \d+ tensor\(s\) missing, e\.g\. 'encoder\.layer\.2\./,
        leaves: (f) => [j(f, 'i6')],
      },
      {
        id: 'import --out onto a checkpoint',
        cls: 4,
        args: (f) => ['import', join(ROOT, 'test', 'fixtures', 'hf', 'bert-cls'), '--out', f.ckpt],
        code: 1,
        names: (f) => new RegExp(`--out ${f.ckpt} already exists`),
      },
    ];
  })(),
  // 6: slow failures
  {
    id: 'teacher server refuses connections',
    cls: 6,
    args: (f) => [
      ...fretBase(f, j(f, 'f6a'), 'openai:test-model'),
      '--set',
      'llm.timeoutMs=2000',
      '--set',
      'llm.maxRetries=1',
    ],
    env: (f) => ({ OPENAI_BASE_URL: `http://127.0.0.1:${f.closedPort}/v1`, OPENAI_API_KEY: 'sk-test' }),
    code: 1,
    names: (f) => new RegExp(`cannot reach the server.*ECONNREFUSED 127\\.0\\.0\\.1:${f.closedPort}`),
    within: 90,
  },
  {
    id: 'teacher server never answers',
    cls: 6,
    args: (f) => [
      ...fretBase(f, j(f, 'f6b'), 'openai:test-model'),
      '--set',
      'llm.timeoutMs=1500',
      '--set',
      'llm.maxRetries=1',
    ],
    env: (f) => ({ OPENAI_BASE_URL: `http://127.0.0.1:${f.silentPort}/v1`, OPENAI_API_KEY: 'sk-test' }),
    code: 1,
    names: () => /cannot reach the server.*(timed out|timeout)/i,
    within: 90,
  },
];

export interface Outcome {
  c: Case;
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  /** 'ok', or why the case is bad (crash, wrong code, hang...) or unclear (message lacks the name or a fix). */
  verdict: 'ok' | 'bad' | 'unclear';
  why: string[];
}

/** Run one case through bin/gecko.js in a fresh process and judge it. */
export function runCase(
  c: Case,
  f: Fixtures,
  extraEnv: Record<string, string> = {},
  bin = join(ROOT, 'bin', 'gecko.js'),
): Promise<Outcome> {
  const within = c.within ?? 120;
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn('node', [bin, ...c.args(f)], {
      cwd: f.dir,
      env: { ...process.env, GECKO_PROGRESS: 'lines', ...extraEnv, ...(c.env?.(f) ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), within * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const why: string[] = [];
      let verdict: Outcome['verdict'] = 'ok';
      const bad = (w: string) => ((verdict = 'bad'), why.push(w));
      const unclear = (w: string) => (verdict === 'ok' && (verdict = 'unclear'), why.push(w));
      if (code === null) bad(`no exit within ${within}s (killed)`);
      else if (code !== c.code) bad(`exit ${code}, expected ${c.code}`);
      if (/\n\s+at .+(\(|:\d+:\d+)/.test(stderr) || /node:internal|triggerUncaughtException/.test(stderr))
        bad('stack trace');
      if (stderr.length > 4096) bad(`stderr ${stderr.length} bytes`);
      if (c.code !== 0 && code !== 0) {
        const name = c.names?.(f);
        if (name && !name.test(stderr)) unclear(`message does not name ${name}`);
        if (!/fix: /.test(stderr)) unclear('no fix line');
        if (/: unexpected \w+: /.test(stderr)) unclear('reported as an unexpected error');
      }
      for (const p of c.leaves?.(f) ?? []) if (existsSync(p)) bad(`left ${p} (blocks a corrected rerun)`);
      resolve({ c, code, stdout, stderr, seconds: (Date.now() - t0) / 1000, verdict, why });
    });
  });
}

/** Run cases with at most `parallel` processes at once, in table order. */
export async function runCases(all: Case[], f: Fixtures, parallel = 2, bin?: string): Promise<Outcome[]> {
  const cases = all.filter((c) => !c.skip?.());
  const out: Outcome[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < cases.length; i = next++) out[i] = await runCase(cases[i]!, f, {}, bin);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return out;
}
