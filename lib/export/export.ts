// `gecko export`: a checkpoint folder -> a folder the Python ecosystem loads as it is, in the
// sentence-transformers layout:
//   model.safetensors                 weights under XLMRobertaXLModel's names (see hf-model.ts); an
//                                     imported BERT / XLM-R (gecko import) goes back as BertModel /
//                                     XLMRobertaModel (encoder/hf-map.ts), with its pooling and prompts
//   onnx/model.onnx                   the encoder as ONNX (encoder/onnx-export.ts): input_ids +
//                                     attention_mask -> last_hidden_state, sentence_embedding
//   config.json                       transformers config (model_type xlm-roberta-xl)
//   tokenizer.json                    the checkpoint's tokenizer, unchanged
//   tokenizer_config.json             PreTrainedTokenizerFast, special tokens, model_max_length
//   special_tokens_map.json
//   modules.json                      Transformer -> Pooling (mean) -> Normalize
//   sentence_bert_config.json         max_seq_length
//   config_sentence_transformers.json prompts (task prefixes), cosine similarity
//   1_Pooling/config.json             mean pooling
//   2_Normalize/                      (empty: sentence-transformers' Normalize has no config)
//   README.md                         model card: architecture, input format, eval scores, training config
//   gecko_export.json                 provenance: checkpoint id, run name, producer, files
// No file holds a local path: the card and gecko_export.json name the checkpoint by its id and
// the run by its folder's name, and absolute paths inside the run config or the checkpoint's
// meta.json are cut to their last part (withoutLocalPaths).
// The folder is written beside the target and renamed into place.
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { GeckoError } from '../core/errors';
import { ensureDir, readJson, writeFileAtomic, writeJson } from '../core/fs';
import { progress as startProgress } from '../core/progress';
import { producedBy } from '../core/version';
import { loadCheckpoint, type Checkpoint } from '../encoder/checkpoint';
import { exportEncoderOnnx } from '../encoder/onnx-export';
import { saveTokenizer } from '../encoder/tokenizer';
import { mainScoreOf, resultFiles, type MtebResult } from '../eval/results';
import { getTask } from '../eval/tasks/registry';
import { modelCard, withoutLocalPaths, type CardScore } from './card';
import { hfFamilyConfig, hfFamilyOf, hfTensorsOf } from '../encoder/hf-map';
import { hfConfig, hfTensors, HF_ARCHITECTURE } from './hf-model';
import { safetensorsBytes } from './safetensors';

/** The query/document prompts written for sentence-transformers (the paper's default retrieval format). */
export const ST_PROMPTS = { query: 'task: search result | query: ', document: 'title: none | text: ' } as const;

export interface ExportOptions {
  /** Replace an existing output folder. */
  force?: boolean;
  /** The run folder to read config and eval scores from (default: the folder above the checkpoint, or the one above that, that holds config.json and env.json). */
  runDir?: string;
  /** Show progress on stderr (default true). */
  progress?: boolean;
}

export interface ExportResult {
  outDir: string;
  checkpointId: string;
  architecture: string;
  files: string[];
  scores: number;
  runDir?: string;
}

/** The token string of an id, from tokenizer.json (added tokens or the model vocabulary). */
function tokenString(json: Record<string, unknown>, id: number): string | undefined {
  for (const a of (json.added_tokens ?? []) as { id: number; content: string }[]) if (a.id === id) return a.content;
  const vocab = (json.model as { vocab?: unknown } | undefined)?.vocab;
  if (vocab && !Array.isArray(vocab) && typeof vocab === 'object')
    for (const [t, i] of Object.entries(vocab as Record<string, number>)) if (i === id) return t;
  return undefined;
}

