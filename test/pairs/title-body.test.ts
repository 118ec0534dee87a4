import { describe, expect, it } from 'vitest';
import { prefinetunePairs, titleBodyPairs } from '../../lib/pairs/title-body';
import { have, SHARED_DATA } from '../helpers';

describe('titleBodyPairs', () => {
  const passages = [
    { id: 'a#1', title: 'Rates rise', text: 'The bank raised rates.', source: 'bbc_news' },
    { id: 'a#2', title: 'Rates rise', text: 'Markets fell.', source: 'bbc_news' },
    { id: 'b#1', title: 'Cup final', text: 'The match ended 2-1.', source: 'bbc_news' },
    { id: 'c#1', text: 'No title here.', source: 'bbc_news' },
  ];
  it('makes one pair per titled article, seeded, and skips untitled passages', () => {
    const pairs = titleBodyPairs(passages, 7);
    expect(pairs).toHaveLength(2);
    expect(pairs.map((p) => p.query).sort()).toEqual(['Cup final', 'Rates rise']);
    expect(pairs.every((p) => p.task === 'search result' && !p.symmetric && p.negatives.length === 0)).toBe(true);
    expect(titleBodyPairs(passages, 7)).toEqual(pairs);
    const chosen = new Set(
      Array.from(
        { length: 20 },
        (_, s) => titleBodyPairs(passages, s).find((p) => p.query === 'Rates rise')!.positive.id,
      ),
    );
    expect(chosen).toEqual(new Set(['a#1', 'a#2']));
  });
  it.skipIf(!have(`${SHARED_DATA}/bbc_news`, 'shared data'))(
    'builds pairs from the real news corpora (training splits only)',
    () => {
      const pairs = prefinetunePairs({ seed: 1, dataDir: SHARED_DATA });
      const bbc = pairs.filter((p) => p.source === 'title-body-bbc_news');
      // 1,711 training articles; repeated headlines (BBC has duplicate stories) give one pair each.
      expect(bbc.length).toBeGreaterThan(1600);
      expect(bbc.length).toBeLessThanOrEqual(1711);
      expect(new Set(bbc.map((p) => p.query)).size).toBe(bbc.length);
      expect(pairs.length).toBeGreaterThan(7000);
      expect(new Set(pairs.map((p) => p.id)).size).toBe(pairs.length);
    },
  );
});
