// The README.md model card of an exported model: what it is, how to load it, the input
// format (task prefixes), the architecture mapping, the training config and the eval scores
// found in its run folder. Every number in it is read from a file the run wrote. It holds no
// local path: the checkpoint is named by its id, the run by its folder's name, and absolute
// paths in the config or meta are cut to their last part (withoutLocalPaths).
import type { EncoderConfig } from '../encoder/config';
import { producerLine, type Producer } from '../core/version';
import { paramCount, paramSpecs } from '../encoder/params';
import { HF_ARCHITECTURE, HF_MODEL_TYPE } from './hf-model';

export interface CardScore {
  task: string;
  type: string;
  dim: number | null;
  mainScore: number;
  metric: string;
  /** The sub-sampling caps the score was measured under. */
  sample: string;
}

export interface CardInput {
  checkpointId: string;
  config: EncoderConfig;
  tokenizerKind: string;
  padToken: string;
  padId: number;
  meta: Record<string, unknown>;
  /** The run folder's name (not its path) and its resolved config.json, when the checkpoint lies inside one. */
  run?: { name: string; config: Record<string, unknown> };
  scores: CardScore[];
  matryoshkaDims: number[];
  producer: Producer;
  exportedAt: string;
  /** An imported BERT / XLM-R (gecko import) written back as this architecture (BertModel, XLMRobertaModel). */
  hfArchitecture?: string;
}

const fmt = (x: number) => x.toFixed(4);

/** An absolute path (POSIX, or a Windows drive) standing alone or after a space, quote, '=', ':' or '('. */
const LOCAL_PATH = /(^|[\s'"=:(])((?:[A-Za-z]:)?(?:[\\/][^\s'"\\/,)]+)+[\\/]?)/g;

/**
 * A copy of a JSON value in which every absolute local path inside a string is cut to
 * `<local path>/<its last part>`, so an exported file says what was used without saying where
 * it lay on the exporting machine.
 * @example withoutLocalPaths({ init: '/home/me/runs/x/ckpt' }) // { init: '<local path>/ckpt' }
 */
export function withoutLocalPaths<T>(value: T): T {
  if (typeof value === 'string')
    return value.replace(LOCAL_PATH, (_, pre: string, path: string) => {
      const parts = path.split(/[\\/]/).filter(Boolean);
      return `${pre}<local path>/${parts[parts.length - 1] ?? ''}`;
    }) as T;
  if (Array.isArray(value)) return value.map((v) => withoutLocalPaths(v)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutLocalPaths(v)])) as T;
  return value;
}

function scoreTable(scores: readonly CardScore[]): string {
  if (!scores.length)
    return 'No evaluation results of this checkpoint were found in its run folder (run `gecko eval --model <checkpoint> --out <run>/eval` before exporting to list them here).';
  const rows = [...scores].sort(
    (a, b) => a.type.localeCompare(b.type) || a.task.localeCompare(b.task) || (b.dim ?? 0) - (a.dim ?? 0),
  );
  return [
    '| task | type | dim | main score | metric | sample |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (s) => `| ${s.task} | ${s.type} | ${s.dim ?? 'full'} | ${fmt(s.mainScore)} | ${s.metric} | ${s.sample} |`,
    ),
    '',
    `Scores are read from the MTEB-format result files in the run folder's \`eval/\`; "sample" gives the evaluation caps and seed (eval_config): scores measured under different caps are not comparable, and sub-sampled scores are not comparable with the MTEB leaderboard.`,
  ].join('\n');
}

