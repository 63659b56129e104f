import type { Field, Level, Levels } from './compare.ts';

/**
 * Fellegi-Sunter weights (as Splink computes them): each field's agreement level weighs
 * log2(m/u), where m = P(level | same person) and u = P(level | two different people). The
 * total of the compared fields ranks the candidates; a missing field weighs nothing.
 *
 * m comes from the priors below (documented, conservative: archive records are written by hand
 * in war conditions, so even the true pair often disagrees on something). u comes from the
 * archive's own values where it depends on the value (how many archive records carry this
 * surname, this given name, this birth year): a common surname weighs less than a rare one. The
 * archive's count is smoothed towards the prior u by `PSEUDO_RECORDS` imaginary records, so a
 * small archive neither over- nor under-weighs a name it has seen once.
 */
export const M_PRIORS: { [F in Field]: Record<Level<F>, number> } = {
  // Misspelt, transliterated differently, or a different surname (married, misread) for ~5 %.
  surname: { same: 0.8, phonetic_trigram: 0.09, phonetic: 0.04, trigram: 0.03, different: 0.04 },
  givenName: { same: 0.83, initial: 0.12, different: 0.05 },
  patronymic: { same: 0.83, initial: 0.12, different: 0.05 },
  // Ages given from memory, or a document's year misread: ±1 is common.
  birthYear: { same: 0.8, within_1: 0.1, within_3: 0.05, different: 0.05 },
  // A different number is often another document (passport vs military ID), not another person.
  idNumber: { same: 0.65, one_edit: 0.05, different: 0.3 },
  // Soldiers move between units; families often know an older one.
  unit: { same: 0.5, different: 0.5 },
  marks: { kind_and_place: 0.45, kind: 0.2, different: 0.35 },
  // From the model's calibration (TAR 94.4 % at 0.1 % FMR on LFW), lowered for the photos of the
  // dead and of prisoners, which LFW does not hold.
  face: { strong: 0.8, possible: 0.1, weak: 0.06, below_floor: 0.04 },
};

/**
 * u before the archive says anything: the chance that two different people agree at that level.
 * Names: a typical Russian or Ukrainian surname is held by ~0.2 % of people, a given name by ~2 %;
 * birth years of soldiers spread over ~40 years; document numbers are unique. Face levels are
 * the calibration's false-match rates (0.1 %, 1 %, 10 % floor) and are not re-estimated.
 */
export const U_PRIORS: { [F in Field]: Record<Level<F>, number> } = {
  surname: { same: 0.002, phonetic_trigram: 0.004, phonetic: 0.01, trigram: 0.01, different: 0.974 },
  givenName: { same: 0.02, initial: 0.07, different: 0.91 },
  patronymic: { same: 0.02, initial: 0.07, different: 0.91 },
  birthYear: { same: 0.025, within_1: 0.05, within_3: 0.1, different: 0.825 },
  idNumber: { same: 0.00001, one_edit: 0.0001, different: 0.99989 },
  unit: { same: 0.02, different: 0.98 },
  marks: { kind_and_place: 0.03, kind: 0.25, different: 0.72 },
  face: { strong: 0.001, possible: 0.009, weak: 0.09, below_floor: 0.9 },
};

/** How strongly the prior u holds against the archive's own counts (in records). */
export const PSEUDO_RECORDS = 200;

/**
 * u from `count` of `total` archive records that agree with the subject at this level, smoothed
 * towards the prior; and never below what the archive's other records show with confidence
 * (issue 25): the smoothing alone reads a name ten of fifty records hold as a 4 % name and lets
 * its agreement lift a stranger's face over the bar. "Other": one of the records counted is the
 * candidate itself when it agrees. "With confidence": the lower end of the share's 95 % Wilson
 * interval, so a handful of records in a small archive do not outweigh the prior by chance.
 */
export function smoothedU(count: number, total: number, prior: number): number {
  const smoothed = (count + PSEUDO_RECORDS * prior) / (total + PSEUDO_RECORDS);
  return total > 1 ? Math.max(smoothed, wilsonLower(Math.max(count - 1, 0), total - 1)) : smoothed;
}

/** The lower end of the 95 % Wilson score interval of k successes in n. */
export function wilsonLower(k: number, n: number): number {
  if (n <= 0) return 0;
  const z2 = 1.96 * 1.96;
  const p = k / n;
  const centre = p + z2 / (2 * n);
  const spread = 1.96 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - spread) / (1 + z2 / n));
}

/**
 * What the archive says about the subject's values: for each field and level, how many of how
 * many records would agree with this subject at that level. Levels not listed keep their prior.
 */
export type ArchiveCounts = { [F in Field]?: { total: number; levels: Partial<Record<Level<F>, number>> } };

export type UTable = { [F in Field]: Record<Level<F>, number> };

