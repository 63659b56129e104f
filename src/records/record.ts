import { z } from 'zod';
import { KinfinderError } from '../errors.ts';
import { readBirthDate, parseBirthDate, type BirthDate } from './birth-date.ts';
import { foldIdNumber } from './id-numbers.ts';
import { markKeys, unitKeys, type MarkKeys } from './marks.ts';
import { nameTokens, wordToken, type NameToken } from './normalise.ts';
import { phoneticCodes } from './phonetic.ts';

/**
 * The two sides of a linkage (DESIGN §11): what an archive photo's record says (`metadata`:
 * names, birthDate, idNumbers, unit, marks) and what a family says about the person they look
 * for (`subject`: surname, givenName, patronymic, birthDate, unit, idNumber, marks, notes),
 * both brought to the keys they are compared by.
 */

export interface KeyedToken extends NameToken {
  /** Daitch-Mokotoff codes of the token (none for an initial). */
  dm: string[];
}

/** An archive photo's record, keyed. */
export interface ArchiveRecord {
  /** Each name as written on the photo's documents, as tokens in their written order. */
  names: KeyedToken[][];
  birth?: BirthDate;
  /** Folded document numbers. */
  idNumbers: string[];
  unit: string[];
  marks?: MarkKeys;
}

/** A family's description, keyed. */
export interface SubjectRecord {
  surname?: KeyedToken;
  givenName?: KeyedToken;
  patronymic?: KeyedToken;
  birth?: BirthDate;
  idNumber?: string;
  unit: string[];
  marks?: MarkKeys;
}

function keyed(t: NameToken): KeyedToken {
  return { ...t, dm: t.initial ? [] : phoneticCodes(t.latin) };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(str).filter((s): s is string => s !== undefined) : str(v) ? [str(v)!] : [];

/**
 * The keyed record of an archive photo's metadata. Archives are messy: a birth date that cannot
 * be read is left out here (the upload and the CSV refuse it with a reason: `checkArchiveMetadata`).
 */
export function archiveRecord(metadata: Record<string, unknown>): ArchiveRecord {
  const names = strings(metadata.names)
    .map((n) => nameTokens(n).map(keyed))
    .filter((ts) => ts.length > 0);
  const birthRaw = str(metadata.birthDate);
  const birth = birthRaw ? readBirthDate(birthRaw) : undefined;
  const ids = [...strings(metadata.idNumbers), ...strings(metadata.idNumber)].map(foldIdNumber).filter((s) => s !== '');
  const unit = str(metadata.unit);
  const marks = str(metadata.marks);
  return {
    names,
    ...(birth && !('problem' in birth) ? { birth } : {}),
    idNumbers: [...new Set(ids)],
    unit: unit ? unitKeys(unit) : [],
    ...(marks ? { marks: markKeys(marks) } : {}),
  };
}

/** Whether a record holds anything to link on. */
export function isLinkable(r: ArchiveRecord): boolean {
  return r.names.length > 0 || r.idNumbers.length > 0;
}

/**
 * The fields of a family's `subject` (DESIGN §11), then the three the first web form and older
 * clients sent (`name`, `born`, `details`), which are kept and shown to verifiers but not matched.
 */
export const SUBJECT_FIELDS = [
  'surname',
  'givenName',
  'patronymic',
  'birthDate',
  'unit',
  'idNumber',
  'marks',
  'notes',
  'name',
  'born',
  'details',
] as const;
export type SubjectField = (typeof SUBJECT_FIELDS)[number];

const SubjectShape = z.strictObject(
  Object.fromEntries(SUBJECT_FIELDS.map((f) => [f, z.string().nullable().optional()])) as Record<
    SubjectField,
    z.ZodOptional<z.ZodNullable<z.ZodString>>
  >,
);

/**
 * The details of a refused subject shape: `reason` picks the family's message (api/family-errors.ts),
 * which names the fields they may give, in their language.
 */
export const SUBJECT_SHAPE_REFUSAL = { field: 'subject', reason: 'subject_fields' } as const;

/**
 * A family's `subject` as it may be stored: the fields above only, each text (null or empty:
 * not given, left out). Anything else is refused (400 invalid_input) rather than stored: an
 * unknown key or an object inside one was kept verbatim and shown to every verifier who
 * reviewed the case, a channel nobody documented or checked (issue 28, finding 9).
 */
export function checkSubjectFields(subject: Record<string, unknown>): Partial<Record<SubjectField, string>> {
  const parsed = SubjectShape.safeParse(subject);
  if (!parsed.success) {
    const unknown = parsed.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : []));
    const notText = parsed.error.issues.filter((i) => i.code !== 'unrecognized_keys').map((i) => String(i.path[0]));
    const problems = [
      ...(unknown.length
        ? [`it has fields that are not part of it (${unknown.map((k) => JSON.stringify(k)).join(', ')})`]
        : []),
      ...(notText.length ? [`these fields must be text: ${[...new Set(notText)].join(', ')}`] : []),
    ];
    throw new KinfinderError(
      'invalid_input',
      `the "subject" was refused: ${problems.join('; ')}. It takes only ${SUBJECT_FIELDS.join(', ')}, each text`,
      { ...SUBJECT_SHAPE_REFUSAL, ...(unknown.length ? { unknown } : {}) },
    );
  }
  return Object.fromEntries(
    Object.entries(parsed.data).filter(
      (e): e is [SubjectField, string] => typeof e[1] === 'string' && e[1].trim() !== '',
    ),
  );
}

