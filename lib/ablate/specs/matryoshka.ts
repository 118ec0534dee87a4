// Matryoshka representation learning (section 3.3): the loss at several prefix widths vs one
// loss at the full width, scored at the full width, at a quarter of it, and at the smallest
// Matryoshka size the preset trains (the demo's d16, an eighth).
import type { AblationSpec } from '../spec';

export const spec: AblationSpec = {
  name: 'matryoshka',
  title: 'Matryoshka vs plain fine-tuning',
  mirrors: 'section 3.3 (MRL; the paper reports 256-d against 768-d, Table 1)',
  question:
    'Does the Matryoshka loss keep quality at a quarter and at an eighth of the width, and what does it cost at full width?',
  reference: 'matryoshka',
  arms: [
    { name: 'matryoshka', overrides: {}, note: "the preset's Matryoshka dims and weights" },
    {
      name: 'plain',
      overrides: (b) => ({ finetune: { matryoshkaDims: [b.encoder.dModel], matryoshkaWeights: [1] } }),
      note: 'one loss term at the full width',
    },
  ],
  tasks: ['SciFact', 'STSBenchmark', 'Banking77Classification'],
  dims: (b) => [
    ...new Set([
      b.encoder.dModel,
      Math.max(1, Math.floor(b.encoder.dModel / 4)),
      Math.min(...b.finetune.matryoshkaDims),
    ]),
  ],
  seedVariesFret: false,
  standIn: 'Independent of the teacher: the loss and the evaluation are the real thing at a small scale.',
};