/**
 * Rejected pairs refine u, the way confirmed pairs refine m (mTable), but not as a share. A
 * rejected candidate was proposed *because* it agreed: among rejected pairs "same surname" is
 * common by construction, so their shares would put u(same surname) near 0.5 instead of 0.002
 * and erase every name's weight. What a rejection does say is that agreeing at that level was
 * not enough between two different people, more often than u assumed. So each agreeing level's
 * u is raised by a factor 1 + rejections / PSEUDO_REJECTIONS, capped at MAX_U_FACTOR: five
 * rejections at a level take 0.32 bits off its weight, twenty take 1 bit, and no number of them
 * more than 2 bits (a level never flips sign on a handful of decisions, however many candidates
 * one busy verifier turns down). Not the face: its u are the model's measured false-match rates.
 * "different" is, as before, what the agreeing levels leave.
 */
export const PSEUDO_REJECTIONS = 20;
export const MAX_U_FACTOR = 4;

/** The factor by which `rejected` rejections at a level raise its u (see PSEUDO_REJECTIONS). */
export function rejectionFactor(rejected: number): number {
  return Math.min(1 + Math.max(rejected, 0) / PSEUDO_REJECTIONS, MAX_U_FACTOR);
}

/** Per field and level, how many decided (confirmed or rejected) candidates' evidence holds it. */
export type DecidedCounts = Partial<Record<Field, Record<string, number>>>;

/**
 * The u of every level for one subject; "different" is what the agreeing levels leave.
 * `rejected[field][level]` counts rejected candidates whose evidence holds that level.
 */
export function uTable(counts: ArchiveCounts, rejected: DecidedCounts = {}): UTable {
  const out = {} as Record<Field, Record<string, number>>;
  for (const field of Object.keys(U_PRIORS) as Field[]) {
    const prior = U_PRIORS[field] as Record<string, number>;
    const c = counts[field] as { total: number; levels: Record<string, number | undefined> } | undefined;
    const u: Record<string, number> = {};
    let agreeing = 0;
    for (const [level, p] of Object.entries(prior)) {
      if (level === 'different' || level === 'below_floor') continue;
      const n = c?.levels[level];
      const base = c && n !== undefined ? smoothedU(n, c.total, p) : p;
      u[level] = field === 'face' ? base : base * rejectionFactor(rejected[field]?.[level] ?? 0);
      agreeing += u[level]!;
    }
    for (const level of ['different', 'below_floor'])
      if (level in prior) u[level] = field === 'face' ? prior[level]! : Math.max(1 - agreeing, 0.01);
    out[field] = u;
  }
  return out as UTable;
}

/** How strongly the documented m priors hold against the verifiers' confirmed pairs (in pairs). */
export const PSEUDO_PAIRS = 20;

export type MTable = UTable;

/**
 * m refined by what verifiers confirmed: of the confirmed pairs compared on a field, the share
 * at each level, smoothed towards the prior by PSEUDO_PAIRS. With no confirmed pair, the priors.
 * `confirmed[field][level]` counts confirmed candidates whose evidence holds that field at that level.
 */
export function mTable(confirmed: DecidedCounts = {}): MTable {
  const out = {} as Record<Field, Record<string, number>>;
  for (const field of Object.keys(M_PRIORS) as Field[]) {
    const prior = M_PRIORS[field] as Record<string, number>;
    const c = confirmed[field] ?? {};
    const total = Object.values(c).reduce((a, b) => a + b, 0);
    out[field] = Object.fromEntries(
      Object.entries(prior).map(([level, p]) => [level, ((c[level] ?? 0) + PSEUDO_PAIRS * p) / (total + PSEUDO_PAIRS)]),
    );
  }
  return out as MTable;
}

export interface Evidence {
  field: Field;
  level: string;
  /** log2(m/u), in bits. */
  weight: number;
}

export function weigh(levels: Levels, u: UTable, mt: MTable = M_PRIORS): Evidence[] {
  const out: Evidence[] = [];
  for (const field of Object.keys(levels) as Field[]) {
    const level = levels[field];
    if (level === undefined) continue;
    const m = (mt[field] as Record<string, number>)[level]!;
    const uu = (u[field] as Record<string, number>)[level]!;
    out.push({ field, level, weight: round(Math.log2(m / uu)) });
  }
  return out;
}

/** The u of each compared field at its level: what a stranger's record must match by chance to agree as well (src/match/bar.ts). */
export function uOf(levels: Levels, u: UTable): number[] {
  const out: number[] = [];
  for (const field of Object.keys(levels) as Field[]) {
    const level = levels[field];
    if (level === undefined || field === 'face') continue;
    out.push((u[field] as Record<string, number>)[level]!);
  }
  return out;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function totalWeight(evidence: readonly Evidence[]): number {
  return round(evidence.reduce((s, e) => s + e.weight, 0));
}

/**
 * The match probability of a total weight: the prior odds that a given archive record is the
 * person looked for (one in the archive's size, as if they were in it) times 2^weight.
 */
export function matchProbability(weight: number, archiveSize: number): number {
  const priorOdds = 1 / Math.max(archiveSize, 1);
  const odds = priorOdds * 2 ** weight;
  return Math.round((odds / (1 + odds)) * 10000) / 10000;
}
