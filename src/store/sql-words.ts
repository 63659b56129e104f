/**
 * Words of our own vocabulary (src/vocabulary.ts) written into SQL as a list: `'a', 'b'`. For a
 * fragment that several queries share with parameters of their own (CANDIDATE_VIEW), where a
 * `$n` would have to be numbered anew in each; a value from outside never comes here, and a
 * word that is not a plain lower-case identifier is refused rather than quoted.
 */
export function sqlWords(words: readonly string[]): string {
  for (const w of words) if (!/^[a-z_]+$/.test(w)) throw new Error(`sqlWords: '${w}' is not a vocabulary word`);
  return words.map((w) => `'${w}'`).join(', ');
}
