/**
 * Document numbers (military ID, dog tag, passport) as they are typed and read: separators and
 * spaces dropped, Cyrillic letters that look like Latin ones read as the Latin letter (a
 * Ukrainian military ID "АА 123456" typed in either layout is one number), upper case. Two
 * numbers agree exactly, or within one edit (a misread or missed character, two swapped).
 */

// Cyrillic letters with a Latin twin of the same shape, both cases (NFKC leaves them alone).
const LOOKALIKE: Record<string, string> = {
  А: 'A',
  В: 'B',
  Е: 'E',
  Ё: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  У: 'Y',
  Х: 'X',
  І: 'I',
  Ї: 'I',
  Ј: 'J',
  Ѕ: 'S',
};

export function foldIdNumber(raw: string): string {
  // № before NFKC, which would spell it "No".
  return [...raw.replace(/[№#]/g, '').normalize('NFKC').toUpperCase()]
    .map((ch) => LOOKALIKE[ch] ?? ch)
    .join('')
    .replace(/[^0-9A-Z\u0400-\u04FF]/g, '');
}

/** Numbers this short say too little to match on one edit (a "12" is one edit from a hundred others). */
export const MIN_ID_LENGTH_FOR_EDIT = 5;

/**
 * The number and its one-deletion variants (symmetric deletion): two numbers within one
 * substitution, insertion, deletion or adjacent swap share a variant, so one indexed lookup finds
 * them. Short numbers get no variants.
 */
export function idVariants(folded: string): string[] {
  const out = new Set<string>([folded]);
  if (folded.length >= MIN_ID_LENGTH_FOR_EDIT)
    for (let i = 0; i < folded.length; i++) out.add(folded.slice(0, i) + folded.slice(i + 1));
  return [...out];
}

/** Damerau (optimal string alignment) distance, capped: only 0, 1 or "more" matter here. */
export function idDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > 1) return 2;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return Math.min(d[a.length]![b.length]!, 2);
}
