// Bad inputs and faults, one row each, run through `bin/gecko.js` in a fresh process as a
// careless user would (issue 14's classes). Shared by test/cli/failures.test.ts (CI) and
// scripts/sweep-failures.ts (the sweep, with before/after counts).
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRESETS } from '../../lib/config/presets';
import { saveCheckpoint } from '../../lib/encoder/checkpoint';
import { encoderConfigFrom } from '../../lib/encoder/config';
import { initParams } from '../../lib/encoder/params';
import { trainWordPiece } from '../../lib/encoder/wordpiece-train';
import { makeDamagedFixtures } from './damaged-fixtures';

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
  /** issue 21 §2: an HTTP server on 127.0.0.1 that answers every request with one bad reply, chosen by path (badReplyServer). */
  badLlmPort: number;
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
  /**
   * Run without root's permission override: as root, the child is started through `setpriv`
   * with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped, so that file modes bind it as they bind a user.
   */
  noRootOverride?: boolean;
  /** Why this case cannot be tried here, or undefined. */
  skip?: () => string | undefined;
  /** What stderr must say even when the command succeeds (a warning). */
  warns?: (f: Fixtures) => RegExp;
}

const isRoot = () => process.getuid?.() === 0;
const onPath = (cmd: string) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, cmd)));
/** setpriv (util-linux) arguments that start a command as root without the permission override. */
const DROP_OVERRIDE = ['--bounding-set', '-dac_override,-dac_read_search', '--'];

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
  makeDamagedFixtures(dir); // issue 21 §1
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
  const badLlm = await badReplyServer();
  return {
    dir,
    ckpt,
    file,
    folder,
    readonly,
    silentPort: (silent.address() as { port: number }).port,
    closedPort,
    badLlmPort: (badLlm.address() as { port: number }).port,
    close: async () => {
      badLlm.closeAllConnections();
      await new Promise<void>((r) => badLlm.close(() => r()));
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
const dmg = (f: Fixtures, ...p: string[]) => join(f.dir, 'dmg', ...p);

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
    noRootOverride: true,
    skip: () =>
      isRoot() && !onPath('setpriv')
        ? 'running as root without setpriv (util-linux) to drop the permission override: a read-only folder is still writable'
        : undefined,
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
  // issue 21 §1: damaged state
  // A damaged checkpoint, stage folder or run folder is refused before any number is written,
  // and the fix names the folder to delete (never a line to edit). Fixtures: damaged-fixtures.ts.
  ...(['truncated', 'zeroed', 'nan'] as const).map((how): Case => ({
    id: `embed with a ${how === 'nan' ? 'NaN-filled (0xFF)' : how} weights.bin`,
    cls: 2,
    args: (f) => [
      'embed',
      '--model',
      dmg(f, `ckpt-weights-${how}`),
      '--in',
      j(f, 'texts.txt'),
      '--out',
      dmg(f, `v-${how}.jsonl`),
    ],
    code: 1,
    names: (f) => new RegExp(`weights\\.bin.*damaged[^]*fix: delete the folder ${dmg(f, `ckpt-weights-${how}`)}`),
    leaves: (f) => [dmg(f, `v-${how}.jsonl`)],
  })),
  {
    id: 'eval STSBenchmark with NaN weights (scored 0.2640 before)',
    cls: 2,
    args: (f) => [
      'eval',
      ...smoke,
      '--model',
      dmg(f, 'ckpt-weights-nan'),
      '--tasks',
      'STSBenchmark',
      '--out',
      dmg(f, 'e-nan'),
    ],
    code: 1,
    names: (f) =>
      new RegExp(`ckpt-weights-nan/weights\\.bin.*damaged[^]*fix: delete the folder ${dmg(f, 'ckpt-weights-nan')}`),
  },
  {
    id: 'embed with an older checkpoint (no checksums) of NaN weights',
    cls: 2,
    args: (f) => [
      'embed',
      '--model',
      dmg(f, 'ckpt-legacy-nan'),
      '--in',
      j(f, 'texts.txt'),
      '--out',
      dmg(f, 'v-l.jsonl'),
    ],
    code: 1,
    names: (f) =>
      new RegExp(
        `weights\\.bin: \\d+ of \\d+ values are NaN or infinite[^]*delete the folder ${dmg(f, 'ckpt-legacy-nan')}`,
      ),
    leaves: (f) => [dmg(f, 'v-l.jsonl')],
  },
  ...(['meta', 'tokenizer', 'encoder'] as const).map((file): Case => ({
    id: `embed with a truncated ${file}.json in the checkpoint`,
    cls: 3,
    args: (f) => [
      'embed',
      '--model',
      dmg(f, `ckpt-${file}-truncated`),
      '--in',
      j(f, 'texts.txt'),
      '--out',
      dmg(f, `v-${file}.jsonl`),
    ],
    code: 1,
    names: (f) => new RegExp(`${file}\\.json.*damaged[^]*delete the folder ${dmg(f, `ckpt-${file}-truncated`)}`),
    leaves: (f) => [dmg(f, `v-${file}.jsonl`)],
  })),
  {
    id: 'embed with all-zero weights (constant embeddings)',
    cls: 2,
    args: (f) => [
      'embed',
      '--model',
      dmg(f, 'ckpt-degenerate'),
      '--in',
      j(f, 'texts.txt'),
      '--out',
      dmg(f, 'v-z.jsonl'),
    ],
    code: 1,
    names: (f) => new RegExp(`${dmg(f, 'ckpt-degenerate')} produced the same embedding`),
    leaves: (f) => [dmg(f, 'v-z.jsonl')],
  },
  {
    id: 'eval STSBenchmark with all-zero weights (constant embeddings)',
    cls: 2,
    args: (f) => [
      'eval',
      ...smoke,
      '--model',
      dmg(f, 'ckpt-degenerate'),
      '--tasks',
      'STSBenchmark',
      '--out',
      dmg(f, 'e-z'),
    ],
    code: 1,
    names: (f) => new RegExp(`${dmg(f, 'ckpt-degenerate')} produced the same embedding`),
  },
  ...(['truncated', 'zeroed', 'nan'] as const).map((how): Case => ({
    id: `fret --out onto a finished stage whose fret-examples.jsonl is ${how === 'nan' ? 'NaN-filled' : how}`,
    cls: 3,
    args: (f) => fretBase(f, dmg(f, `fret-${how}`)),
    code: 1,
    names: (f) =>
      new RegExp(
        `fret-examples\\.jsonl: .*the stage folder ${dmg(f, `fret-${how}`)} is damaged[^]*fix: delete the folder ${dmg(f, `fret-${how}`)} and rerun`,
      ),
  })),
  {
    id: 'fret --out onto a stage folder whose stage.json is truncated',
    cls: 3,
    args: (f) => fretBase(f, dmg(f, 'fret-stagejson')),
    code: 1,
    names: (f) => new RegExp(`stage\\.json: not valid JSON[^]*delete the folder ${dmg(f, 'fret-stagejson')}`),
  },
  {
    id: 'pretrain --out onto a run folder whose config.json is truncated',
    cls: 3,
    args: (f) => ['pretrain', ...smoke, '--out', dmg(f, 'run-config')],
    code: 1,
    names: (f) => new RegExp(`config\\.json.*run folder is damaged[^]*delete the folder ${dmg(f, 'run-config')}`),
  },
  {
    id: 'two gecko ablate on one --out',
    cls: 5,
    args: (f) => [
      'ablate',
      'same-tower',
      '--seeds',
      '2',
      ...smoke,
      '--no-log',
      '--no-plots',
      '--out',
      dmg(f, 'locked'),
    ],
    code: 1,
    names: (f) => new RegExp(`${dmg(f, 'locked')} is in use by another run \\(pid \\d+: gecko ablate`),
    leaves: (f) => [dmg(f, 'locked', 'jobs.jsonl')],
  },
  // issue 21 §2: settings
  // Prototype pollution through --set: refused as a usage error before any work, naming the key.
  ...[
    '__proto__.x=1',
    'finetune.__proto__.steps=5',
    'constructor.prototype.x=1',
    '__proto__.json=true',
    '__proto__.force=true',
  ].map((set): Case => ({
    id: `settings: --set ${set} is refused`,
    cls: 3,
    args: (f) => ['eval', ...smoke, '--model', 'bm25', '--tasks', 'CISI', '--set', set, '--out', j(f, 's-proto')],
    code: 2,
    names: () => /config key '[^']*(__proto__|constructor)': '(__proto__|constructor)' is not a setting name/,
    leaves: (f) => [j(f, 's-proto')],
  })),
  {
    id: 'settings: a forbidden key inside a --set JSON value',
    cls: 3,
    args: (f) => [
      'eval',
      ...smoke,
      '--model',
      'bm25',
      '--tasks',
      'CISI',
      '--set',
      'finetune={"__proto__":{"x":1}}',
      '--out',
      j(f, 's-proto2'),
    ],
    code: 2,
    names: () => /finetune.*__proto__/,
    leaves: (f) => [j(f, 's-proto2')],
  },
  // Path traversal through names: a run name is one safe path segment.
  ...['/../../../escaped', 'my/run', '..', 'a\\b'].map((name): Case => ({
    id: `settings: --set name=${name} is not a run name`,
    cls: 3,
    args: () => ['pretrain', ...smoke, '--set', `name=${name}`],
    env: (f) => ({ GECKO_RUNS_DIR: j(f, 's-runs', 'runs') }),
    code: 2,
    names: () => /config key 'name'.*is not a run name/,
    leaves: (f) => [j(f, 's-runs', 'runs'), j(f, 'escaped')],
  })),
  // Names looked up in the project's tables: Object.prototype's names are no preset, data set or spec.
  {
    id: 'settings: --preset constructor is no preset',
    cls: 3,
    args: (f) => ['eval', '--preset', 'constructor', '--model', 'bm25', '--tasks', 'CISI', '--out', j(f, 's-p')],
    code: 1,
    names: () => /unknown preset 'constructor'.*\n.*smoke, demo, full/,
  },
  {
    id: 'settings: data fetch __proto__ is no data set',
    cls: 3,
    args: () => ['data', 'fetch', '__proto__'],
    code: 1,
    names: () => /unknown data set '__proto__'/,
  },
  {
    id: 'settings: ablate toString is no spec',
    cls: 3,
    args: () => ['ablate', 'toString', '--seeds', '2', ...smoke],
    code: 2,
    names: () => /toString/,
  },
  // Unbounded resources: every number has a range, and the message gives it.
  {
    id: 'settings: GECKO_WORKERS=100000 is refused at once',
    cls: 6,
    args: (f) => ['eval', ...smoke, '--model', 'bm25', '--tasks', 'CISI', '--out', j(f, 's-w')],
    env: () => ({ GECKO_WORKERS: '100000' }),
    code: 1,
    names: () => /GECKO_WORKERS='100000' is not a whole number between 1 and \d+/,
    within: 30,
  },
  {
    id: 'settings: finetune.batchSize out of range names the range',
    cls: 3,
    args: (f) => [
      'eval',
      ...smoke,
      '--model',
      'bm25',
      '--tasks',
      'CISI',
      '--set',
      'finetune.batchSize=100000000',
      '--out',
      j(f, 's-b'),
    ],
    code: 1,
    names: () => /finetune\.batchSize.*between 2 and 65536/,
  },
  {
    id: 'settings: --set of a key below a plain value',
    cls: 3,
    args: (f) => [
      'eval',
      ...smoke,
      '--model',
      'bm25',
      '--tasks',
      'CISI',
      '--set',
      'finetune.steps.x=1',
      '--out',
      j(f, 's-b2'),
    ],
    code: 2,
    names: () => /finetune\.steps\.x/,
  },
  {
    id: 'settings: embed --batch 0 names the range',
    cls: 3,
    args: (f) => ['embed', '--model', f.ckpt, '--in', j(f, 'texts.txt'), '--out', j(f, 's-v.jsonl'), '--batch', '0'],
    code: 2,
    names: () => /--batch 0.*between 1 and 4096/,
  },
  {
    id: 'settings: fret --n 1e12 names the range',
    cls: 3,
    args: (f) => [...fretBase(f, j(f, 's-f')).slice(0, -4), '--n', '1e12', '--out', j(f, 's-f')],
    code: 2,
    names: () => /--n 1e12.*between 1 and/,
    leaves: (f) => [j(f, 's-f')],
  },
  // Silent acceptance: every environment variable is checked.
  ...(
    [
      ['GECKO_ONNX', 'maybe'],
      ['GECKO_PROGRESS', 'fancy'],
      ['GECKO_ENGINE', 'fast'],
      ['GECKO_DEBUG', 'yes'],
      ['OPENAI_BASE_URL', 'localhost:8000'],
    ] as const
  ).map(([name, value]): Case => ({
    id: `settings: ${name}=${value} is refused`,
    cls: 3,
    args: (f) => ['eval', ...smoke, '--model', 'bm25', '--tasks', 'CISI', '--out', j(f, 's-env')],
    env: () => ({ [name]: value }),
    code: 1,
    names: () => new RegExp(`${name}='${value}' is not`),
    leaves: (f) => [j(f, 's-env')],
  })),
  // Unclear messages of the sweep.
  {
    id: 'settings: a 20 MB line says too long',
    cls: 3,
    args: (f) => ['embed', '--model', f.ckpt, '--in', bigLine(f), '--out', j(f, 's-big.jsonl')],
    code: 1,
    names: () => /big-line\.txt:2: line too long/,
    within: 60,
  },
  {
    id: 'settings: mixture on a corpus file says it is not a fret-examples file',
    cls: 3,
    args: (f) => ['mixture', ...smoke, '--fret', j(f, 'tiny.jsonl'), '--out', j(f, 's-m')],
    code: 1,
    names: () => /tiny\.jsonl:1: .*this is not a fret-examples file.*corpus of passages/,
  },
  {
    id: 'settings: embed --dim 1000 suggests one number, not a list',
    cls: 4,
    args: (f) => ['embed', '--model', f.ckpt, '--in', j(f, 'texts.txt'), '--out', j(f, 's-v2.jsonl'), '--dim', '1000'],
    code: 2,
    names: () => /fix: give one dimension between 1 and 32, e\.g\. --dim 8\n/,
  },
  {
    id: 'settings: --preset demo on a 32-d model skips the wider dims with a note',
    cls: 3,
    args: (f) => [
      'eval',
      '--preset',
      'demo',
      '--model',
      f.ckpt,
      '--tasks',
      'STS12',
      '--set',
      'eval.maxTest=20',
      '--out',
      j(f, 's-e1'),
    ],
    code: 0,
    warns: () => /eval\.dims [\d,]+ of preset demo exceed the model's 32 dimensions: skipped/,
    within: 240,
  },
  {
    id: 'settings: NaN --init weights are named, not the learning rate',
    cls: 3,
    args: (f) => [
      'train',
      ...smoke,
      '--stage',
      'prefinetune',
      '--init',
      damagedCkpt(f, 's-nan', 'nan'),
      '--out',
      j(f, 's-t'),
    ],
    code: 1,
    // the checkpoint's own load check (issue 21 §1) names it first
    names: (f) => new RegExp(`${j(f, 's-nan')}/weights\\.bin: .*(NaN or infinite|the checkpoint is damaged)`),
    within: 240,
  },
  {
    id: 'settings: a truncated meta.json names the file',
    cls: 1,
    args: (f) => [
      'embed',
      '--model',
      damagedCkpt(f, 's-meta', 'meta'),
      '--in',
      j(f, 'texts.txt'),
      '--out',
      j(f, 's-v3.jsonl'),
    ],
    code: 1,
    names: (f) => new RegExp(`${j(f, 's-meta', 'meta\\.json')}: not valid JSON: it ends early`),
  },
  {
    id: 'settings: JSON nested 5,000 deep names the file',
    cls: 1,
    args: (f) => [
      'embed',
      '--model',
      damagedCkpt(f, 's-deep', 'deep'),
      '--in',
      j(f, 'texts.txt'),
      '--out',
      j(f, 's-v4.jsonl'),
    ],
    code: 1,
    names: (f) => new RegExp(`${j(f, 's-deep', 'meta\\.json')}: JSON nested deeper than`),
  },
  {
    id: 'settings: a truncated config.json in a run folder names the file',
    cls: 1,
    args: (f) => ['pretrain', ...smoke, '--out', truncatedRun(f)],
    code: 1,
    names: (f) => new RegExp(`${j(f, 's-run', 'config\\.json')}: not valid JSON: it ends early`),
  },
  {
    id: 'settings: a symlink loop is not "not found"',
    cls: 3,
    args: (f) => ['embed', '--model', f.ckpt, '--in', symlinkLoop(f), '--out', j(f, 's-v5.jsonl')],
    code: 1,
    names: () => /loop-a\.txt.*loop of symbolic links/,
  },
  {
    id: 'settings: an eval where no task applies fails',
    cls: 2,
    args: (f) => ['eval', ...smoke, '--model', 'bm25', '--tasks', 'STS12', '--out', j(f, 's-e2')],
    code: 1,
    names: () => /no task applies to model bm25.*STS12/,
  },
  {
    id: 'settings: a run covering 1 of 300 queries warns',
    cls: 3,
    args: (f) => ['score', 'retrieval', '--qrels', qrels300(f), '--run', j(f, 'run.trec')],
    code: 0,
    warns: () => /run\.trec ranks 1 of the 300 judged queries.*the other 299/,
  },
  ...(['429', 'html', 'badjson', 'nochoices'] as const).map((kind): Case => ({
    id: `settings: an LLM server answering ${kind} names its URL`,
    cls: 6,
    args: (f) => [...fretBase(f, j(f, `s-llm-${kind}`), 'openai:test-model'), '--set', 'llm.maxRetries=0'],
    env: (f) => ({ OPENAI_BASE_URL: `http://127.0.0.1:${f.badLlmPort}/${kind}/v1`, OPENAI_API_KEY: 'sk-test' }),
    code: 1,
    names: (f) =>
      new RegExp(
        `LLM server at http://127\\.0\\.0\\.1:${f.badLlmPort}/${kind}/v1 ${kind === '429' ? 'answered HTTP 429' : 'does not answer as an OpenAI-compatible API'}`,
      ),
    within: 90,
  })),
  {
    id: 'import use-lyte (a misspelled use-lite) suggests use-lite',
    cls: 3,
    args: (f) => ['import', 'use-lyte', '--out', j(f, 'i-lyte')],
    code: 1,
    names: (f) =>
      new RegExp(
        `no folder 'use-lyte'; did you mean use-lite\\?\\s+fix: npx gecko import use-lite --out ${j(f, 'i-lyte')}\n`,
      ),
    leaves: (f) => [j(f, 'i-lyte')],
  },
];

