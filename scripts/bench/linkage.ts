/**
 * bench:linkage — how well a case finds its person by record, by face and by both (issue 14).
 *
 *   npm run bench:linkage -- [--records 1000] [--queries 300] [--seed 7] [--zipf 1] [--json]
 *   DATABASE_URL=postgres://… npm run bench:linkage -- --records 100000   (a private schema, dropped after)
 *
 * A synthetic archive of N persons: Russian and Ukrainian surnames drawn (Zipf) from
 * scripts/bench/data/surnames.json, given names from src/records/data/given-names.json, a
 * patronymic, a birth year, half of them a dog-tag number. Each person's archive record is
 * written as archives write it: in Cyrillic (Ukrainians sometimes in the Russian form), in a
 * Latin transliteration (Ukrainian national, Russian passport, BGN-like with y/kh/ff, Polish w/sz),
 * as "SURNAME I.P.", with typos, missing fields, a birth year off by one. 30 % of archive photos
 * have no face found (the detector missed it). Faces are synthetic descriptors with the
 * geometry measured on face-api descriptors of lfw-dev photos (scripts/bench/face-geometry.json,
 * as bench:search). Families describe their person in Cyrillic, in their own language; 70 %
 * also have a photo.
 *
 * Every query runs the product's case search (src/match/search.ts) three ways: text only (the
 * subject, no photo), face only (the photo, no subject) and combined. Reported per way: rank-1,
 * top-10 (over all queries: a way that cannot see the person counts a miss), how often a wrong
 * candidate outranks the true one when the true one is listed, and search time.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pgvector from 'pgvector';
import { matchCase } from '../../src/match/search.ts';
import { loadManifest } from '../../src/face/manifest.ts';
import { archiveRecord, subjectRecord } from '../../src/records/record.ts';
import { GIVEN_NAME_GROUPS } from '../../src/records/given-names.ts';
import { latinForm } from '../../src/records/normalise.ts';
import { idVariants } from '../../src/records/id-numbers.ts';
import type { Database } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { GeometryFaceGenerator, type FaceGeometry } from './geometry.ts';
import { Rng, roundForSql } from './synth.ts';
import surnames from './data/surnames.json' with { type: 'json' };

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const log = (s: string) => process.stderr.write(`${s}\n`);

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000' },
    queries: { type: 'string', default: '300' },
    seed: { type: 'string', default: '7' },
    json: { type: 'boolean', default: false },
    // How common the common names are: P(rank k) ∝ 1/(k+1)^s over each list. 1 (Zipf) puts 13 %
    // of Russians under Ivanov, far more than life (≈ 1.3 %): a harsh archive; 0 draws every
    // listed name alike (each surname ≈ 0.5 %, each given name ≈ 2 %), nearer a real one's top names.
    zipf: { type: 'string', default: '1' },
  },
});
const S = Number(values.zipf);
const N = Number(values.records);
const Q = Math.min(Number(values.queries), N);
const seed = Number(values.seed);

type Lang = 'ru' | 'uk';
interface Person {
  lang: Lang;
  surname: string;
  given: number; // group
  father: number; // group
  year: number;
  id?: string;
  hasFace: boolean;
}

const rng = new Rng(seed, 1);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
const cdfs = new Map<number, number[]>();
/** A rank in 0..n-1 with P(k) ∝ 1/(k+1)^S (--zipf). */
function zipf(n: number): number {
  let cdf = cdfs.get(n);
  if (!cdf) {
    const w = Array.from({ length: n }, (_, k) => 1 / (k + 1) ** S);
    const total = w.reduce((a, b) => a + b, 0);
    let acc = 0;
    cdf = w.map((x) => (acc += x / total));
    cdfs.set(n, cdf);
  }
  const u = rng.next();
  const k = cdf.findIndex((c) => u <= c);
  return k < 0 ? n - 1 : k;
}

const GROUPS = GIVEN_NAME_GROUPS.filter((g) => !/[ая]$/.test(g[0]!)); // soldiers: the male names
const patronymic = (g: number, lang: Lang) => {
  const base = GROUPS[g]![lang === 'ru' ? 0 : 1]!;
  const stem = base.replace(/[йь]$/, '').replace(/ий$/, '').replace(/ій$/, '');
  if (lang === 'uk')
    return /[аеиоуяюєії]$/.test(stem)
      ? `${stem.slice(0, -1)}ович`
      : /[йь]$/.test(base) || /ій$/.test(base)
        ? `${stem}йович`
        : `${stem}ович`;
  return /[йь]$/.test(base) || /ий$/.test(base) ? `${stem}евич` : `${stem}ович`;
};