const LIMITS: Record<string, number> = {
  surname: 200,
  givenName: 200,
  patronymic: 200,
  birthDate: 40,
  unit: 200,
  idNumber: 100,
  marks: 2000,
  notes: 4000,
};

function invalid(message: string, field: string): KinfinderError {
  return new KinfinderError('invalid_subject', message, { field });
}

/**
 * Checks a family's `subject` (every field optional, each a string within its length; a birth
 * date that is a real date, not in the future) and keys it. The fields older clients sent
 * (`name`, `born`, `details`) are kept and shown to verifiers but not matched; any other field is
 * refused before this (`checkSubjectFields`).
 */
export function subjectRecord(subject: Record<string, unknown>, today?: Date): SubjectRecord {
  for (const [field, max] of Object.entries(LIMITS)) {
    const v = subject[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw invalid(`subject.${field} must be text`, field);
    if (v.length > max) throw invalid(`subject.${field} is longer than ${max} characters`, field);
  }
  const word = (field: string): KeyedToken | undefined => {
    const v = str(subject[field]);
    if (!v) return undefined;
    const t = wordToken(v);
    if (!t) throw invalid(`subject.${field} has no letters`, field);
    return keyed(t);
  };
  const surname = word('surname');
  const givenName = word('givenName');
  const patronymic = word('patronymic');
  const birthRaw = str(subject.birthDate);
  const birth = birthRaw ? parseBirthDate(birthRaw, 'subject.birthDate', 'invalid_subject', today) : undefined;
  const idRaw = str(subject.idNumber);
  const idNumber = idRaw ? foldIdNumber(idRaw) : undefined;
  if (idRaw && !idNumber) throw invalid('subject.idNumber has no letters or digits', 'idNumber');
  const unit = str(subject.unit);
  const marks = str(subject.marks);
  return {
    ...(surname ? { surname } : {}),
    ...(givenName ? { givenName } : {}),
    ...(patronymic ? { patronymic } : {}),
    ...(birth ? { birth } : {}),
    ...(idNumber ? { idNumber } : {}),
    unit: unit ? unitKeys(unit) : [],
    ...(marks ? { marks: markKeys(marks) } : {}),
  };
}

/**
 * A stored case's subject, keyed; undefined when it does not parse (one stored before subjects
 * were checked): such a case is matched by its faces alone.
 */
export function caseSubjectRecord(subject: Record<string, unknown>): SubjectRecord | undefined {
  try {
    return subjectRecord(subject);
  } catch (err) {
    if (err instanceof KinfinderError) return undefined;
    throw err;
  }
}

/** A subject text can be searched by: a surname or a document number (DESIGN §11). */
export function subjectIsSearchable(s: SubjectRecord): boolean {
  return s.surname !== undefined || s.idNumber !== undefined;
}

/**
 * Checks the typed fields of an archive photo's metadata as an upload or a CSV gives them:
 * `names` and `idNumbers` text or lists of text, `birthDate` a real date not in the future.
 */
export function checkArchiveMetadata(metadata: Record<string, unknown> | undefined, where = 'metadata'): void {
  if (!metadata) return;
  for (const field of ['names', 'idNumbers']) {
    const v = metadata[field];
    if (v === undefined || v === null || typeof v === 'string') continue;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
      throw new KinfinderError('invalid_metadata', `${where}.${field} must be text or a list of text`, { field });
  }
  for (const field of ['unit', 'marks', 'birthDate']) {
    const v = metadata[field];
    if (v !== undefined && v !== null && typeof v !== 'string')
      throw new KinfinderError('invalid_metadata', `${where}.${field} must be text`, { field });
  }
  const birth = str(metadata.birthDate);
  if (birth) parseBirthDate(birth, `${where}.birthDate`, 'invalid_metadata');
}