// issue 21 §2: settings (fixtures of the rows above; made when a row runs)
/** A text file whose second line is 20 MB long. */
function bigLine(f: Fixtures): string {
  const p = j(f, 'big-line.txt');
  if (!existsSync(p)) writeFileSync(p, 'short first line\n' + 'x'.repeat(20_000_000) + '\n');
  return p;
}

/** A copy of the fixture checkpoint with one file damaged: NaN weights, a truncated meta.json, or meta.json nested 5,000 deep. */
function damagedCkpt(f: Fixtures, name: string, how: 'nan' | 'meta' | 'deep'): string {
  const dir = j(f, name);
  if (existsSync(dir)) return dir;
  cpSync(f.ckpt, dir, { recursive: true });
  if (how === 'nan') {
    const w = join(dir, 'weights.bin');
    const buf = new Float32Array(new Uint8Array(readFileSync(w)).buffer);
    buf.fill(NaN);
    writeFileSync(w, Buffer.from(buf.buffer));
  } else if (how === 'meta') writeFileSync(join(dir, 'meta.json'), '{"stage": "test", "st');
  else writeFileSync(join(dir, 'meta.json'), '['.repeat(5000) + ']'.repeat(5000));
  return dir;
}

/** A run folder whose config.json was cut short. */
function truncatedRun(f: Fixtures): string {
  const dir = j(f, 's-run');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), '{"preset": "smoke", "hash": "ab');
  return dir;
}

