/**
 * bench:persons — the review workload on a grouped archive (issue 26): decisions per confirmed
 * family when each photo is its own person, and when an archive's photos of one man are one person.
 *
 *   npm run bench:persons -- [--men 1000] [--queries 200] [--seed 7] [--json]
 *   DATABASE_URL=postgres://… npm run bench:persons   (a private schema, dropped after)
 *
 * A synthetic archive of N men, each photographed 1 to 5 times (capture, camp, exchange list…;
 * mean 3): faces are synthetic descriptors with the geometry measured on face-api descriptors of
 * lfw-dev photos (scripts/bench/face-geometry.json, as bench:search and bench:linkage). A family
 * gives one photo of its man (a face number no archive photo has). Each family's case runs the
 * product's case search (src/match/search.ts:matchCase) twice: on the archive as ingested (a
 * person per photo) and after the archive's photos of each man were grouped into one person (as
 * a metadata CSV's person_ref does).
 *
 * Verifiers work a case best first (DESIGN §10): every candidate above the man is rejected by two
 * people, his best one confirmed by two, and every other candidate on a photo of his must still be
 * decided (two people each) before the case's queue is clear of him. Reported per mode: candidates
 * per case, candidates on the family's man, decisions until the family is told, decisions until
 * no candidate of his is left waiting, and decisions to decide every candidate of the case.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import pgvector from 'pgvector';
import { loadManifest } from '../../src/face/manifest.ts';
import { matchCase } from '../../src/match/search.ts';
import { CASE_CANDIDATES } from '../../src/match/rank.ts';
import type { Database } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { GeometryFaceGenerator, type FaceGeometry } from './geometry.ts';
import { Rng, roundForSql } from './synth.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const log = (s: string) => process.stderr.write(`${s}\n`);

const { values } = parseArgs({
  options: {
    men: { type: 'string', default: '1000' },
    queries: { type: 'string', default: '200' },
    seed: { type: 'string', default: '7' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(values.men);
const Q = Math.min(Number(values.queries), N);
const seed = Number(values.seed);
const rng = new Rng(seed, 26);

async function openDb(): Promise<{ db: Database; close: () => Promise<void>; kind: string }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openPglite({});
    return { db, kind: 'pglite', close: () => db.close() };
  }
  const schema = `bench_persons_${process.pid}`;
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

interface Mode {
  candidates: number[];
  onHim: number[];
  toTell: number[];
  toClear: number[];
  missed: number;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

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
    const photos: Array<{ man: number; k: number }> = [];
    for (let i = 0; i < N; i++) {
      const k = 1 + Math.floor(rng.next() * 5);
      for (let j = 0; j < k; j++) photos.push({ man: i, k: j });
    }
    const t0 = Date.now();
    for (let start = 0; start < photos.length; start += 500) {
      const rows = photos.slice(start, start + 500);
      await db.transaction(async (tx) => {
        const ids = await tx.query<{ id: string; name: string }>(
          `INSERT INTO photos (sha256, original_name, byte_size, format, status, width, height, processed_at, model_id)
           SELECT lpad(to_hex(x.n), 64, '0'), 'man-' || x.man || '-' || x.k || '.jpg', 1000, 'jpeg', 'done', 250, 250, now(), $2
           FROM json_to_recordset($1::json) AS x(n integer, man integer, k integer)
           RETURNING id, original_name AS name`,
          [JSON.stringify(rows.map((r, o) => ({ n: start + o, man: r.man, k: r.k }))), manifest.id],
        );
        const idOf = new Map(ids.rows.map((r) => [r.name, r.id]));
        await tx.query(
          `INSERT INTO faces (photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, embedding)
           SELECT x.photo_id, $2, 0, 10, 10, 100, 100, 0.99, '[]', '{}', x.e::vector FROM json_to_recordset($1::json) AS x(photo_id uuid, e text)`,
          [
            JSON.stringify(
              rows.map((r) => ({
                photo_id: idOf.get(`man-${r.man}-${r.k}.jpg`),
                e: pgvector.toSql(roundForSql(gen.face(r.man, r.k))),
              })),
            ),
            manifest.id,
          ],
        );
      });
    }
    log(`${N} men, ${photos.length} photos on ${kind}, loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const manOf = new Map(
      (await db.query<{ id: string; name: string }>(`SELECT id, original_name AS name FROM photos`)).rows.map((r) => [
        r.id,
        Number(/^man-(\d+)-/.exec(r.name)![1]),
      ]),
    );
    const queried = Array.from({ length: N }, (_, i) => i)
      .sort(() => rng.next() - 0.5)
      .slice(0, Q);

    const run = async (): Promise<Mode> => {
      const m: Mode = { candidates: [], onHim: [], toTell: [], toClear: [], missed: 0 };
      for (const i of queried) {
        const refs = [{ id: 'ref', embedding: Array.from(roundForSql(gen.face(i, 1000))) }];
        const found = await db.transaction((tx) => matchCase(tx, manifest, refs, undefined, CASE_CANDIDATES));
        const his = found.map((c, r) => ({ r, his: manOf.get(c.photoId) === i })).filter((x) => x.his);
        m.candidates.push(found.length);
        m.onHim.push(his.length);
        if (his.length === 0) {
          m.missed++;
          continue;
        }
        // two rejections for each candidate above him, two confirmations of him
        const tell = 2 * his[0]!.r + 2;
        m.toTell.push(tell);
        // and two decisions for every other candidate on a photo of his
        m.toClear.push(tell + 2 * (his.length - 1));
      }
      return m;
    };
    const ungrouped = await run();
    // Group each man's photos into one person, as a metadata CSV's person_ref does.
    await db.exec(`UPDATE photos p SET person_id = g.person_id FROM (
        SELECT split_part(original_name, '-', 2) AS man, (array_agg(person_id ORDER BY original_name))[1] AS person_id
        FROM photos GROUP BY 1) g
      WHERE split_part(p.original_name, '-', 2) = g.man`);
    const grouped = await run();
    const report = (m: Mode) => ({
      candidatesPerCase: Number(mean(m.candidates).toFixed(2)),
      candidatesOnHisPhotos: Number(mean(m.onHim).toFixed(2)),
      decisionsUntilTold: Number(mean(m.toTell).toFixed(2)),
      decisionsUntilNoneOfHisWaits: Number(mean(m.toClear).toFixed(2)),
      // every candidate of the case decided by two people (whatever part of it a queue's bar shows)
      decisionsToDecideWholeCase: Number((2 * mean(m.candidates)).toFixed(2)),
      familiesWhoseManWasNotFound: m.missed,
    });
    const out = {
      database: kind,
      men: N,
      photos: photos.length,
      queries: Q,
      seed,
      ungrouped: report(ungrouped),
      grouped: report(grouped),
    };
    if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await close();
  }
}

await main();
