// A picture of an embedding space: the texts of a clustering task (AG News topics by
// default), embedded with the task's prompt as the evaluation does, projected to 2-D by PCA
// and coloured by their gold topic. Well-trained embeddings separate the colours.
import { formatQuery } from '../core/format';
import type { Embedder } from '../core/types';
import { getTask } from '../eval/tasks/registry';
import { loadTaskData } from '../eval/task-data';
import type { Figure } from '../plots/figure';
import { embeddingProjection } from '../plots/projection';
import { loadEmbedder } from '../encoder/embedder';

/**
 * Embed `n` texts of a clustering task (seeded sample of its evaluation split) and project them.
 * @example show(await taskProjection(embedder, { seed: ctx.config.seed }))
 */
export async function taskProjection(
  embedder: Embedder,
  opts: { seed: number; task?: string; n?: number; batchSize?: number; label?: string },
): Promise<Figure> {
  const task = getTask(opts.task ?? 'AGNewsClustering');
  if (task.type !== 'Clustering')
    throw new Error(
      `taskProjection: ${task.name} is a ${task.type} task; use a Clustering task (AGNewsClustering, BBCNewsClustering)`,
    );
  const data = loadTaskData(task, {
    maxQueries: 0,
    maxCorpus: 0,
    maxTrain: 0,
    maxTest: opts.n ?? 400,
    seed: opts.seed,
  });
  if (data.kind !== 'clustering') throw new Error(`taskProjection: ${task.name} did not load as clustering data`);
  const texts = data.items.map((r) => formatQuery(task.prompt, r.text));
  const batch = opts.batchSize ?? 64;
  const vecs: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += batch) vecs.push(...(await embedder.embed(texts.slice(i, i + batch))));
  const labels = data.items.map((r) => data.labelNames[r.label] ?? String(r.label));
  return embeddingProjection(vecs, labels, {
    seed: opts.seed,
    title: `${task.name}: ${texts.length} texts embedded by ${opts.label ?? embedder.id} (${embedder.dim}-d), PCA, coloured by topic`,
  });
}

/**
 * taskProjection for a checkpoint folder (the encoder is started, used and closed).
 * @example show(await checkpointProjection(ft.checkpoint, { seed: ctx.config.seed, label: 'fine-tuned' }))
 */
export async function checkpointProjection(
  dir: string,
  opts: { seed: number; task?: string; n?: number; label?: string },
): Promise<Figure> {
  const embedder = await loadEmbedder(dir);
  try {
    return await taskProjection(embedder, opts);
  } finally {
    await embedder.close();
  }
}