/** The README.md text. */
export function modelCard(c: CardInput): string {
  if (c.hfArchitecture) return importedCard(c, c.hfArchitecture);
  const cfg = c.config;
  const dims = c.matryoshkaDims.length ? c.matryoshkaDims.join(', ') : String(cfg.dModel);
  // every parameter but the MLM head's output bias (not part of the embedding model)
  const params = paramCount(paramSpecs(cfg)) - cfg.vocabSize;
  const meta = Object.entries(c.meta)
    .filter(([, v]) => typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  return `---
library_name: sentence-transformers
pipeline_tag: sentence-similarity
tags:
  - sentence-transformers
  - feature-extraction
  - sentence-similarity
  - gecko-workbench
---

# Gecko-workbench text embedder (${c.checkpointId})

A small dual encoder trained with the Gecko workbench (a TypeScript reproduction of *Gecko: Versatile
Text Embeddings Distilled from Large Language Models*, Lee et al. 2024). ${cfg.layers} layers, width
${cfg.dModel}, ${cfg.heads} heads, FFN ${cfg.ffn}, at most ${cfg.maxLen} tokens, ${(params / 1e6).toFixed(2)} M
parameters (embedding model only). Embeddings are mean-pooled over every token and L2-normalised;
compare them with cosine similarity (= dot product).

- Exported from checkpoint \`${c.checkpointId}\`${c.run ? ` of run \`${c.run.name}\`` : ''}${meta ? ` (${meta})` : ''} by ${producerLine(c.producer)} on ${c.exportedAt}.
- Weights: \`model.safetensors\` (float32).
- The same weights as an ONNX graph: \`onnx/model.onnx\` (inputs \`input_ids\` and \`attention_mask\`;
  outputs \`last_hidden_state\` and the pooled, normalised \`sentence_embedding\`), where
  sentence-transformers' ONNX backend (\`SentenceTransformer(folder, backend="onnx")\`) and onnxruntime look for it.

## Input format: task prefixes

The model was trained on the paper's unified input format, and expects it at inference:

- queries, and both sides of symmetric tasks (STS, classification, clustering):
  \`task: {task} | query: {text}\`, e.g. \`task: search result | query: who wrote hamlet\`
- passages (the documents of retrieval):
  \`title: {title or none} | text: {text}\`, e.g. \`title: none | text: Hamlet is a tragedy ...\`

Task strings the workbench uses include \`search result\`, \`question answering\`, \`fact checking\`,
\`sentence similarity\` and \`classification\`. The prefix is part of the text: it is tokenized
and mean-pooled with it. \`config_sentence_transformers.json\` carries two prompts for
sentence-transformers: \`query\` (\`task: search result | query: \`) and \`document\`
(\`title: none | text: \`); for another task or a passage with a title, format the text yourself.

## Matryoshka dimensions

Trained with a Matryoshka loss at dimensions ${dims}: keep the first *d* values and re-normalise
(sentence-transformers: \`truncate_dim=d\`).

## Usage

\`\`\`python
from sentence_transformers import SentenceTransformer
model = SentenceTransformer("path/to/this/folder")
q = model.encode(["who wrote hamlet"], prompt_name="query")
p = model.encode(["Hamlet is a tragedy by William Shakespeare."], prompt_name="document")
print(q @ p.T)
\`\`\`

With transformers alone: \`AutoModel.from_pretrained(folder)\` gives an \`${HF_ARCHITECTURE}\`; mean-pool
\`last_hidden_state\` over the attention mask and L2-normalise. \`scripts/torch_embed.py\` in the
workbench does the same with plain PyTorch (no transformers) and is the parity test's reference.

## Architecture

${architectureSection(cfg, c.padToken, c.padId)}

## Tokenizer

\`tokenizer.json\` is the checkpoint's own tokenizer (${c.tokenizerKind === 'wordpiece' ? 'a WordPiece vocabulary trained by the workbench: BERT normaliser and pre-tokenizer, no post-processor' : 'a standard Hugging Face tokenizer'}). No [CLS]/[SEP] are added: the encoder mean-pools and
was trained without them. Texts are truncated to ${cfg.maxLen} tokens. One known difference: a text
containing a special token literally (e.g. the string \`${c.padToken}\`) is split into plain
word pieces by the workbench but matched as the special token by Hugging Face tokenizers.

## Evaluation

${scoreTable(c.scores)}

## Training config

${c.run ? `From the \`config.json\` of run \`${c.run.name}\` (the resolved experiment config of the run that trained it):\n\n\`\`\`json\n${JSON.stringify(c.run.config, null, 2)}\n\`\`\`` : 'The checkpoint is not inside a run folder (no config.json and env.json above it), so the training config is unknown here.'}
`;
}

function architectureSection(cfg: EncoderConfig, padToken: string, padId: number): string {
  return `Token + learned absolute position embeddings (no token-type embeddings, no embedding LayerNorm),
