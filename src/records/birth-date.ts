import { KinfinderError } from '../errors.ts';

/** A date of birth as far as it is known: a year, maybe its month and day. */
export interface BirthDate {
  year: number;
  month?: number;
  day?: number;
}

/**
 * Why a text is not a date of birth, as a code: the pages say it in their reader's language
 * (records:problem_birthDate…), the message stays English for the API and the CLI.
 */
export type BirthDateReason = 'not_a_date' | 'no_such_month' | 'no_such_day' | 'too_early' | 'future';

export type BirthDateProblem = { problem: string; reason: BirthDateReason };

/** Nobody searched for was born before this (the oldest soldiers of the wars this archive covers). */
export const EARLIEST_BIRTH_YEAR = 1900;

const ISO = /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$/;
// How archives write it: 21.06.1999, 21/06/1999, 06.1999.
const DOTTED = /^(?:(\d{1,2})[./])?(\d{1,2})[./](\d{4})$/;

/**
 * Reads `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (the contract, DESIGN §11) and the archive forms
 * `DD.MM.YYYY`, `MM.YYYY`. Returns a reason instead of a date when it cannot be a date of birth:
 * not a date, a month or day that does not exist, before 1900, or after `today`.
 */
export function readBirthDate(raw: string, today: Date = new Date()): BirthDate | BirthDateProblem {
  const s = raw.trim();
  let y: string | undefined, mo: string | undefined, d: string | undefined;
  const iso = ISO.exec(s);
  const dotted = iso ? null : DOTTED.exec(s);
  if (iso) [, y, mo, d] = iso;
  else if (dotted) [, d, mo, y] = dotted;
  else
    return {
      problem: 'is not a date: write the year (1999), year and month (1999-06) or the full date (1999-06-21)',
      reason: 'not_a_date',
    };
  const year = Number(y);
  const month = mo === undefined ? undefined : Number(mo);
  const day = d === undefined ? undefined : Number(d);
  if (month !== undefined && (month < 1 || month > 12))
    return { problem: 'has a month that does not exist', reason: 'no_such_month' };
  if (day !== undefined && month !== undefined) {
    const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (day < 1 || day > last) return { problem: 'has a day that does not exist in that month', reason: 'no_such_day' };
  }
  if (year < EARLIEST_BIRTH_YEAR) return { problem: `is before ${EARLIEST_BIRTH_YEAR}`, reason: 'too_early' };
  const thisYear = today.getUTCFullYear();
  const future =
    year > thisYear ||
    (year === thisYear && month !== undefined && month > today.getUTCMonth() + 1) ||
    (year === thisYear && month === today.getUTCMonth() + 1 && day !== undefined && day > today.getUTCDate());
  if (future) return { problem: 'is in the future', reason: 'future' };
  return { year, ...(month !== undefined ? { month } : {}), ...(day !== undefined ? { day } : {}) };
}

/** `readBirthDate` for input that must be right: a KinfinderError naming the field otherwise. */
export function parseBirthDate(
  raw: string,
  field: string,
  code: 'invalid_subject' | 'invalid_metadata' = 'invalid_subject',
  today?: Date,
): BirthDate {
  const r = readBirthDate(raw, today);
  if ('problem' in r) throw new KinfinderError(code, `${field} ${r.problem}`, { field, reason: r.reason });
  return r;
}
