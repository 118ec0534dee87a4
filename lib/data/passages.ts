// Passages for seeding FRet and for pretraining, from the three seed corpora only:
// bbc_news (body paragraphs, headline as title), ag_news (title + description) and
// squad_v1.1_dev (Wikipedia paragraphs, article title). Evaluation collections (SciFact,
// Cranfield, CISI, ...) are refused, and so are evaluation splits (the leak guard).
import { GeckoError } from '../core/errors';
import { dataDir } from '../core/paths';
import type { Passage } from '../core/types';
import { forEachSquadParagraph, newsClusterTexts, readAgNews, readBbc, type LoadOptions } from './loaders';
import { assertTrainingSplit, getDataset } from './registry';
import { holdoutSplitsByText } from './split';

/** The data sets loadPassages() accepts, with their default (training) split. */
export const SEED_CORPORA: Readonly<Record<string, string>> = {
  bbc_news: 'corpus',
  ag_news: 'corpus',
  'squad_v1.1_dev': 'dev',
};

export interface PassageOptions extends LoadOptions {
  /** Default: 'corpus' for bbc_news and ag_news, 'dev' for squad_v1.1_dev. */
  split?: string;
}

/**
 * Seed / pretraining passages with stable ids:
 * - bbc_news: `<category>/<nnn>#<k>` (k = 1-based body paragraph), title = headline;
 * - ag_news: `ag_news/<row>`, title = headline, text = description (escapes decoded);
 * - squad_v1.1_dev: `squad/<article index>/<paragraph index>`, title = article title.
 * Throws for evaluation collections and (via assertTrainingSplit) for evaluation splits.
 * @example loadPassages('bbc_news').length // 7,956 paragraphs of the 1,711 'corpus' articles
 */
export function loadPassages(name: string, opts: PassageOptions = {}): Passage[] {
  getDataset(name);
  const defaultSplit = SEED_CORPORA[name];
  if (defaultSplit === undefined) {
    throw new GeckoError(
      `'${name}' is not a seed corpus${getDataset(name).task === 'retrieval' ? ': it is an evaluation collection and must never seed training' : ''}`,
      `seed corpora: ${Object.keys(SEED_CORPORA).join(', ')}`,
    );
  }
  const split = opts.split ?? defaultSplit;
  assertTrainingSplit(name, split);
  const root = opts.dataDir ?? dataDir();

  if (name === 'bbc_news') {
    const out: Passage[] = [];
    const articles = readBbc(root);
    const splits = holdoutSplitsByText('bbc_news', articles, newsClusterTexts('ag_news', root));
    for (const a of articles) {
      if (splits.get(a.id) !== split) continue;
      const [headline, ...body] = a.text.split(/\r?\n\s*\r?\n/).map((p) => p.replace(/\s+/g, ' ').trim());
      body.filter((p) => p !== '').forEach((text, k) =>
        out.push({ id: `${a.id}#${k + 1}`, title: headline, text, source: name }));
    }
    return out;
  }
  if (name === 'ag_news') {
    return readAgNews(root).filter((r) => r.split === split && r.description !== '')
      .map((r) => ({ id: r.id, ...(r.title ? { title: r.title } : {}), text: r.description, source: name }));
  }
  const out: Passage[] = [];
  forEachSquadParagraph({ dataDir: root }, (title, context, _qas, _where, _path, i, j) => {
    out.push({ id: `squad/${i}/${j}`, title, text: context, source: name });
  });
  return out;
}