function makePerson(): Person {
  const lang: Lang = rng.next() < 0.5 ? 'ru' : 'uk';
  const list = surnames[lang];
  const letters = 'ABCEHKMOPTX';
  return {
    lang,
    surname: list[zipf(list.length)]!,
    given: zipf(GROUPS.length),
    father: zipf(GROUPS.length),
    year: 1965 + Math.floor(rng.next() * 40),
    ...(rng.next() < 0.5
      ? { id: `${pick([...letters])}${pick([...letters])}${String(Math.floor(rng.next() * 1e6)).padStart(6, '0')}` }
      : {}),
    hasFace: rng.next() < 0.7,
  };
}

/** Latin spellings archives use besides the package's: BGN-like, passport, Polish. */
function latinVariant(s: string): string {
  const l = latinForm(s);
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  switch (Math.floor(rng.next() * 4)) {
    case 0:
      return cap(l);
    case 1:
      return cap(
        l.replace(/ii$/, 'iy').replace(/yi$/, 'iy').replace(/kh/g, 'h').replace(/iu/g, 'yu').replace(/ia/g, 'ya'),
      );
    case 2:
      return cap(l.replace(/ov$/, 'off').replace(/ev$/, 'eff'));
    default:
      return cap(l.replace(/v/g, 'w').replace(/sh/g, 'sz').replace(/ch/g, 'cz'));
  }
}

function typo(s: string): string {
  if (s.length < 4) return s;
  const i = 1 + Math.floor(rng.next() * (s.length - 2));
  return rng.next() < 0.5 ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
}

/** The person's record as an archive wrote it. */
function archiveMetadata(p: Person): Record<string, unknown> {
  // A Ukrainian's given name in its Russian form on a fifth of the documents.
  const givenForm = GROUPS[p.given]![p.lang === 'uk' && rng.next() > 0.2 ? 1 : 0]!;
  const pat = patronymic(p.father, p.lang);
  let surname = p.surname;
  if (rng.next() < 0.1) surname = typo(surname);
  let name: string;
  const style = rng.next();
  if (style < 0.3) name = `${surname} ${givenForm} ${pat}`;
  else if (style < 0.7)
    name =
      rng.next() < 0.5
        ? `${latinVariant(givenForm)} ${latinVariant(surname)}`
        : `${latinVariant(surname)} ${latinVariant(givenForm)}`;
  else if (style < 0.9)
    name = `${latinForm(surname).toUpperCase()} ${latinForm(givenForm).charAt(0).toUpperCase()}.${latinForm(pat).charAt(0).toUpperCase()}.`;
  else name = `${surname} ${givenForm.charAt(0)}.`;
  const meta: Record<string, unknown> = {};
  if (rng.next() > 0.1 || !p.id) meta.names = [name];
  const y = rng.next();
  if (y < 0.55) meta.birthDate = String(p.year);
  else if (y < 0.7) meta.birthDate = String(p.year + (rng.next() < 0.5 ? -1 : 1));
  if (p.id && rng.next() < 0.8) meta.idNumbers = [rng.next() < 0.05 ? typo(p.id) : p.id];
  return meta;
}

/** What the family says, in Cyrillic, in their language. */
function familySubject(p: Person): Record<string, unknown> {
  const s: Record<string, unknown> = { surname: p.surname, givenName: GROUPS[p.given]![p.lang === 'ru' ? 0 : 1] };
  if (rng.next() < 0.6) s.patronymic = patronymic(p.father, p.lang);
  const y = rng.next();
  if (y < 0.85) s.birthDate = String(p.year);
  else if (y < 0.95) s.birthDate = String(p.year + (rng.next() < 0.5 ? -1 : 1));
  // typed with spaces, in the Cyrillic layout
  if (p.id && rng.next() < 0.2)
    s.idNumber = `${p.id.slice(0, 2).replace(/A/g, 'А').replace(/B/g, 'В').replace(/C/g, 'С')} ${p.id.slice(2, 5)} ${p.id.slice(5)}`;
  return s;
}

