import type { Language } from '../i18n/languages.ts';
import type { CaseStatus } from '../vocabulary.ts';
import type { Queryable } from './database.ts';
import { trigramThreshold } from './records.ts';

/**
 * Finding a case by what is known of its subject (DESIGN §18, src/cases/find.ts). Every criterion
 * given must hold; the keys are those the standing search already keeps (migration 0009's
 * `case_record_keys`), so a surname is found in any script as the records module matches it.
 */
export interface CaseCriteria {
  id?: string | undefined;
  /** The skeletons and Daitch-Mokotoff codes of the words typed (any one may be the surname). */
  surname?: { skeletons: string[]; dm: string[] } | undefined;
  birth?: { year: number; month?: number | undefined; day?: number | undefined } | undefined;
  /** The folded number and its one-deletion variants (src/records/id-numbers.ts). */
  idNumber?: { exact: string; variants: string[] } | undefined;
  /** A whole code's stored hash, or the keyed hash of its first group (migration 0013). */
  code?: { hash: string } | { prefixKey: string } | undefined;
}

export interface FoundCaseRow {
  id: string;
  status: CaseStatus;
  subject: Record<string, unknown>;
  createdAt: Date;
  /** The language the family opened the case in (null before it was kept). */
  lang: Language | null;
  /** How closely the surname and number agree (exact before phonetic before close spelling): the order. */
  score: number;
}

/** Words of a typed name searched as the surname: a caller says a name, not a paragraph. */
const MAX_WORDS = 5;

// The two forms a stored birth date may have (src/records/birth-date.ts readBirthDate: ISO, and
// the archive's dotted DD.MM.YYYY / MM.YYYY), read in SQL: the subject keeps the text as typed.
const ISO = `'^(\\d{4})(-(\\d{1,2})(-(\\d{1,2}))?)?$'`;
const DOTTED = `'^((\\d{1,2})[./])?(\\d{1,2})[./](\\d{4})$'`;

/**
 * One page of cases, best agreement first, then newest. `after` is the `${score}.${id}` of the
 * previous page's last row: the page goes on after that row's (score, created_at, id), so paging
 * never repeats or skips a case (created_at is read from the row, not carried in the cursor,
 * where a JavaScript date would lose its microseconds).
 */
export async function findCaseRows(
  q: Queryable,
  c: CaseCriteria,
  page: { limit: number; after?: { score: number; id: string } | undefined },
): Promise<FoundCaseRow[]> {
  if (c.surname) await trigramThreshold(q);
  // Each criterion first narrows the cases through its own index (the keys' btree, GIN on the
  // phonetic codes and on trigrams, the tokens' hash and prefix key), so a search reads the cases
  // it may find rather than scoring every case (20 000 cases on PGlite, a loaded 2-core machine: a
  // number 0.57 → 0.09 s, a code's start 0.24 → 0.03 s, a surname 1.5 → 0.9 s). One `%` per word
  // typed: an indexed operator needs its word as a value, not from a join.
  const words = (c.surname?.skeletons ?? []).slice(0, MAX_WORDS);
  const close = words.map((_, i) => `k.key % ($2::text[])[${i + 1}]`).join(' OR ');
  const code =
    c.code && 'hash' in c.code
      ? { hash: c.code.hash, prefix: null }
      : { hash: null, prefix: c.code?.prefixKey ?? null };
  const r = await q.query<FoundCaseRow>(
    `WITH found AS (
       SELECT s.id, s.status, s.subject, s.created_at, s.lang,
              -- surname: 3 the same key, 2 a shared phonetic code, 1 a close spelling (pg_trgm %)
              (SELECT max(CASE WHEN k.key = ANY($2::text[]) THEN 3 WHEN k.dm_codes && $3::text[] THEN 2 ELSE 1 END)
                 FROM case_record_keys k
                WHERE k.search_id = s.id AND k.kind = 'surname'
                  AND (k.key = ANY($2::text[]) OR k.dm_codes && $3::text[]
                       OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS t(sk) WHERE k.key % t.sk))) AS surname_level,
              -- number: 2 the number itself, 1 within one edit (a shared one-deletion variant)
              (SELECT max(CASE WHEN k.key = $8 THEN 2 ELSE 1 END)
                 FROM case_record_keys k
                WHERE k.search_id = s.id AND k.kind = 'id' AND k.key = ANY($7::text[])) AS id_level,
              btrim(s.subject->>'birthDate') AS b
         FROM searches s
        WHERE s.deleted_at IS NULL AND ($1::uuid IS NULL OR s.id = $1::uuid)
          ${
            words.length > 0
              ? `AND s.id IN (SELECT k.search_id FROM case_record_keys k WHERE k.kind = 'surname'
                   AND (k.key = ANY($2::text[]) OR k.dm_codes && $3::text[] OR ${close}))`
              : ''
          }
          -- (an unnamed statement is planned with its values: a criterion not given folds away)
          AND (cardinality($7::text[]) = 0
               OR s.id IN (SELECT k.search_id FROM case_record_keys k WHERE k.kind = 'id' AND k.key = ANY($7::text[])))
          -- a code: any the case had, revoked ones too (the family may read out the one it lost)
          AND (($9::text IS NULL AND $10::text IS NULL)
               OR s.id IN (SELECT t.search_id FROM tokens t WHERE t.role = 'family'
                             AND (t.token_hash = $9::text OR t.code_prefix_key = $10::text)))
     ), dated AS (
       SELECT f.*,
              CASE WHEN b ~ ${ISO} THEN substring(b from '^(\\d{4})')::integer
                   WHEN b ~ ${DOTTED} THEN substring(b from '(\\d{4})$')::integer END AS year,
              CASE WHEN b ~ ${ISO} THEN substring(b from '^\\d{4}-(\\d{1,2})')::integer
                   WHEN b ~ ${DOTTED} THEN substring(b from '(\\d{1,2})[./]\\d{4}$')::integer END AS month,
              CASE WHEN b ~ ${ISO} THEN substring(b from '^\\d{4}-\\d{1,2}-(\\d{1,2})$')::integer
                   WHEN b ~ ${DOTTED} THEN substring(b from '^(\\d{1,2})[./]\\d{1,2}[./]\\d{4}$')::integer END AS day
         FROM found f
     ), scored AS (
       SELECT id, status, subject, created_at, lang, coalesce(surname_level, 0) + coalesce(id_level, 0) AS score
         FROM dated
        WHERE (cardinality($2::text[]) = 0 OR surname_level IS NOT NULL)
          AND (cardinality($7::text[]) = 0 OR id_level IS NOT NULL)
          -- a birth date agrees as far as both are known: 1999 agrees with 1999-06-21
          AND ($4::integer IS NULL OR (year = $4 AND ($5::integer IS NULL OR month IS NULL OR month = $5)
                                        AND ($6::integer IS NULL OR day IS NULL OR day = $6)))
     )
     SELECT id, status, subject, created_at AS "createdAt", lang, score FROM scored
      WHERE $11::uuid IS NULL
         OR (score, created_at, id) < ($12::integer, (SELECT created_at FROM searches WHERE id = $11::uuid), $11::uuid)
      ORDER BY score DESC, created_at DESC, id DESC
      LIMIT $13`,
    [
      c.id ?? null,
      words,
      c.surname?.dm ?? [],
      c.birth?.year ?? null,
      c.birth?.month ?? null,
      c.birth?.day ?? null,
      c.idNumber?.variants ?? [],
      c.idNumber?.exact ?? null,
      code.hash,
      code.prefix,
      page.after?.id ?? null,
      page.after?.score ?? null,
      page.limit,
    ],
  );
  return r.rows;
}