${cfg.layers} pre-LN transformer blocks \`x + Attn(LN(x))\`, \`x + FFN(LN(x))\` with exact (erf) GELU and biases
on every linear layer, a final LayerNorm (eps ${cfg.lnEps}), bidirectional attention.

This function is exactly transformers' **${HF_ARCHITECTURE}** (\`model_type: ${HF_MODEL_TYPE}\`), which
is pre-LN with a final encoder LayerNorm and no embedding LayerNorm; BERT is not (post-LN, embedding
LayerNorm). Two reparametrisations make the weights fit without changing the function:

- position ids in RoBERTa models start at \`pad_token_id + 1\` (here \`${padToken}\` = ${padId}), so the exported
  position table has \`max_position_embeddings = ${cfg.maxLen} + ${padId} + 1\` rows, whose
  first \`pad_token_id + 1\` rows are zero and never read for real tokens;
- one token type, with an all-zero embedding.

The pooler weights (\`pooler.dense\`) are zeros: the model has no pooler, sentence-transformers
never calls it. The differences are in training only: our dropout (p = ${cfg.dropout}) sits on the
embeddings, the attention output and the FFN output; ${HF_ARCHITECTURE} has no dropout after the FFN
and one on attention probabilities (set to 0 in config.json). Fine-tuning this export in PyTorch is
therefore a slightly different regulariser, not a different model.`;
}

/** The card of an imported BERT / XLM-R checkpoint written back as its own architecture. */
function importedCard(c: CardInput, architecture: string): string {
  const cfg = c.config;
  const prompts = Object.entries(cfg.prompts ?? {}).filter(([, p]) => p);
  const source = typeof c.meta.source === 'string' ? withoutLocalPaths(c.meta.source) : 'a Hugging Face folder';
  return `---
library_name: sentence-transformers
pipeline_tag: sentence-similarity
tags:
  - sentence-transformers
  - feature-extraction
  - sentence-similarity
  - gecko-workbench
---

# ${architecture} exported by the Gecko workbench (${c.checkpointId})

Imported from \`${source}\` with \`gecko import\` and exported from checkpoint \`${c.checkpointId}\`
by ${producerLine(c.producer)} on ${c.exportedAt}. transformers' **${architecture}**:
${cfg.layers} post-LN blocks, width ${cfg.dModel}, ${cfg.heads} heads, FFN ${cfg.ffn} (${cfg.activation ?? 'gelu'}),
embedding LayerNorm, LayerNorm eps ${cfg.lnEps}, at most ${cfg.maxLen} tokens (\`max_position_embeddings\` keeps
the rows of those positions); one token type (type 0, the only one the workbench uses). Embeddings:
${cfg.pooling === 'cls' ? 'the first token' : 'the mean over every token'}, L2-normalised (a Normalize module).
The pooler (\`pooler.dense\`) is zeros: sentence-transformers never calls it.

Prompts (\`config_sentence_transformers.json\`): ${prompts.length ? prompts.map(([k, p]) => `\`${k}\` = \`${JSON.stringify(p)}\``).join(', ') : 'none'}.
The workbench also prepends them in training (the query prompt to queries, the passage prompt to passages).

## Evaluation

${scoreTable(c.scores)}

## Training config

${c.run ? `From the run folder \`${c.run.name}\` (its config.json):\n\n\`\`\`json\n${JSON.stringify(c.run.config, null, 2)}\n\`\`\`` : 'The checkpoint is not inside a run folder, so no training config is known here.'}
`;
}