function specialTokens(ck: Checkpoint): Record<string, string> {
  const json = ck.tokenizer.toJSON();
  const out: Record<string, string> = {};
  const pad = tokenString(json, ck.tokenizer.padId);
  const added = new Set(((json.added_tokens ?? []) as { content: string; special?: boolean }[]).map((a) => a.content));
  if (!pad || !added.has(pad))
    throw new GeckoError(
      `export: the checkpoint's tokenizer has no special padding token (id ${ck.tokenizer.padId} is ${JSON.stringify(pad)})`,
      'XLM-RoBERTa-style models find padding by its id, so a real token there would shift positions; train with a tokenizer that has [PAD] or <pad>',
    );
  out.pad_token = pad;
  const unk = tokenString(json, ck.tokenizer.unkId);
  if (unk) out.unk_token = unk;
  if (ck.tokenizer.maskId >= 0) {
    const m = tokenString(json, ck.tokenizer.maskId);
    if (m) out.mask_token = m;
  }
  const named: [string, string[]][] = [
    ['cls_token', ['[CLS]', '<s>']],
    ['sep_token', ['[SEP]', '</s>']],
  ];
  for (const [key, names] of named) {
    const hit = names.find((n) => added.has(n));
    if (hit) out[key] = hit;
  }
  return out;
}

/**
 * The run folder holding a checkpoint, when there is one: <run>/ckpt (gecko pretrain / train
 * --out <run>) or <run>/<stage>/ckpt (the pipeline's runs). A run folder holds config.json.
 */
function findRunDir(ckptDir: string): string | undefined {
  for (const up of [['..'], ['..', '..']]) {
    const run = resolve(ckptDir, ...up);
    if (existsSync(join(run, 'config.json')) && existsSync(join(run, 'env.json'))) return run;
  }
  return undefined;
}

/** The eval scores of this checkpoint in <run>/eval (as `gecko eval --out <run>/eval` writes them: eval/results.ts). */
function scoresOf(runDir: string, checkpointId: string): CardScore[] {
  const out: CardScore[] = [];
  for (const file of resultFiles(join(runDir, 'eval'))) {
    let r: MtebResult;
    try {
      r = readJson<MtebResult>(file);
    } catch {
      continue; // not a result file
    }
    const main = mainScoreOf(r);
    if (r.model !== checkpointId || main === undefined) continue;
    let metric = 'main_score';
    try {
      metric = getTask(r.task_name).mainScore;
    } catch {
      /* a task this version no longer registers: keep the generic name */
    }
    const sample = Object.entries(r.eval_config ?? {})
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    out.push({ task: r.task_name, type: r.task_type, dim: r.dim, mainScore: main, metric, sample });
  }
  return out;
}

function matryoshkaDims(runConfig: Record<string, unknown> | undefined): number[] {
  const ft = (runConfig?.finetune ?? {}) as { matryoshkaDims?: unknown };
  return Array.isArray(ft.matryoshkaDims) ? (ft.matryoshkaDims as number[]) : [];
}

/**
 * Export a checkpoint folder as a sentence-transformers / transformers model folder.
 * @example exportCheckpoint('runs/x/finetune/ckpt', 'exported/x')
 */
