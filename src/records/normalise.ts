import * as translitModule from 'cyrillic-to-translit-js';

/**
 * Names across scripts (issue 14, DESIGN §11). Every name, Cyrillic or Latin, is brought to two
 * Latin forms:
 *
 * - `latin`: the transliteration (Ukrainian national scheme when the text has і ї є ґ, Russian
 *   otherwise, both from cyrillic-to-translit-js) or the Latin as written, lower-case ASCII, with
 *   Polish spellings read as they sound (w → v, sz → sh, cz → ch, rz → zh, ł → l). The
 *   Daitch-Mokotoff code is taken from it.
 * - `skeleton`: `latin` folded further so that the spellings of one name by the ICAO 9303,
 *   GOST 7.79, BGN/PCGN and passport schemes meet: j/y/i are one letter, kh is x, the Ukrainian
 *   h of Г is the Russian g, ts is c, ye/ie at the start is e, doubled letters are one. Equal
 *   skeletons are the "same key"; trigram similarity is measured on skeletons.
 */

type Translit = (config: { preset: 'ru' | 'uk' }) => { transform(input: string): string };
// CommonJS: the factory is the module's default or the default's default, depending on the loader.
const mod = translitModule as unknown as { default: Translit | { default: Translit } };
const cyrillicToTranslit: Translit = typeof mod.default === 'function' ? mod.default : mod.default.default;
const uk = cyrillicToTranslit({ preset: 'uk' });
const ru = cyrillicToTranslit({ preset: 'ru' });

const CYRILLIC = /[\u0400-\u04FF]/;
const UKRAINIAN_ONLY = /[іїєґІЇЄҐ]/;

/** NFKC, lower case, ё → е, apostrophes and soft/hard signs gone, runs of space collapsed. */
export function normaliseText(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/['’ʼ`ʹ´ьъ]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Cyrillic → Latin with the Ukrainian scheme when the text is Ukrainian, else the Russian one. */
export function transliterate(s: string): string {
  if (!CYRILLIC.test(s)) return s;
  return (UKRAINIAN_ONLY.test(s) ? uk : ru).transform(s);
}

/** One name token (no spaces) in plain Latin letters, lower case; '' when nothing is left. */
export function latinForm(token: string): string {
  return transliterate(normaliseText(token))
    .toLowerCase()
    .replace(/ł/g, 'l')
    .replace(/ø/g, 'o')
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z]/g, '')
    .replace(/szcz/g, 'shch')
    .replace(/sz/g, 'sh')
    .replace(/cz/g, 'ch')
    .replace(/rz/g, 'zh')
    .replace(/w/g, 'v');
}

/**
 * The folded key of one Latin token (see the module comment). The digraphs are replaced by
 * single stand-ins first so that their h is not read as the Ukrainian h.
 */
export function skeletonOf(latin: string): string {
  let s = latin
    .replace(/x/g, 'ks')
    .replace(/shch|sch/g, '1')
    .replace(/zh/g, '2')
    .replace(/kh/g, '3')
    .replace(/tch|ch/g, '4')
    .replace(/sh/g, '5')
    .replace(/ts|tz/g, 'c')
    .replace(/h/g, 'g')
    .replace(/[jy]/g, 'i')
    .replace(/([aeiou])ie/g, '$1e')
    .replace(/^ie/, 'e')
    .replace(/([^aeiou])io/g, '$1e')
    .replace(/off$/, 'ov')
    .replace(/(.)\1+/g, '$1');
  s = s.replace(/1/g, 'sc').replace(/2/g, 'z').replace(/3/g, 'x').replace(/4/g, 'c').replace(/5/g, 's');
  return s;
}

const INITIAL_DIGRAPH = /^(yu|ju|iu|ya|ja|ia|ye|je|yo|jo|ch|sh|zh|kh|ts|cz|sz)$/;

/** A token of a written name: a whole word, or an initial ("S." of "Ivanov S.P."). */
export interface NameToken {
  latin: string;
  skeleton: string;
  initial: boolean;
}

/**
 * The tokens of a name as written: words at spaces, commas, hyphens and dots, a one-letter word
 * (or a dotted run like "S.P.") read as initials. Order is kept: which token is the surname is
 * not decided here (archives write "IVANOV S.P." and "Serhii Koval").
 */
export function nameTokens(name: string): NameToken[] {
  const out: NameToken[] = [];
  for (const word of normaliseText(name).split(/[\s,;]+/)) {
    if (word === '') continue;
    // "s.p." and "с.п." are two initials; "ivanov." is a word with a dot.
    const parts = word.split(/[.\-‐–]/).filter((p) => p !== '');
    const dotted = word.includes('.');
    for (const part of parts) {
      const latin = latinForm(part);
      if (latin === '') continue;
      // An initial is one letter ("S", "С"), or a Latin digraph written for one Cyrillic letter ("Yu.", "Sh.").
      const initial = [...part].length === 1 || (dotted && INITIAL_DIGRAPH.test(part));
      out.push({ latin, skeleton: skeletonOf(latin), initial });
    }
  }
  return out;
}

/** The letter an initial or a name begins with, as initials are compared (y and j are i). */
export function initialOf(t: NameToken): string {
  return t.skeleton.slice(0, 1);
}

/** One whole word (a surname, a given name) as a token, or undefined when it holds no letter. */
export function wordToken(word: string): NameToken | undefined {
  const latin = latinForm(word.replace(/[\s.-]+/g, ''));
  return latin === '' ? undefined : { latin, skeleton: skeletonOf(latin), initial: false };
}
