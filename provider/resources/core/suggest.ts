// "Did you mean …?" for names a user typed: permission names, resource types, and what lookups did not find. Only a
// suggestion in a message: nothing is ever chosen for the user (lookups stay exact).

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The candidate closest to `word` (ignoring case), when it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const same = candidates.find((c) => c.toLowerCase() === lower);
  if (same) return same;
  let best: { name: string; d: number } | undefined;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (!best || d < best.d) best = { name: c, d };
  }
  // About one edit in three characters: a typo, not another word ('*' is never a typo of anything).
  return best && best.name.length > 1 && best.d <= Math.max(1, Math.floor(word.length / 3))
    ? best.name
    : undefined;
}
