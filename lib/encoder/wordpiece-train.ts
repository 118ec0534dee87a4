// Deterministic WordPiece vocabulary training, the way HF's WordPieceTrainer does it:
// BPE merges over words split into characters, where every non-initial piece carries
// the '##' continuation prefix. Ties between equally frequent pairs break on the pair's
// text, so the same corpus always gives the same vocabulary.
import { GeckoError } from '../core/errors';
import { normalizeBert, preTokenize, SPECIAL_TOKENS, WordPieceTokenizer } from './tokenizer';

export interface WordPieceTrainOptions {
  /** Target vocabulary size, special tokens included. */
  vocabSize: number;
  lowercase: boolean;
  /** Pairs seen fewer times than this are never merged (default 2). */
  minPairCount?: number;
  /** Characters seen fewer times than this are left out of the alphabet (they become [UNK]; default 1). */
  minCharCount?: number;
}

/** Max-heap entry: a pair and the count it had when pushed (stale entries are skipped). */
interface Entry {
  count: number;
  key: number;
  text: string;
}

function better(a: Entry, b: Entry): boolean {
  return a.count > b.count || (a.count === b.count && a.text < b.text);
}

class Heap {
  private items: Entry[] = [];
  get size(): number {
    return this.items.length;
  }
  push(e: Entry): void {
    const it = this.items;
    it.push(e);
    let i = it.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!better(it[i]!, it[p]!)) break;
      [it[i], it[p]] = [it[p]!, it[i]!];
      i = p;
    }
  }
  pop(): Entry | undefined {
    const it = this.items;
    const top = it[0];
    const last = it.pop();
    if (it.length > 0 && last) {
      it[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1,
          r = l + 1;
        let m = i;
        if (l < it.length && better(it[l]!, it[m]!)) m = l;
        if (r < it.length && better(it[r]!, it[m]!)) m = r;
        if (m === i) break;
        [it[i], it[m]] = [it[m]!, it[i]!];
        i = m;
      }
    }
    return top;
  }
}

const SHIFT = 1 << 21; // pair key = a * SHIFT + b (symbol ids stay far below 2^21)

/**
 * Train a WordPiece vocabulary on texts. Deterministic: same texts and options, same vocabulary.
 * @example const tok = trainWordPiece(['the cat sat', 'the cats sat'], { vocabSize: 40, lowercase: true }); tok.encode('cats')
 */
export function trainWordPiece(texts: Iterable<string>, opts: WordPieceTrainOptions): WordPieceTokenizer {
  const minPair = opts.minPairCount ?? 2;
  const minChar = opts.minCharCount ?? 1;
  if (opts.vocabSize < SPECIAL_TOKENS.length + 1)
    throw new GeckoError(
      `tokenizer.vocabSize ${opts.vocabSize} is too small`,
      `use at least ${SPECIAL_TOKENS.length + 1}`,
    );

  // 1. word frequencies
  const wordFreq = new Map<string, number>();
  for (const text of texts) {
    for (const w of preTokenize(normalizeBert(text, opts.lowercase))) {
      if (w.length > 100) continue;
      wordFreq.set(w, (wordFreq.get(w) ?? 0) + 1);
    }
  }
  if (wordFreq.size === 0)
    throw new GeckoError('cannot train a tokenizer on an empty corpus', 'pass texts with at least one word');
  const words = [...wordFreq.keys()].sort();

  // 2. the alphabet: word-initial characters as 'c', others as '##c'
  const charFreq = new Map<string, number>();
  for (const w of words) {
    const f = wordFreq.get(w)!;
    [...w].forEach((c, i) => {
      const s = i === 0 ? c : '##' + c;
      charFreq.set(s, (charFreq.get(s) ?? 0) + f);
    });
  }
  const vocab: string[] = [...SPECIAL_TOKENS];
  const symId = new Map<string, number>();
  const symbols: string[] = [];
  const addSymbol = (s: string) => {
    symId.set(s, symbols.length);
    symbols.push(s);
  };
  // A vocabulary smaller than the alphabet keeps the most frequent characters.
  const alphabet = [...charFreq.entries()]
    .filter(([, f]) => f >= minChar)
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, opts.vocabSize - vocab.length)
    .map(([s]) => s)
    .sort();
  for (const s of alphabet) {
    addSymbol(s);
    vocab.push(s);
  }

  // 3. each word as a list of symbol ids (words with an unknown character are skipped)
  const seqs: number[][] = [];
  const freqs: number[] = [];
  for (const w of words) {
    const ids = [...w].map((c, i) => symId.get(i === 0 ? c : '##' + c));
    if (ids.some((x) => x === undefined)) continue;
    seqs.push(ids as number[]);
    freqs.push(wordFreq.get(w)!);
  }

  // 4. pair counts and where each pair occurs
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (wi: number, sign: 1 | -1, changed: Set<number>) => {
    const s = seqs[wi]!;
    for (let i = 0; i + 1 < s.length; i++) {
      const key = s[i]! * SHIFT + s[i + 1]!;
      pairCount.set(key, (pairCount.get(key) ?? 0) + sign * freqs[wi]!);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, (set = new Set()));
        set.add(wi);
      }
      changed.add(key);
    }
  };
  const pairText = (key: number) => `${symbols[Math.floor(key / SHIFT)]} ${symbols[key % SHIFT]}`;
  const heap = new Heap();
  const init = new Set<number>();
  seqs.forEach((_, wi) => addPairs(wi, 1, init));
  for (const key of init) heap.push({ count: pairCount.get(key)!, key, text: pairText(key) });

  // 5. merge the best pair until the vocabulary is full
  while (vocab.length < opts.vocabSize && heap.size > 0) {
    const top = heap.pop()!;
    const current = pairCount.get(top.key) ?? 0;
    if (current !== top.count) continue; // stale entry
    if (current < minPair) break;
    const a = Math.floor(top.key / SHIFT),
      b = top.key % SHIFT;
    const merged = symbols[a]! + symbols[b]!.replace(/^##/, '');
    let m = symId.get(merged);
    if (m === undefined) {
      addSymbol(merged);
      m = symbols.length - 1;
      vocab.push(merged);
    }
    const changed = new Set<number>();
    const where = [...(pairWords.get(top.key) ?? [])].sort((x, y) => x - y);
    for (const wi of where) {
      const s = seqs[wi]!;
      addPairs(wi, -1, changed);
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(m);
          i++;
        } else out.push(s[i]!);
      }
      seqs[wi] = out;
      addPairs(wi, 1, changed);
    }
    pairWords.delete(top.key);
    pairCount.delete(top.key);
    for (const key of changed) {
      const c = pairCount.get(key) ?? 0;
      if (c > 0) heap.push({ count: c, key, text: pairText(key) });
    }
  }
  return new WordPieceTokenizer(vocab, { lowercase: opts.lowercase });
}
