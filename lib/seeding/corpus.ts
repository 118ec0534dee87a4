// Resolve `--corpus <name|path>` to passages. A name goes to the data layer's
// loadPassages (bbc_news by default: its non-evaluation 'corpus' split); a path is read
// as JSONL, BEIR corpus or plain text. Evaluation collections are refused either way.
import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { GeckoError } from '../core/errors';
import type { Passage } from '../core/types';
import { loadPassages } from '../data/passages';
import { readCorpusFile } from './read-corpus';

/** Evaluation collections that must never seed training. */
export const EVALUATION_COLLECTIONS = ['scifact', 'cranfield', 'cisi'] as const;

export const DEFAULT_SEED_CORPUS = 'bbc_news';

function refuse(what: string, name: string): never {
  throw new GeckoError(
    `${what} is the ${name} evaluation collection: seeding FRet from it would leak evaluation passages into training`,
    'seed from bbc_news (default), ag_news, squad_v1.1_dev, or your own .jsonl / .txt corpus',
  );
}

/**
 * Passages of a seed corpus: a data set name or a file/folder path.
 * @example loadSeedCorpus('bbc_news').length  // paragraphs of the 'corpus' split
 * @example loadSeedCorpus('notes.txt')        // one passage per paragraph
 */
export function loadSeedCorpus(spec: string, opts: { dataDir?: string } = {}): Passage[] {
  const s = spec.trim();
  const lower = s.toLowerCase();
  const asName = EVALUATION_COLLECTIONS.find((e) => lower === e || lower === `${e}-corpus`);
  if (asName) refuse(`'${spec}'`, asName);
  if (existsSync(s)) {
    const segments = resolve(s).toLowerCase().split(sep);
    const inEval = EVALUATION_COLLECTIONS.find((e) => segments.includes(e));
    if (inEval) refuse(`'${spec}'`, inEval);
    return readCorpusFile(s);
  }
  if (/[\\/]|\.(jsonl|json|txt)$/i.test(s)) readCorpusFile(s); // a path that does not exist: file-not-found error
  return loadPassages(s, { dataDir: opts.dataDir });
}
