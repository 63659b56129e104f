import { CASE_CODE_LENGTH, CASE_CODE_PREFIX_LENGTH, hashCaseCode, normalizeCodeStart } from '../access/case-code.ts';
import { caseCodePrefixKey } from '../access/credentials.ts';
import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { readBirthDate } from '../records/birth-date.ts';
import { foldIdNumber, idVariants } from '../records/id-numbers.ts';
import { nameTokens } from '../records/normalise.ts';
import { phoneticCodes } from '../records/phonetic.ts';
import { recordAudit } from '../store/audit.ts';
import { findCaseRows, type CaseCriteria } from '../store/case-search.ts';
import type { Database } from '../store/database.ts';
import type { Language } from '../i18n/languages.ts';
import type { CaseStatus } from '../vocabulary.ts';

/**
 * Finding a case (issue 29, DESIGN §18): a family on the phone lost its code, or a verifier
 * must open the case a caller talks about. Staff type what the caller says: a surname (any
 * script, matched as the records module matches names: "Коваленко" finds "Kovalenko"), a birth
 * date, a document number (folded as records fold them, within one edit), the start of a code,
 * or the case's id. Every search is audited: which fields were searched and which cases came
 * back, never the words typed (a surname, a number: personal data, kept out of the log).
 */

export interface CaseSearch {
  /** A surname (any script; several words: any of them) or a case id. */
  q?: string | undefined;
  birthDate?: string | undefined;
  idNumber?: string | undefined;
  /** A case code, or at least its first group. */
  code?: string | undefined;
  limit: number;
  after?: string | undefined;
}

/** The subject's fields a result shows: enough to tell namesakes apart on the phone. */
const SHOWN = ['surname', 'givenName', 'patronymic', 'birthDate', 'idNumber', 'unit'] as const;

export interface FoundCase {
  id: string;
  status: CaseStatus;
  createdAt: Date;
  /** The family's language, so whoever takes the call knows it before speaking (null: not kept). */
  lang: Language | null;
  subject: Partial<Record<(typeof SHOWN)[number], string>>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR = /^(\d{1,2})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

function invalid(message: string, field: string, reason?: string): KinfinderError {
  return new KinfinderError('invalid_input', message, { field, ...(reason ? { reason } : {}) });
}

/** What was typed, as the keys cases are stored under; refuses what can find nothing. */
async function criteria(db: Database, s: CaseSearch): Promise<{ c: CaseCriteria; fields: string[] }> {
  const c: CaseCriteria = {};
  const fields: string[] = [];
  const q = s.q?.trim();
  if (q) {
    if (UUID.test(q)) {
      c.id = q.toLowerCase();
      fields.push('id');
    } else {
      // Initials say too little to find anyone by; each whole word may be the surname.
      const words = nameTokens(q).filter((t) => !t.initial && t.skeleton.length >= 2);
      if (words.length === 0) throw invalid('q: type a surname (letters) or a case id', 'q', 'search_q');
      c.surname = {
        skeletons: [...new Set(words.map((w) => w.skeleton))],
        dm: [...new Set(words.flatMap((w) => phoneticCodes(w.latin)))],
      };
      fields.push('surname');
    }
  }
  const birth = s.birthDate?.trim();
  if (birth) {
    const b = readBirthDate(birth);
    if ('problem' in b) throw invalid(`birthDate ${b.problem}`, 'birthDate', `birthDate_${b.reason}`);
    c.birth = b;
    fields.push('birthDate');
  }
  const id = s.idNumber?.trim();
  if (id) {
    const folded = foldIdNumber(id);
    if (!folded) throw invalid('idNumber has no letters or digits', 'idNumber', 'search_idNumber');
    c.idNumber = { exact: folded, variants: idVariants(folded) };
    fields.push('idNumber');
  }
  const code = s.code?.trim();
  if (code) {
    const start = normalizeCodeStart(code);
    if (!start)
      throw invalid(
        `code: type at least the first ${CASE_CODE_PREFIX_LENGTH} characters of the case code`,
        'code',
        'search_code',
      );
    c.code =
      start.length === CASE_CODE_LENGTH
        ? { hash: await hashCaseCode(start) }
        : { prefixKey: await caseCodePrefixKey(db, start.slice(0, CASE_CODE_PREFIX_LENGTH)) };
    fields.push(start.length === CASE_CODE_LENGTH ? 'code' : 'codePrefix');
  }
  if (fields.length === 0)
    throw invalid('say what to search by: q, birthDate, idNumber or code', 'q', 'search_nothing');
  return { c, fields };
}

/** One page of the cases that agree with every field given, best agreement first, then newest. */
export async function findCases(
  deps: { db: Database },
  caller: Caller,
  search: CaseSearch,
): Promise<{ items: FoundCase[]; next?: string }> {
  const p = authorizePrincipal(caller, 'cases.find');
  let after: { score: number; id: string } | undefined;
  if (search.after) {
    const m = CURSOR.exec(search.after);
    if (!m) throw invalid('after must be the `next` of the previous page', 'after');
    after = { score: Number(m[1]), id: m[2]!.toLowerCase() };
  }
  const { c, fields } = await criteria(deps.db, search);
  return deps.db.transaction(async (tx) => {
    const rows = await findCaseRows(tx, c, { limit: search.limit + 1, after });
    const page = rows.slice(0, search.limit);
    await recordAudit(tx, auditActor(p), {
      action: 'search.find',
      details: { fields, results: page.length, cases: page.map((r) => r.id), ...(after ? { page: 'next' } : {}) },
    });
    const last = page.at(-1);
    return {
      items: page.map((r) => ({
        id: r.id,
        status: r.status,
        createdAt: r.createdAt,
        lang: r.lang,
        subject: Object.fromEntries(
          SHOWN.flatMap((f) => (typeof r.subject[f] === 'string' ? [[f, r.subject[f] as string]] : [])),
        ),
      })),
      ...(rows.length > search.limit && last ? { next: `${last.score}.${last.id}` } : {}),
    };
  });
}
