// datasetStatus counts a file's rows once per process while the file is unchanged (the demo and
// the leak guard ask for every data set's status several times); a file that changes is counted again.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetStatus } from '../../lib/data/status';
import { have, SHARED_DATA, tmpDir } from '../helpers';

describe('datasetStatus', () => {
  it.skipIf(!have(join(SHARED_DATA, 'biosses'), 'shared data sets'))(
    'a file cut short after a first count is counted again (mismatch), and again when restored',
    () => {
      const root = tmpDir('gecko-status-');
      mkdirSync(join(root, 'biosses'));
      const file = join(root, 'biosses', 'biosses.tsv');
      copyFileSync(join(SHARED_DATA, 'biosses', 'biosses.tsv'), file);
      expect(datasetStatus('biosses', root).state).toBe('available');
      expect(datasetStatus('biosses', root).state).toBe('available'); // the remembered count
      const full = readFileSync(file, 'utf8');
      writeFileSync(file, full.split('\n').slice(0, 51).join('\n') + '\n');
      const cut = datasetStatus('biosses', root);
      expect(cut.state).toBe('mismatch');
      expect(cut.files[0]!.rows).toBe(50);
      writeFileSync(file, full);
      expect(datasetStatus('biosses', root).state).toBe('available');
    },
  );
});