export function exportCheckpoint(ckptDir: string, outDir: string, opts: ExportOptions = {}): ExportResult {
  if (existsSync(outDir) && !opts.force) {
    const entries = statSync(outDir).isDirectory() ? readdirSync(outDir) : ['(a file)'];
    if (entries.length)
      throw new GeckoError(
        `export: ${outDir} already exists and is not empty`,
        'pass --force to replace it, or choose another --out',
      );
  }
  const ck = loadCheckpoint(ckptDir);
  const special = specialTokens(ck);
  const padId = ck.tokenizer.padId;
  const runDir = opts.runDir ?? findRunDir(ckptDir);
  if (opts.runDir && !existsSync(join(opts.runDir, 'config.json')))
    throw new GeckoError(`export: --run ${opts.runDir} holds no config.json`, 'pass a run folder written by gecko');
  const runFile = runDir ? readJson<{ config?: Record<string, unknown> }>(join(runDir, 'config.json')) : undefined;
  const runConfig = runFile?.config;
  const scores = runDir ? scoresOf(runDir, ck.id) : [];
  const producer = producedBy();

  // a BERT-family definition (gecko import) is written back as BertModel / XLMRobertaModel, any other as XLMRobertaXLModel
  const family = 'family' in hfFamilyOf(ck.config);
  const tensors = family ? hfTensorsOf(ck.config, ck.params) : hfTensors(ck.config, ck.params, padId);
  const gecko = { gecko: { checkpoint: ck.id, producer, encoder: ck.config } };
  const hf = family
    ? hfFamilyConfig(ck.config, padId, gecko)
    : { architecture: HF_ARCHITECTURE, config: hfConfig(ck.config, padId, gecko) };
  const cls = ck.config.pooling === 'cls';
  const show = opts.progress !== false;
  const bar = show ? startProgress('export', tensors.length + 1, 'steps') : undefined;
  const tmp = `${outDir.replace(/\/+$/, '')}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  ensureDir(tmp);
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array) => {
    writeFileAtomic(join(tmp, name), data);
    files.push(name);
  };
  const putJson = (name: string, value: unknown) => put(name, JSON.stringify(value, null, 2) + '\n');

  // weights: the conversion is per tensor (transposes), the write is one file
  const metadata = { format: 'pt', gecko_checkpoint: ck.id, producer: `${producer.name} ${producer.version}` };
  const bytes = safetensorsBytes(tensors, metadata, (name) => bar?.tick(1, name));
  put('model.safetensors', bytes);
  bar?.tick(1, 'model.safetensors');
  // the same weights as an ONNX graph, where sentence-transformers' ONNX backend looks for it
  put('onnx/model.onnx', exportEncoderOnnx(ck.config, ck.params, { gecko_checkpoint: ck.id }));

  putJson('config.json', hf.config);
  saveTokenizer(join(tmp, 'tokenizer.json'), ck.tokenizer);
  files.push('tokenizer.json');
  putJson('tokenizer_config.json', {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: ck.config.maxLen,
    padding_side: 'right',
    truncation_side: 'right',
    clean_up_tokenization_spaces: true,
    model_input_names: ['input_ids', 'attention_mask'],
    ...special,
  });
  putJson('special_tokens_map.json', special);
  putJson('modules.json', [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
  ]);
  putJson('sentence_bert_config.json', { max_seq_length: ck.config.maxLen, do_lower_case: false });
  putJson('config_sentence_transformers.json', {
    __version__: { gecko_workbench: producer.version },
    prompts: ck.config.prompts ?? ST_PROMPTS,
    default_prompt_name: null,
    similarity_fn_name: 'cosine',
  });
  putJson('1_Pooling/config.json', {
    word_embedding_dimension: ck.config.dModel,
    pooling_mode_cls_token: cls,
    pooling_mode_mean_tokens: !cls,
    pooling_mode_max_tokens: false,
    pooling_mode_mean_sqrt_len_tokens: false,
    pooling_mode_weightedmean_tokens: false,
    pooling_mode_lasttoken: false,
    include_prompt: true,
  });
  ensureDir(join(tmp, '2_Normalize'));
  const exportedAt = new Date().toISOString();
  put(
    'README.md',
    modelCard({
      checkpointId: ck.id,
      config: ck.config,
      tokenizerKind: ck.tokenizer.kind,
      padToken: special.pad_token!,
      padId,
      meta: withoutLocalPaths(ck.meta),
      ...(runDir && runConfig ? { run: { name: basename(runDir), config: withoutLocalPaths(runConfig) } } : {}),
      scores,
      matryoshkaDims: matryoshkaDims(runConfig),
      producer,
      exportedAt,
      ...(family ? { hfArchitecture: hf.architecture } : {}),
    }),
  );
  // No local paths: the checkpoint is named by its content id, the run by its folder's name.
  writeJson(join(tmp, 'gecko_export.json'), {
    checkpoint: ck.id,
    run: runDir ? basename(runDir) : null,
    architecture: hf.architecture,
    producer,
    exportedAt,
    files: [...files, 'gecko_export.json'],
  });
  files.push('gecko_export.json');

  const old = `${outDir.replace(/\/+$/, '')}.old-${process.pid}`;
  if (existsSync(outDir)) renameSync(outDir, old);
  ensureDir(dirname(resolve(outDir)));
  renameSync(tmp, outDir);
  rmSync(old, { recursive: true, force: true });
  bar?.done(`${ck.id} -> ${outDir}`);
  return {
    outDir,
    checkpointId: ck.id,
    architecture: hf.architecture,
    files,
    scores: scores.length,
    ...(runDir ? { runDir } : {}),
  };
}
