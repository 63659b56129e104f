import * as talisman from 'talisman/phonetics/daitch-mokotoff.js';

/**
 * Daitch-Mokotoff Soundex (talisman's implementation): the phonetic key of a name, built for
 * Slavic and Yiddish surnames written in Latin letters, so "Ivanov", "Iwanow" and "Ivanoff" share
 * a code, and so do "Serhii" and "Sergei". A name can have several codes (a letter group that
 * reads two ways); two names agree phonetically when their code sets meet. PostgreSQL 15 has no
 * daitch_mokotoff(), so the codes are computed here and stored.
 */
type DM = (name: string) => string[];
// talisman is CommonJS with `exports.default`: depending on the loader the function is the
// module's default or the default's default.
const mod = talisman as unknown as { default: DM | { default: DM } };
const daitchMokotoff: DM = typeof mod.default === 'function' ? mod.default : mod.default.default;

export function phoneticCodes(latin: string): string[] {
  if (!/[a-z]/.test(latin)) return [];
  return [...new Set(daitchMokotoff(latin))].sort();
}

export function phoneticAgrees(a: readonly string[], b: readonly string[]): boolean {
  return a.some((c) => b.includes(c));
}
