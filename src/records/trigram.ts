/**
 * pg_trgm's similarity in JavaScript, so the level a pair is given matches what the index found:
 * each word padded with two spaces in front and one behind, its three-letter pieces as a set,
 * similarity = shared pieces / all pieces.
 */
function trigrams(s: string): Set<string> {
  const out = new Set<string>();
  for (const word of s.split(/\s+/).filter((w) => w !== '')) {
    const p = `  ${word} `;
    for (let i = 0; i + 3 <= p.length; i++) out.add(p.slice(i, i + 3));
  }
  return out;
}

export function trigramSimilarity(a: string, b: string): number {
  const ta = trigrams(a);
  const tb = trigrams(b);
  if (ta.size === 0 || tb.size === 0) return 0;
  let shared = 0;
  for (const t of ta) if (tb.has(t)) shared++;
  return shared / (ta.size + tb.size - shared);
}

/** Skeletons at least this similar are "close" (typos, a dropped ending): the blocking query's pg_trgm threshold too. */
export const TRIGRAM_CLOSE = 0.5;
