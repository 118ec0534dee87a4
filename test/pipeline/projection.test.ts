import { describe, expect, it } from 'vitest';
import { hashEmbedder } from '../../lib/eval/hash-embedder';
import { taskProjection } from '../../lib/pipeline/projection';
import { have, SHARED_DATA } from '../helpers';

describe('taskProjection', () => {
  it.skipIf(!have(SHARED_DATA, 'shared data sets'))(
    'embeds a seeded sample of a clustering task and colours it by topic',
    async () => {
      const prev = process.env.GECKO_DATA_DIR;
      process.env.GECKO_DATA_DIR = SHARED_DATA;
      try {
        const fig = await taskProjection(hashEmbedder(16), { seed: 1, n: 60 });
        expect(fig.data.map((t) => t.name)).toEqual(['Business', 'Sci/Tech', 'Sports', 'World']);
        expect(fig.data.reduce((s, t) => s + (t.x as number[]).length, 0)).toBe(60);
        expect(fig.layout.title.text).toBe(
          'AGNewsClustering: 60 texts embedded by hash:16 (16-d), PCA, coloured by topic',
        );
        const again = await taskProjection(hashEmbedder(16), { seed: 1, n: 60 });
        expect(again.data).toEqual(fig.data); // seeded sample and seeded PCA
        await expect(taskProjection(hashEmbedder(16), { seed: 1, task: 'SciFact' })).rejects.toThrow(
          /Retrieval task; use a Clustering task/,
        );
      } finally {
        if (prev === undefined) delete process.env.GECKO_DATA_DIR;
        else process.env.GECKO_DATA_DIR = prev;
      }
    },
  );
});
