// Table 2 (and Table 7): Gecko's unified format `task: … | query: …` / `title: … | text: …`
// against plain text, applied the same way in training, FRet retrieval and evaluation.
import type { AblationSpec } from '../spec';

export const spec: AblationSpec = {
  name: 'format',
  title: 'Unified task format vs plain text',
  mirrors: 'Table 2 / Table 7',
  question: 'Does the unified format (task prompt in every input) help across task types?',
  reference: 'unified',
  arms: [
    { name: 'unified', overrides: {}, note: 'task: … | query: … and title: … | text: …' },
    { name: 'plain', overrides: { format: 'plain' }, note: 'the bare texts' },
  ],
  tasks: ['SciFact', 'STSBenchmark', 'Banking77Classification', 'MRPC', 'AGNewsClustering'],
  seedVariesFret: false,
  standIn:
    "Training and evaluation are real here; the offline teacher's own task strings are templates, so FRet adds little task diversity for the format to exploit. BM25 retrieval in FRet gets the bare query either way, so FRet's records are the same in both arms.",
};
