// Same-tower negatives (Eq. 3): other queries of the batch as negatives for a query, which the
// paper adds for symmetric tasks (STS, pair classification).
import type { AblationSpec } from '../spec';

export const spec: AblationSpec = {
  name: 'same-tower',
  title: 'Same-tower negatives on/off',
  mirrors: 'Eq. 3 (section 3.3)',
  question: 'Do same-tower negatives help symmetric tasks without hurting retrieval?',
  reference: 'on',
  arms: [
    { name: 'on', overrides: { finetune: { sameTower: true } }, note: 'other queries of the batch are negatives too' },
    {
      name: 'off',
      overrides: { finetune: { sameTower: false } },
      note: 'passages only (positives and hard negatives)',
    },
  ],
  tasks: ['STSBenchmark', 'MRPC', 'SciFact'],
  seedVariesFret: false,
  standIn: 'Independent of the teacher: a loss switch, scored on real tasks.',
};
