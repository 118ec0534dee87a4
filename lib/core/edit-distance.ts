// Levenshtein distance, for "did you mean ...?" hints on a mistyped name.

/**
 * The number of single-character insertions, deletions and substitutions that turn `a` into `b`
 * (by code point, so an emoji counts once).
 * @example editDistance('use-lyte', 'use-lite') // 1
 */
export function editDistance(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[y.length]!;
}
