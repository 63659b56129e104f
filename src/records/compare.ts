import { idDistance, MIN_ID_LENGTH_FOR_EDIT } from './id-numbers.ts';
import { givenNamesEquivalent, initialsOf } from './given-names.ts';
import { phoneticAgrees } from './phonetic.ts';
import type { ArchiveRecord, KeyedToken, SubjectRecord } from './record.ts';
import { trigramSimilarity, TRIGRAM_CLOSE } from './trigram.ts';

/**
 * Agreement levels, field by field (issue 14 point 3). A field missing on either side has no
 * level: it weighs nothing. Levels are ordered best first in each list.
 */
export const LEVELS = {
  surname: ['same', 'phonetic_trigram', 'phonetic', 'trigram', 'different'],
  givenName: ['same', 'initial', 'different'],
  patronymic: ['same', 'initial', 'different'],
  birthYear: ['same', 'within_1', 'within_3', 'different'],
  idNumber: ['same', 'one_edit', 'different'],
  unit: ['same', 'different'],
  marks: ['kind_and_place', 'kind', 'different'],
  face: ['strong', 'possible', 'weak', 'below_floor'],
} as const;

export type Field = keyof typeof LEVELS;
export type Level<F extends Field = Field> = (typeof LEVELS)[F][number];
export type Levels = { [F in Field]?: Level<F> };

function surnameLevel(s: KeyedToken, t: KeyedToken): Level<'surname'> {
  if (t.initial) return 'different';
  if (s.skeleton === t.skeleton) return 'same';
  const phonetic = phoneticAgrees(s.dm, t.dm);
  const close = trigramSimilarity(s.skeleton, t.skeleton) >= TRIGRAM_CLOSE;
  if (phonetic && close) return 'phonetic_trigram';
  if (phonetic) return 'phonetic';
  if (close) return 'trigram';
  return 'different';
}

function givenLevel(s: KeyedToken, t: KeyedToken, patronymic: boolean): Level<'givenName'> {
  if (t.initial) return initialsOf(s.skeleton).includes(t.skeleton[0] ?? '') ? 'initial' : 'different';
  if (patronymic) {
    // Patronymics have no equivalents list: Petrovich, Petrovych and Petrowicz meet by key or sound.
    if (
      s.skeleton === t.skeleton ||
      (phoneticAgrees(s.dm, t.dm) && trigramSimilarity(s.skeleton, t.skeleton) >= TRIGRAM_CLOSE)
    )
      return 'same';
    return 'different';
  }
  return givenNamesEquivalent(s.skeleton, t.skeleton) ? 'same' : 'different';
}

const rank = <F extends Field>(f: F, l: Level<F>): number => (LEVELS[f] as readonly string[]).indexOf(l);

/**
 * The name levels of one written name: the surname takes the token that agrees best; the given
 * name and patronymic the best of the rest, an initial standing for the given name before the
 * patronymic ("IVANOV S.P.").
 */
function nameLevels(
  s: SubjectRecord,
  tokens: readonly KeyedToken[],
): Pick<Levels, 'surname' | 'givenName' | 'patronymic'> {
  const out: Pick<Levels, 'surname' | 'givenName' | 'patronymic'> = {};
  const used = new Set<number>();
  if (s.surname) {
    let best: Level<'surname'> = 'different';
    let at = -1;
    tokens.forEach((t, i) => {
      const l = surnameLevel(s.surname!, t);
      if (rank('surname', l) < rank('surname', best)) [best, at] = [l, i];
    });
    out.surname = best;
    if (at >= 0) used.add(at);
  }
  for (const field of ['givenName', 'patronymic'] as const) {
    const want = s[field];
    if (!want) continue;
    const patronymic = field === 'patronymic';
    let best: Level<'givenName'> = 'different';
    let at = -1;
    tokens.forEach((t, i) => {
      if (used.has(i)) return;
      // An initial after another initial is the patronymic's; the first one the given name's.
      const l = givenLevel(want, t, patronymic);
      if (rank('givenName', l) < rank('givenName', best)) [best, at] = [l, i];
    });
    // Only a name with something left to compare says "different".
    if (at >= 0) used.add(at);
    if (at >= 0 || tokens.some((_, i) => !used.has(i))) out[field] = best;
  }
  return out;
}

/** How a family's description agrees with an archive record, field by field. */
export function compareRecords(s: SubjectRecord, r: ArchiveRecord): Levels {
  const out: Levels = {};
  // Several written names (a list, a dog tag, a letter): the one that agrees best on the surname, then the rest.
  let bestScore = Infinity;
  for (const tokens of r.names) {
    const l = nameLevels(s, tokens);
    const score =
      (l.surname ? rank('surname', l.surname) * 100 : 0) +
      (l.givenName ? rank('givenName', l.givenName) * 10 : 0) +
      (l.patronymic ? rank('patronymic', l.patronymic) : 0);
    if (score < bestScore) {
      bestScore = score;
      delete out.surname;
      delete out.givenName;
      delete out.patronymic;
      Object.assign(out, l);
    }
  }
  if (s.birth && r.birth) {
    const d = Math.abs(s.birth.year - r.birth.year);
    out.birthYear = d === 0 ? 'same' : d === 1 ? 'within_1' : d <= 3 ? 'within_3' : 'different';
  }
  if (s.idNumber && r.idNumbers.length > 0) {
    const d = Math.min(...r.idNumbers.map((n) => idDistance(s.idNumber!, n)));
    out.idNumber = d === 0 ? 'same' : d === 1 && s.idNumber.length >= MIN_ID_LENGTH_FOR_EDIT ? 'one_edit' : 'different';
  }
  if (s.unit.length > 0 && r.unit.length > 0) out.unit = s.unit.some((u) => r.unit.includes(u)) ? 'same' : 'different';
  if (s.marks && r.marks && s.marks.kinds.length > 0 && r.marks.kinds.length > 0) {
    const kinds = s.marks.kinds.filter((k) => r.marks!.kinds.includes(k));
    const parts = s.marks.parts.filter((p) => r.marks!.parts.includes(p));
    out.marks = kinds.length > 0 && parts.length > 0 ? 'kind_and_place' : kinds.length > 0 ? 'kind' : 'different';
  }
  return out;
}

/**
 * Whether two archive records say they are two different men (issue 26: a suggested merge needs
 * records that do not disagree): both have a date of birth and the years differ by more than one,
 * or both have document numbers and none is within one edit of another, or both have names and
 * no way of reading one as the other's surname agrees even phonetically. A field missing on
 * either side says nothing; units and marks change (transfers, wounds) and are not judged.
 */
export function recordsDisagree(a: ArchiveRecord, b: ArchiveRecord): boolean {
  if (a.birth && b.birth && Math.abs(a.birth.year - b.birth.year) > 1) return true;
  if (a.idNumbers.length > 0 && b.idNumbers.length > 0) {
    const close = a.idNumbers.some((x) => b.idNumbers.some((y) => idDistance(x, y) <= 1));
    if (!close) return true;
  }
  if (a.names.length > 0 && b.names.length > 0) {
    const agrees = a.names.some((tokens) =>
      tokens.some((t) => {
        if (t.initial) return false;
        const l = compareRecords({ surname: t, unit: [] }, b).surname;
        return l !== undefined && l !== 'different';
      }),
    );
    if (!agrees) return true;
  }
  return false;
}