async function openDb(): Promise<{ db: Database; close: () => Promise<void>; kind: string }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openPglite({});
    return { db, kind: 'pglite', close: () => db.close() };
  }
  const schema = `bench_linkage_${process.pid}`;
  const admin = await openPostgres({ url, max: 1 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  await admin.close();
  const db = await openPostgres({ url, searchPath: `${schema},public` });
  return {
    db,
    kind: 'postgres',
    close: async () => {
      await db.exec(`DROP SCHEMA ${schema} CASCADE`);
      await db.close();
    },
  };
}

async function load(db: Database, persons: Person[], gen: GeometryFaceGenerator, modelId: string): Promise<void> {
  const BATCH = 500;
  // The index is built once after the load, as bench:search does (faster than row by row).
  await db.exec('DROP INDEX faces_embedding_hnsw');
  for (let start = 0; start < persons.length; start += BATCH) {
    const rows = persons.slice(start, start + BATCH).map((p, k) => {
      const i = start + k;
      const meta = archiveMetadata(p);
      const rec = archiveRecord(meta);
      return { i, p, meta, rec };
    });
    await db.transaction(async (tx) => {
      const ids = await tx.query<{ id: string; name: string }>(
        `INSERT INTO photos (sha256, original_name, byte_size, format, metadata, status, width, height, processed_at)
         SELECT lpad(to_hex(x.i), 64, '0'), 'person-' || x.i || '.jpg', 1000, 'jpeg', x.meta, 'done', 250, 250, now()
         FROM json_to_recordset($1::json) AS x(i integer, meta jsonb)
         RETURNING id, original_name AS name`,
        [JSON.stringify(rows.map((r) => ({ i: r.i, meta: r.meta })))],
      );
      const idOf = new Map(ids.rows.map((r) => [Number(/\d+/.exec(r.name)![0]), r.id]));
      const faces = rows.filter((r) => r.p.hasFace);
      if (faces.length > 0) {
        await tx.query(
          `INSERT INTO faces (photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, embedding)
           SELECT x.photo_id, $2, 0, 10, 10, 100, 100, 0.99, '[]', '{}', x.e::vector FROM json_to_recordset($1::json) AS x(photo_id uuid, e text)`,
          [
            JSON.stringify(
              faces.map((r) => ({ photo_id: idOf.get(r.i), e: pgvector.toSql(roundForSql(gen.face(r.i, 0))) })),
            ),
            modelId,
          ],
        );
      }
      const recs = rows.map((r) => ({ photo_id: idOf.get(r.i)!, rec: r.rec }));
      await tx.query(
        `INSERT INTO photo_records (photo_id, record, has_names, has_ids, birth_year)
         SELECT x.photo_id, x.rec, x.n, x.d, x.y FROM json_to_recordset($1::json) AS x(photo_id uuid, rec jsonb, n boolean, d boolean, y integer)`,
        [
          JSON.stringify(
            recs.map((r) => ({
              photo_id: r.photo_id,
              rec: r.rec,
              n: r.rec.names.length > 0,
              d: r.rec.idNumbers.length > 0,
              y: r.rec.birth?.year ?? null,
            })),
          ),
        ],
      );
      const keys = recs.flatMap((r) => {
        const m = new Map<string, string[]>();
        for (const name of r.rec.names)
          for (const t of name)
            if (!t.initial && t.skeleton.length >= 2)
              m.set(t.skeleton, [...new Set([...(m.get(t.skeleton) ?? []), ...t.dm])]);
        return [...m].map(([skeleton, dm]) => ({ photo_id: r.photo_id, skeleton, dm }));
      });
      await tx.query(
        `INSERT INTO record_name_keys (photo_id, skeleton, dm_codes)
         SELECT x.photo_id, x.skeleton, ARRAY(SELECT json_array_elements_text(x.dm)) ` +
          'FROM json_to_recordset($1::json) AS x(photo_id uuid, skeleton text, dm json)',
        [JSON.stringify(keys)],
      );
      const idKeys = recs.flatMap((r) => {
        const m = new Map<string, boolean>();
        for (const n of r.rec.idNumbers) for (const v of idVariants(n)) m.set(v, (m.get(v) ?? false) || v === n);
        return [...m].map(([variant, exact]) => ({ photo_id: r.photo_id, variant, exact }));
      });
      if (idKeys.length > 0) {
        await tx.query(
          'INSERT INTO record_id_keys (photo_id, variant, exact) SELECT x.photo_id, x.variant, x.exact ' +
            'FROM json_to_recordset($1::json) AS x(photo_id uuid, variant text, exact boolean)',
          [JSON.stringify(idKeys)],
        );
      }
    });
    if ((start / BATCH) % 20 === 0) log(`loaded ${Math.min(start + BATCH, persons.length)} / ${persons.length}`);
  }
  const t = Date.now();
  await db.exec(`SET maintenance_work_mem = '256MB'`).catch(() => undefined);
  await db.exec(
    'CREATE INDEX faces_embedding_hnsw ON faces USING hnsw (embedding vector_cosine_ops) WITH (m = 32, ef_construction = 128)',
  );
  await db.exec('ANALYZE');
  log(`HNSW index built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

type Mode = 'text' | 'face' | 'combined';

async function main(): Promise<void> {
  const manifest = await loadManifest();
  const geometry = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'scripts/bench/face-geometry.json'), 'utf8'),
  ) as FaceGeometry;
  const gen = new GeometryFaceGenerator(geometry, seed);
  const { db, close, kind } = await openDb();
  try {
    await migrate(db);
    await db.query(`INSERT INTO models (id, dims, manifest) VALUES ($1, $2, $3)`, [
      manifest.id,
      manifest.dims,
      JSON.stringify(manifest),
    ]);
    const persons = Array.from({ length: N }, makePerson);
    const t0 = Date.now();
    await load(db, persons, gen, manifest.id);
    log(`archive of ${N} on ${kind} loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const photoIdOf = new Map(
      (await db.query<{ id: string; name: string }>(`SELECT id, original_name AS name FROM photos`)).rows.map((r) => [
        r.name,
        r.id,
      ]),
    );

    const stats: Record<Mode, { rank1: number; top10: number; listed: number; wrongAbove: number; ms: number[] }> = {
      text: { rank1: 0, top10: 0, listed: 0, wrongAbove: 0, ms: [] },
      face: { rank1: 0, top10: 0, listed: 0, wrongAbove: 0, ms: [] },
      combined: { rank1: 0, top10: 0, listed: 0, wrongAbove: 0, ms: [] },
    };
    const queried = Array.from({ length: N }, (_, i) => i)
      .sort(() => rng.next() - 0.5)
      .slice(0, Q);
    for (const [n, i] of queried.entries()) {
      const p = persons[i]!;
      const subject = subjectRecord(familySubject(p));
      const refs = rng.next() < 0.7 ? [{ id: 'ref', embedding: Array.from(roundForSql(gen.face(i, 1000))) }] : [];
      const truth = photoIdOf.get(`person-${i}.jpg`)!;
      for (const mode of ['text', 'face', 'combined'] as const) {
        const r = mode === 'face' ? refs : mode === 'text' ? [] : refs;
        const s = mode === 'face' ? undefined : subject;
        if (r.length === 0 && !s) continue; // face only without a photo: nothing to search with (a miss)
        const t = performance.now();
        const list = await db.transaction((tx) => matchCase(tx, manifest, r, s, 50));
        stats[mode].ms.push(performance.now() - t);
        const at = list.findIndex((c) => c.photoId === truth);
        if (at === 0) stats[mode].rank1++;
        if (at >= 0 && at < 10) stats[mode].top10++;
        if (at >= 0) {
          stats[mode].listed++;
          if (at > 0) stats[mode].wrongAbove++;
        }
      }
      if ((n + 1) % 100 === 0) log(`${n + 1} / ${Q} queries`);
    }
    const pct = (x: number, of: number) => Math.round((1000 * x) / Math.max(of, 1)) / 10;
    const ms = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return {
        mean: Math.round(s.reduce((a, b) => a + b, 0) / Math.max(s.length, 1)),
        p95: Math.round(s[Math.floor(s.length * 0.95)] ?? 0),
      };
    };
    const out = {
      db: kind,
      records: N,
      queries: Q,
      seed,
      zipf: S,
      modes: Object.fromEntries(
        (Object.keys(stats) as Mode[]).map((m) => [
          m,
          {
            rank1: pct(stats[m].rank1, Q),
            top10: pct(stats[m].top10, Q),
            wrongAboveTrue: pct(stats[m].wrongAbove, stats[m].listed),
            searchMs: ms(stats[m].ms),
          },
        ]),
      ),
    };
    if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else {
      process.stdout.write(
        `linkage on ${kind}: ${N} records, ${Q} queries (seed ${seed}, name frequencies 1/(k+1)^${S})\n`,
      );
      process.stdout.write('mode       rank-1  top-10  wrong above true  search ms (mean / p95)\n');
      for (const [m, v] of Object.entries(out.modes)) {
        process.stdout.write(
          `${m.padEnd(9)}  ${String(v.rank1).padStart(5)}%  ${String(v.top10).padStart(5)}%  ` +
            `${String(v.wrongAboveTrue).padStart(15)}%  ${v.searchMs.mean} / ${v.searchMs.p95}\n`,
        );
      }
    }
  } finally {
    await close();
  }
}

await main();