/** Two symbolic links that point at each other. */
function symlinkLoop(f: Fixtures): string {
  const a = j(f, 'loop-a.txt');
  if (!existsSync(j(f, 'loop-b.txt')) && !lstatOk(a)) {
    symlinkSync(j(f, 'loop-b.txt'), a);
    symlinkSync(a, j(f, 'loop-b.txt'));
  }
  return a;
}
function lstatOk(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Qrels of 300 judged queries (run.trec ranks only q1). */
function qrels300(f: Fixtures): string {
  const p = j(f, 'qrels300.tsv');
  writeFileSync(
    p,
    'query-id\tcorpus-id\tscore\n' + Array.from({ length: 300 }, (_, i) => `q${i + 1}\td1\t1\n`).join(''),
  );
  return p;
}

/**
 * An HTTP server whose answer depends on the path's first part: /429 (rate limited), /html (a web
 * page with status 200), /badjson (200 with invalid JSON), /nochoices (200 with an empty choices list).
 */
export async function badReplyServer(): Promise<HttpServer> {
  const server = createHttpServer((req, res) => {
    const kind = (req.url ?? '').split('/')[1];
    req.resume();
    if (kind === '429') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
      res.end('{"error":{"message":"Rate limit reached","type":"rate_limit_error"}}');
    } else if (kind === 'html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html><body>Welcome to nginx!</body></html>');
    } else if (kind === 'badjson') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "x", "choices": [');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"x","object":"chat.completion","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":0}}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

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
    const argv = ['node', bin, ...c.args(f)];
    if (c.noRootOverride && isRoot()) argv.unshift('setpriv', ...DROP_OVERRIDE);
    const child = spawn(argv[0]!, argv.slice(1), {
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
      const warn = c.warns?.(f);
      if (warn && !warn.test(stderr)) unclear(`stderr does not say ${warn}`);
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
