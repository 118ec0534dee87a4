// Fig. 4: which positive (the LLM-mined fused top-1, or the seed passage the query was written
// from) and which hard negative (none, a random candidate, the lowest fused one) to train on.
import type { AblationSpec } from '../spec';

export const spec: AblationSpec = {
  name: 'positives-negatives',
  title: 'FRet positives and hard negatives',
  mirrors: 'Fig. 4',
  question: 'Does the LLM-mined positive beat the seed passage, and which hard negative helps most?',
  reference: 'fused+lowest',
  arms: [
    {
      name: 'fused+lowest',
      overrides: {},
      note: "the paper's recipe: fused top-1 positive, lowest fused (p_N) negative",
    },
    {
      name: 'fused+random',
      overrides: { fret: { negativeStrategy: 'random' } },
      note: 'fused positive, a random other candidate as negative',
    },
    {
      name: 'fused+none',
      overrides: { fret: { negativeStrategy: 'none' } },
      note: 'fused positive, in-batch negatives only',
    },
    {
      name: 'seed+lowest',
      overrides: { fret: { positive: 'seed' } },
      note: 'the seed passage as positive, lowest fused negative',
    },
  ],
  tasks: ['SciFact', 'Cranfield', 'CISI', 'SciFactReranking', 'STSBenchmark'],
  seedVariesFret: true,
  standIn:
    "The offline teacher ranks candidates by lexical overlap, not by an LLM's judgement, so 'fused' here is a lexical re-ranking of BM25's candidates: the arms test that the switch is wired and how much the choice of positive moves training, not whether an LLM's mined positive beats the seed passage.",
};
