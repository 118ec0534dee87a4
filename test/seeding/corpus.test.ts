import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSeedCorpus } from '../../lib/seeding/corpus';
import { have, SHARED_DATA } from '../helpers';

describe('loadSeedCorpus', () => {
  it('refuses evaluation collections by name, with a clear message', () => {
    for (const name of ['scifact', 'Cranfield', 'cisi']) {
      expect(() => loadSeedCorpus(name, { dataDir: SHARED_DATA })).toThrow(
        /evaluation collection: seeding FRet from it would leak[\s\S]*fix: seed from bbc_news/,
      );
    }
  });
  it.skipIf(!have(join(SHARED_DATA, 'scifact', 'corpus.jsonl'), 'SciFact'))(
    'refuses an evaluation collection given by path',
    () => {
      expect(() => loadSeedCorpus(join(SHARED_DATA, 'scifact', 'corpus.jsonl'))).toThrow(
        /scifact evaluation collection/,
      );
      expect(() => loadSeedCorpus(join(SHARED_DATA, 'scifact'))).toThrow(/scifact evaluation collection/);
    },
  );
  it.skipIf(!have(join(SHARED_DATA, 'bbc_news'), 'BBC News'))(
    'loads the default BBC News corpus split (not its evaluation split)',
    () => {
      const ps = loadSeedCorpus('bbc_news', { dataDir: SHARED_DATA });
      expect(ps.length).toBeGreaterThan(5000);
      expect(ps[0]).toMatchObject({ id: expect.stringMatching(/#1$/), source: 'bbc_news' });
    },
  );
  it('says which file is missing for a path that does not exist', () => {
    expect(() => loadSeedCorpus('no/such/file.jsonl')).toThrow(/no\/such\/file\.jsonl: corpus file not found/);
  });
});
