// The backbone a run starts from (issue 19 §3): config key `pretrain.backbone`.
//   'scratch'       WordPiece + MLM pretraining of encoder.* (the teaching path: what pretraining gives)
//   'use-lite'      Universal Sentence Encoder Lite, whose weights ship in an npm dependency (every machine)
//   <folder>        a Hugging Face / sentence-transformers BERT or XLM-R folder (`gecko import` reads it),
//                   or a gecko checkpoint folder (encoder.json + weights.bin)
// A pretrained backbone fixes the encoder's shape: encoder.layers / dModel / heads / ffn must be its
// (checkBackboneShape names the --set flags that make them so), and encoder.maxLen may cut its inputs
// shorter than it was trained for (the demo's time budget), never longer than its position table.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, GeckoError } from '../core/errors';
import { readJsonFile } from '../core/json';
import { isCheckpoint, loadCheckpoint, type Checkpoint } from './checkpoint';
import type { EncoderConfig } from './config';
import { hfEncoderConfigOf, importHfEncoder } from './hf-map';
import { paramCount, paramSpecs } from './params';
import { importUseLite } from './use-lite-import';

export const SCRATCH = 'scratch';
export const BACKBONE_HELP =
  "'scratch' (MLM pretraining of encoder.*), 'use-lite', a Hugging Face BERT / XLM-R folder, or a gecko checkpoint folder";

/** The shape keys of encoder.* a pretrained backbone fixes. */
const SHAPE_KEYS = ['layers', 'dModel', 'heads', 'ffn'] as const;

/** Whether a run starts from a pretrained backbone rather than MLM pretraining. */
export function isPretrained(spec: string): boolean {
  return spec !== SCRATCH;
}

/** The label of a backbone in tables and logs. */
export function backboneLabel(spec: string): string {
  return spec === 'use-lite' ? 'USE-lite' : spec === SCRATCH ? 'MLM from scratch' : spec;
}

function kindOf(spec: string): 'use-lite' | 'checkpoint' | 'hf' {
  if (spec === 'use-lite') return 'use-lite';
  if (!existsSync(spec) || !statSync(spec).isDirectory())
    throw new ConfigError(
      'pretrain.backbone',
      `'${spec}' is neither 'scratch', 'use-lite' nor a folder`,
      `use one of: ${BACKBONE_HELP}`,
    );
  if (isCheckpoint(spec)) return 'checkpoint';
  if (existsSync(join(spec, 'config.json'))) return 'hf';
  throw new ConfigError(
    'pretrain.backbone',
    `${spec} holds neither a gecko checkpoint (encoder.json, weights.bin) nor a Hugging Face model (config.json)`,
    `use one of: ${BACKBONE_HELP}`,
  );
}

/** The backbone's architecture without reading its weights (a folder's config files and tokenizer; USE-lite's package once). */
export function backboneConfig(spec: string): EncoderConfig {
  const kind = kindOf(spec);
  if (kind === 'checkpoint') return readJsonFile<EncoderConfig>(join(spec, 'encoder.json'));
  // USE-lite's weights are an installed package's files: read its architecture once per process (the demo checks the
  // shape before any work and again in its pretrain stage, which then imports it)
  if (kind === 'use-lite') return (useLiteConfig ??= importUseLite().config);
  return hfEncoderConfigOf(spec); // config.json and the tokenizer, not the weights
}
let useLiteConfig: EncoderConfig | undefined;

/**
 * What decides a backbone's content, for the stage hash: the package version for USE-lite; the
 * resolved folder and each file's size and modification time for a folder (weights are not hashed:
 * a changed file changes its size or time).
 */
export function backboneFingerprint(spec: string): Record<string, unknown> {
  if (!isPretrained(spec) || kindOf(spec) === 'use-lite') return { spec };
  const dir = resolve(spec);
  const files: Record<string, [number, number]> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, rel + e.name + '/');
      else if (e.isFile()) {
        const s = statSync(p);
        files[rel + e.name] = [s.size, Math.round(s.mtimeMs)];
      }
    }
  };
  walk(dir, '');
  return { spec: dir, files };
}

/**
 * Load a pretrained backbone as a checkpoint (not saved), its inputs cut to `maxLen` tokens when
 * given: a sinusoidal table needs nothing; a learned position table keeps its first rows.
 * @example saveCheckpoint(dir, loadBackbone('use-lite', 64));
 */
export function loadBackbone(spec: string, maxLen?: number): Omit<Checkpoint, 'id'> {
  const kind = kindOf(spec);
  const ck: Omit<Checkpoint, 'id'> =
    kind === 'use-lite' ? importUseLite() : kind === 'hf' ? importHfEncoder(spec) : loadCheckpoint(spec);
  const meta = { ...ck.meta, backbone: kind === 'use-lite' ? 'use-lite' : resolve(spec) };
  if (maxLen === undefined || maxLen === ck.config.maxLen) return { ...ck, meta, optimizer: undefined };
  if (maxLen > ck.config.maxLen)
    throw new ConfigError(
      'encoder.maxLen',
      `is ${maxLen}, but the backbone ${backboneLabel(spec)} reads at most ${ck.config.maxLen} tokens`,
      `--set encoder.maxLen=${ck.config.maxLen} (or less)`,
    );
  const config: EncoderConfig = { ...ck.config, maxLen };
  const from = paramSpecs(ck.config);
  const to = paramSpecs(config);
  const params = new Float32Array(paramCount(to));
  for (const s of to) {
    const f = from.find((x) => x.name === s.name);
    if (!f) throw new GeckoError(`backbone ${spec}: parameter ${s.name} missing after cutting maxLen`);
    // pos_emb: [rows, d] row-major, so its first rows are its first values
    params.set(ck.params.subarray(f.offset, f.offset + s.size), s.offset);
  }
  return {
    ...ck,
    config,
    params,
    meta: { ...meta, maxLenCut: { from: ck.config.maxLen, to: maxLen } },
    optimizer: undefined,
  };
}

/**
 * A pretrained backbone fixes encoder.layers / dModel / heads / ffn: refuse a config that says
 * otherwise (everything downstream reads encoder.dModel: Matryoshka widths, evaluation dims, the control).
 * @example checkBackboneShape(cfg.pretrain.backbone, cfg.encoder);
 */
export function checkBackboneShape(spec: string, encoder: Readonly<Record<string, unknown>>): void {
  if (!isPretrained(spec)) return;
  const c = backboneConfig(spec) as unknown as Record<string, unknown>;
  const diffs = SHAPE_KEYS.filter((k) => c[k] !== encoder[k]);
  if (diffs.length)
    throw new ConfigError(
      `encoder.${diffs[0]}`,
      `the backbone ${backboneLabel(spec)} has ${diffs.map((k) => `${k} ${String(c[k])}`).join(', ')}; the config says ${diffs.map((k) => `${k} ${String(encoder[k])}`).join(', ')}`,
      `--set ${SHAPE_KEYS.map((k) => `encoder.${k}=${String(c[k])}`).join(' ')}`,
    );
  if (typeof encoder.maxLen === 'number' && encoder.maxLen > (c.maxLen as number))
    throw new ConfigError(
      'encoder.maxLen',
      `is ${encoder.maxLen}, but the backbone ${backboneLabel(spec)} reads at most ${String(c.maxLen)} tokens`,
      `--set encoder.maxLen=${String(c.maxLen)} (or less)`,
    );
}
