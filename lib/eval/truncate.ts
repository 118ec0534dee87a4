// Matryoshka evaluation scores prefix dimensions of stored embeddings: the encoder's
// truncate-and-re-normalise helper, re-exported so the eval runners have one import site.
export { truncateAndNormalize } from '../encoder/truncate-normalize';
