// Table 2: the fine-tuning mixture's composition. FRet only, FRet + NLI, FRet + classification,
// and all sources (the preset's weights). Weights are relative; a 0 leaves a source out.
import type { AblationSpec } from '../spec';

const none = { fret: 0, squad: 0, nli: 0, multinli: 0, snli: 0, sts: 0, banking77: 0 };

export const spec: AblationSpec = {
  name: 'mixture',
  title: 'Fine-tuning mixture composition',
  mirrors: 'Table 2',
  question: 'How much do the academic sources add to FRet, per task type?',
  reference: 'all',
  arms: [
    { name: 'all', overrides: {}, note: "every source at the preset's weights" },
    {
      name: 'fret-only',
      overrides: (b) => ({ finetune: { mixture: { ...none, fret: b.finetune.mixture.fret } } }),
      note: 'FRet alone',
    },
    {
      name: 'fret+nli',
      overrides: (b) => ({
        finetune: { mixture: { ...none, fret: b.finetune.mixture.fret, multinli: b.finetune.mixture.multinli } },
      }),
      note: 'FRet + NLI (MultiNLI)',
    },
    {
      name: 'fret+classification',
      overrides: (b) => ({
        finetune: { mixture: { ...none, fret: b.finetune.mixture.fret, banking77: b.finetune.mixture.banking77 } },
      }),
      note: 'FRet + Banking77 (classification)',
    },
  ],
  tasks: ['SciFact', 'STSBenchmark', 'Banking77Classification', 'MRPC', 'AGNewsClustering'],
  seedVariesFret: false,
  standIn:
    'The academic sources are real data, so this ablation is meaningful with the stand-in; only the FRet part is lexical. Banking77 is in-domain for its own test set (its train split is in the mixture), which inflates the classification arm on that task.',
};
