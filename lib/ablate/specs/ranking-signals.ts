// Table 6 (appendix A): rank FRet candidates by query likelihood only, relevance
// classification only, or both fused by reciprocal rank fusion.
import type { AblationSpec } from '../spec';

export const spec: AblationSpec = {
  name: 'ranking-signals',
  title: 'FRet ranking signals: QL, RC, or both fused',
  mirrors: 'Table 6 (appendix A)',
  question: 'Does fusing query likelihood and relevance classification beat either signal alone?',
  reference: 'both',
  arms: [
    { name: 'both', overrides: {}, note: 'RRF of the QL and RC ranks (k = 0)' },
    { name: 'ql', overrides: { fret: { signals: 'ql' } }, note: 'query likelihood only' },
    { name: 'rc', overrides: { fret: { signals: 'rc' } }, note: 'relevance classification only' },
  ],
  tasks: ['SciFact', 'Cranfield', 'CISI', 'SciFactReranking', 'STSBenchmark'],
  seedVariesFret: true,
  standIn:
    "The offline teacher's QL and RC are two lexical scores computed from the same overlap statistics, so they agree far more than an LLM's two prompts do: differences between the arms bound how much the signal choice can matter here, and say nothing about an LLM's QL against its RC.",
};
