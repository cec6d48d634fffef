/** A filter expression that cannot be parsed or compiled; `column` is 1-based into the expression. */
export class FilterError extends Error {
  override name = 'FilterError';
  /** The message without its position, for UIs that show the column themselves. */
  readonly reason: string;
  readonly column: number;
  constructor(reason: string, column: number) {
    super(`${reason} at column ${column}`);
    this.reason = reason;
    this.column = column;
  }
}

/** Optimal string alignment distance (Levenshtein plus transpositions), for "did you mean" hints. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** ` (did you mean host?)` when one candidate is close enough, else ''. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const w = word.toLowerCase().slice(0, 64);
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(w, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best !== null && bestD <= (w.length <= 3 ? 1 : 2) ? ` (did you mean ${best}?)` : '';
}
