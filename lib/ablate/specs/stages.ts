// The training stages, one at a time (Gemini Embedding's "no training -> pre-finetuning only"
// ablation, paper notes section 5): the backbone as imported, after pre-finetuning, and after
// fine-tuning on FRet + the mixture (the preset, the reference). Run it with `--seed-scope all`
// so that a seed also varies pre-finetuning: otherwise the pre-finetuned arm is one model.
// The tasks leave out what the backbone or the mixture trained on (USE-lite's STS sources,
// Banking77), so that a difference is not in-domain fitting.
import type { AblationSpec } from '../spec';

export const spec: AblationSpec = {
  name: 'stages',
  title: 'What each training stage adds',
  mirrors: 'section 3.3 (pre-finetuning, then fine-tuning); Gemini Embedding: no training -> pre-finetuning only',
  question: 'Does fine-tuning on FRet + the mixture add to pre-finetuning, and pre-finetuning to the backbone?',
  reference: 'fine-tuned',
  arms: [
    { name: 'fine-tuned', overrides: {}, note: 'pre-finetuning, then fine-tuning (the preset)' },
    { name: 'pre-finetuned', overrides: { finetune: { steps: 0 } }, note: 'pre-finetuning only (no fine-tuning step)' },
    {
      name: 'backbone',
      overrides: { prefinetune: { steps: 0 }, finetune: { steps: 0 } },
      note: 'the backbone as imported or pretrained (no contrastive step)',
    },
  ],
  tasks: ['SciFact', 'CISI', 'BIOSSES', 'MRPC', 'AGNewsClustering'],
  seedVariesFret: false,
  standIn:
    'Fine-tuning learns from FRet, so its arm depends on the teacher: with the stand-in the FRet part of the mixture is lexical, and this measures what that mixture adds at this scale, not what an LLM-distilled FRet would.',
};
