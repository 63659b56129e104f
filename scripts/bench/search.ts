/**
 * Search benchmark: HNSW (and IVFFlat) recall and latency on a synthetic gallery of face-like embeddings.
 *
 *   npm run bench:search -- --faces N [--db pglite|postgres] [--queries 500] [--k 10]
 *       [--ef-search E[,E…]] [--m M[,M…]] [--ef-construction C[,C…]] [--json] [--keep] …
 *
 * Loads N faces (real schema: models, photos, faces) with the HNSW index dropped, builds the
 * index (timed: buildSeconds), then answers fresh faces of enrolled people twice: exactly (seq
 * scan) and through the index, and compares. Several values of --m / --ef-construction /
 * --ef-search are a grid over one loaded gallery: one JSON line per combination, the last
 * stdout line is the last one. Progress goes to stderr. See BENCHMARKS.md.
 *
 * The HNSW index on the float vectors is the product's: its statement comes from
 * src/store/faces-index.ts (the definition migration 0004 creates; only m and ef_construction
 * vary with the grid), and it is searched by the product's own query, nearestGalleryFaces in
 * src/store/matching.ts, as a case search runs it. The defaults are what ships (m,
 * ef_construction, and ef_search as efSearchFor(k) in src/match/rank.ts picks it). halfvec
 * storage and IVFFlat are experiments the product does not ship; they keep their own SQL here,
 * and their JSON lines say "query": "experiment".
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pgvector from 'pgvector';
import type { Database, Queryable } from '../../src/store/database.ts';
import { FACES_EMBEDDING_INDEX } from '../../src/store/faces-index.ts';
import { explainNearestGalleryFaces, nearestGalleryFaces } from '../../src/store/matching.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { DIMS, planIndexes, productGrid, type Storage } from './index-plan.ts';
import { percentile, summariseRecall, type Hit } from './recall.ts';
import { GeometryFaceGenerator, type FaceGeometry } from './geometry.ts';
import {
  FaceGenerator,
  type FaceSource,
  fitModel,
  pickQueryIdentities,
  planGallery,
  QUERY_FACE_BASE,
  roundForSql,
  sampleStats,
} from './synth.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MANIFEST = path.join(ROOT, 'models/face-api.json');
const MODEL_ID = 'bench-synthetic-128';
const WARMUP = 20;

/**
 * Defaults when models/face-api.json's calibration.figures holds none: face-api descriptors
 * (recipe chip-flip-pad, L2-normalised) of 296 lfw-dev photos, 2 each of 149 people: same-person
 * cosine 0.9585 ± 0.0168 (147 pairs), different-person 0.8393 ± 0.0324 (43 513 pairs). Raw
 * face-api descriptors share a large mean direction (|mean|² ≈ 0.85), hence impostors at 0.84,
 * not near 0. alpha 0.85 makes the synthetic sample's participation ratio (30.0 vs 28.7 at
 * n = 296) and impostor spread (0.033 vs 0.032) match those photos'. BENCHMARKS.md has the
 * details; the brief's isotropic guess is --same-mean 0.8 --same-sd 0.07 --diff-mean 0.35 --alpha 0.
 */
const LFW_SAMPLE = { sameMean: 0.9585, sameSd: 0.0168, diffMean: 0.8393, alpha: 0.85 };

const USAGE = `usage: npm run bench:search -- --faces N [options]
  --faces N               gallery size (100000, 100k, 1M, 1e6)
  --db pglite|postgres    default pglite; postgres uses --url or $DATABASE_URL (a fresh schema, dropped at the end)
  --queries Q             default 500 (fresh faces of enrolled people)
  --k K                   default 10
  --ef-search E[,E…]      hnsw.ef_search, default the product's for k (${productGrid(10).efSearch.join()} at k 10; at least 2k is used)
  --m M[,M…]              HNSW m, default the product's (${productGrid(10).m.join()})
  --ef-construction C[,…] HNSW ef_construction, default the product's (${productGrid(10).efConstruction.join()})
  --index hnsw|ivfflat[,…] which index types to build and measure, default hnsw
  --storage vector|halfvec[,…]  what the HNSW graph stores: the 4-byte floats themselves (default,
                          the product's index) or an expression index on embedding::halfvec (2 bytes
                          a value); answers are re-sorted by the exact float distance either way
  --lists L[,L…]          IVFFlat lists, default rows/1000 (√rows above 1 M), pgvector's advice
  --probes P[,P…]         ivfflat.probes, default 10
  --gallery-model measured|power-law   measured (default): the two-covariance model fitted to real
                          descriptors (--geometry, default scripts/bench/face-geometry.json); power-law:
                          the parametric model below
  --same-mean X --same-sd X --diff-mean X   similarity statistics to imitate (default: the manifest's
                          calibration.figures if present, else 0.9585 / 0.0168 / 0.8393, measured on lfw-dev)
  --alpha A               per-axis variance decay (j+1)^−A of the synthetic descriptors; 0 = isotropic
                          (centres uniform on S^127, the hardest case); default: manifest figures, else 0.85
  --floor X               candidate floor (default: manifest calibration.floor, else 0.5)
  --seed S                default 1
  --maintenance-work-mem  for the index build (default 1GB on PGlite, 2GB on PostgreSQL)
  --memory                PGlite in memory instead of a temporary directory
  --keep                  keep the PGlite directory / PostgreSQL schema
  --json                  stdout holds only the JSON lines
  --verbose               log a few queries whose rank-1 the index missed`;

const started = performance.now();
function log(msg: string): void {
  process.stderr.write(`[bench:search +${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);
}

function parseCount(s: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmM]?)$/.exec(s.replace(/_/g, ''));
  if (!m) throw new Error(`--${name}: not a number: ${s}`);
  const n = Number(m[1]) * ({ k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2] ?? ''] ?? 1);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: must be a positive integer: ${s}`);
  return n;
}

function parseList(s: string, name: string): number[] {
  return s.split(',').map((x) => parseCount(x.trim(), name));
}

function parseNum(s: string | undefined, name: string): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n)) throw new Error(`--${name}: not a number: ${s}`);
  return n;
}

interface ManifestDefaults {
  floor?: number;
  sameMean?: number;
  sameSd?: number;
  diffMean?: number;
  alpha?: number;
  source: string;
}

/** Reads the floor and, when the face engine has measured them, the similarity statistics. */
async function manifestDefaults(): Promise<ManifestDefaults> {
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(MANIFEST, 'utf8'));
  } catch {
    return { source: 'defaults (models/face-api.json not readable)' };
  }
  const cal = (json as { calibration?: { floor?: unknown; figures?: Record<string, unknown> } }).calibration;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const f = cal?.figures ?? {};
  const nested = (key: string, field: string) => num((f[key] as Record<string, unknown> | undefined)?.[field]);
  const out: ManifestDefaults = {
    floor: num(cal?.floor),
    sameMean: num(f.sameMean) ?? num(f.genuineMean) ?? nested('genuine', 'mean') ?? nested('same', 'mean'),
    sameSd: num(f.sameSd) ?? num(f.genuineSd) ?? nested('genuine', 'sd') ?? nested('same', 'sd'),
    diffMean: num(f.diffMean) ?? num(f.impostorMean) ?? nested('impostor', 'mean') ?? nested('different', 'mean'),
    alpha: num(f.spectrumAlpha),
    source: 'models/face-api.json',
  };
  return out;
}

const round = (x: number, d: number) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
/** Face ids carry their identity (first 8 hex digits), so answers can be checked against truth. */
const faceUuid = (identity: number, faceNo: number, i: number) =>
  `${hex(identity, 8)}-${hex(faceNo, 4)}-4000-8000-${hex(i, 12)}`;
const photoUuid = (p: number) => `00000000-0000-4000-a000-${hex(p, 12)}`;
const identityOf = (faceId: string) => parseInt(faceId.slice(0, 8), 16);
/** Two faces a photo (group photos exist; the count matters little to the index). */
const FACES_PER_PHOTO = 2;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      faces: { type: 'string' },
      db: { type: 'string', default: 'pglite' },
      url: { type: 'string' },
      queries: { type: 'string', default: '500' },
      k: { type: 'string', default: '10' },
      'ef-search': { type: 'string' },
      m: { type: 'string' },
      'ef-construction': { type: 'string' },
      index: { type: 'string', default: 'hnsw' },
      storage: { type: 'string', default: 'vector' },
      'gallery-model': { type: 'string', default: 'measured' },
      geometry: { type: 'string', default: path.join(ROOT, 'scripts/bench/face-geometry.json') },
      lists: { type: 'string' },
      probes: { type: 'string', default: '10' },
      'same-mean': { type: 'string' },
      'same-sd': { type: 'string' },
      'diff-mean': { type: 'string' },
      alpha: { type: 'string' },
      floor: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'maintenance-work-mem': { type: 'string' },
      memory: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help || !values.faces) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const faces = parseCount(values.faces, 'faces');
  const kind = values.db;
  if (kind !== 'pglite' && kind !== 'postgres') throw new Error('--db must be pglite or postgres');
  const queries = parseCount(values.queries, 'queries');
  const k = parseCount(values.k, 'k');
  const shipped = productGrid(k);
  const efSearchList = values['ef-search'] ? parseList(values['ef-search'], 'ef-search') : shipped.efSearch;
  const mList = values.m ? parseList(values.m, 'm') : shipped.m;
  const efcList = values['ef-construction']
    ? parseList(values['ef-construction'], 'ef-construction')
    : shipped.efConstruction;
  const indexKinds = values.index.split(',').map((x) => x.trim());
  for (const x of indexKinds)
    if (x !== 'hnsw' && x !== 'ivfflat') throw new Error(`--index: hnsw or ivfflat, not ${x}`);
  const storages = values.storage.split(',').map((x) => x.trim());
  for (const x of storages)
    if (x !== 'vector' && x !== 'halfvec') throw new Error(`--storage: vector or halfvec, not ${x}`);
  // pgvector's advice: rows / 1000 lists up to 1 M rows, √rows beyond.
  const listsList = values.lists
    ? parseList(values.lists, 'lists')
    : [Math.max(1, faces <= 1_000_000 ? Math.round(faces / 1000) : Math.round(Math.sqrt(faces)))];
  const probesList = parseList(values.probes, 'probes');
  const seed = parseCount(values.seed, 'seed');
  const defaults = await manifestDefaults();
  const floor = parseNum(values.floor, 'floor') ?? defaults.floor ?? 0.5;
  const targets = {
    dims: DIMS,
    sameMean: parseNum(values['same-mean'], 'same-mean') ?? defaults.sameMean ?? LFW_SAMPLE.sameMean,
    sameSd: parseNum(values['same-sd'], 'same-sd') ?? defaults.sameSd ?? LFW_SAMPLE.sameSd,
    diffMean: parseNum(values['diff-mean'], 'diff-mean') ?? defaults.diffMean ?? LFW_SAMPLE.diffMean,
    alpha: parseNum(values.alpha, 'alpha') ?? defaults.alpha ?? LFW_SAMPLE.alpha,
  };
  const mwm = values['maintenance-work-mem'] ?? (kind === 'pglite' ? '1GB' : '2GB');
  if (!/^\d+\s*(kB|MB|GB)$/.test(mwm)) throw new Error('--maintenance-work-mem: like 512MB or 2GB');

  const model = fitModel(targets);
  const galleryModel = values['gallery-model'];
  if (galleryModel !== 'measured' && galleryModel !== 'power-law')
    throw new Error('--gallery-model: measured or power-law');
  for (const o of ['same-mean', 'same-sd', 'diff-mean', 'alpha'] as const) {
    if (galleryModel === 'measured' && values[o] !== undefined)
      throw new Error(`--${o} shapes the power-law model: add --gallery-model power-law`);
  }
  const geometry =
    galleryModel === 'measured' ? (JSON.parse(await fs.readFile(values.geometry, 'utf8')) as FaceGeometry) : undefined;
  const gen: FaceSource = geometry ? new GeometryFaceGenerator(geometry, seed) : new FaceGenerator(model, seed);
  const stats = sampleStats(gen, 5000, seed);
  if (geometry) {
    log(
      `synthetic model: measured face geometry (${values.geometry}: ${geometry.real.photos} photos of ${geometry.real.people} people; ` +
        `real same-person ${geometry.real.sameMean}±${geometry.real.sameSd}, different ${geometry.real.diffMean}±${geometry.real.diffSd}); ` +
        `sampled: same ${stats.sameMean.toFixed(3)}±${stats.sameSd.toFixed(3)}, ` +
        `different ${stats.diffMean.toFixed(3)}±${stats.diffSd.toFixed(3)}; floor ${floor}`,
    );
  } else
    log(
      `synthetic model: power law, same-person ${targets.sameMean}±${targets.sameSd}, different-person ${targets.diffMean}, ` +
        `α ${targets.alpha} (from ${defaults.source}); ` +
        `t ~ Beta(${model.betaA.toFixed(2)}, ${model.betaB.toFixed(2)}), rho ${model.rho.toFixed(3)}, effective dims ${model.effectiveDims.toFixed(1)}; ` +
        `sampled: same ${stats.sameMean.toFixed(3)}±${stats.sameSd.toFixed(3)}, ` +
        `different ${stats.diffMean.toFixed(3)}±${stats.diffSd.toFixed(3)}; floor ${floor}`,
    );
  if (!geometry && model.sdClamped)
    log(
      `warning: --same-sd ${targets.sameSd} is below what isotropic noise gives in ${DIMS}-d; using constant face quality`,
    );

  const plan = planGallery(faces, seed);
  const queryIds = pickQueryIdentities(plan.identities, queries, seed);
  const queryArrays = queryIds.map((id, q) => roundForSql(gen.face(id, QUERY_FACE_BASE + q)));
  const queryVecs = queryArrays.map((v) => pgvector.toSql(v) as string);
  log(
    `gallery: ${faces} faces of ${plan.identities} people (${(faces / plan.identities).toFixed(2)} a person); ${queries} queries`,
  );

  // ---- open a throwaway database
  let db: Database;
  let cleanup: () => Promise<void>;
  let where: string;
  if (kind === 'pglite') {
    let dir: string | undefined;
    if (!values.memory) dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kinfinder-bench-search-'));
    db = await openPglite(dir ? { dataDir: dir } : {});
    where = dir ?? 'memory';
    cleanup = async () => {
      await db.close();
      if (dir && !values.keep) await fs.rm(dir, { recursive: true, force: true });
      else if (dir) log(`kept PGlite data in ${dir}`);
    };
  } else {
    const url = values.url ?? process.env.DATABASE_URL;
    if (!url)
      throw new Error(
        '--db postgres needs --url or DATABASE_URL (bash scripts/ci/postgres.sh start /tmp/bench-pg.env)',
      );
    const schema = `bench_search_${randomBytes(4).toString('hex')}`;
    const admin = await openPostgres({ url, max: 1 });
    const dropSchema = async () => {
      if (!values.keep) await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      else log(`kept schema ${schema}`);
      await admin.close();
    };
    try {
      await admin.exec(`CREATE SCHEMA ${schema}`);
      db = await openPostgres({ url, searchPath: `${schema},public`, max: 2 });
    } catch (err) {
      await dropSchema();
      throw err;
    }
    where = `schema ${schema}`;
    cleanup = async () => {
      try {
        await db.close();
      } finally {
        await dropSchema();
      }
    };
  }
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupted: cleaning up (Ctrl-C again to leave it)');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const check = () => {
    if (interrupted) throw new Error('interrupted');
  };

  try {
    await migrate(db);
    const server = (await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v;
    const pgv = (await db.query<{ v: string }>(`SELECT extversion AS v FROM pg_extension WHERE extname = 'vector'`))
      .rows[0]!.v;
    log(`${kind} (PostgreSQL ${server}, pgvector ${pgv}) in ${where}`);
    await db.query(`INSERT INTO models (id, dims, manifest) VALUES ($1, $2, $3)`, [
      MODEL_ID,
      DIMS,
      JSON.stringify({ synthetic: model }),
    ]);
    // What the migrations built: each index the grid builds is compared with it (productIndex).
    const shippedIndexDef = await indexDef(db, FACES_EMBEDDING_INDEX);
    // Bulk load without the HNSW index, then build it once (much faster than incremental inserts).
    await db.exec(`DROP INDEX ${FACES_EMBEDDING_INDEX}`);

    // ---- load
    const loadStart = performance.now();
    const photos = Math.ceil(faces / FACES_PER_PHOTO);
    const photoBatch = 20_000;
    for (let p0 = 0; p0 < photos; p0 += photoBatch) {
      check();
      const ids: string[] = [];
      const shas: string[] = [];
      for (let p = p0; p < Math.min(photos, p0 + photoBatch); p++) {
        ids.push(photoUuid(p));
        shas.push(hex(p, 64));
      }
      await db.query(
        `INSERT INTO photos (id, sha256, byte_size, format, width, height, status, processed_at)
         SELECT t.id, t.sha, 250000, 'jpeg', 1200, 900, 'done', now() FROM unnest($1::uuid[], $2::text[]) AS t(id, sha)`,
        [ids, shas],
      );
    }
    const faceBatch = kind === 'pglite' ? 2_000 : 5_000;
    const insertFaces = (ids: string[], photoIds: string[], idx: number[], vecs: string[]) =>
      db.query(
        `INSERT INTO faces (id, photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, embedding)
         SELECT t.id, t.photo_id, $5, t.fi, 400, 300, 160, 160, 0.98, '[]'::jsonb, '{"sizePx": 160}'::jsonb, t.e::vector
         FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[]) AS t(id, photo_id, fi, e)`,
        [ids, photoIds, idx, vecs, MODEL_ID],
      );
    // PostgreSQL works in its own process: generate the next batch while it inserts this one.
    let pending: Promise<unknown> | undefined;
    let lastLog = performance.now();
    for (let i0 = 0; i0 < faces; i0 += faceBatch) {
      check();
      const ids: string[] = [];
      const photoIds: string[] = [];
      const idx: number[] = [];
      const vecs: string[] = [];
      for (let i = i0; i < Math.min(faces, i0 + faceBatch); i++) {
        const id = plan.identity[i]!;
        const no = plan.faceNo[i]!;
        ids.push(faceUuid(id, no, i));
        photoIds.push(photoUuid(Math.floor(i / FACES_PER_PHOTO)));
        idx.push(i % FACES_PER_PHOTO);
        vecs.push(pgvector.toSql(roundForSql(gen.face(id, no))) as string);
      }
      await pending;
      pending = insertFaces(ids, photoIds, idx, vecs);
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`loaded ${i0 + ids.length}/${faces} faces`);
      }
    }
    await pending;
    await db.exec('ANALYZE faces');
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const heapMB =
      Number((await db.query<{ b: string }>(`SELECT pg_total_relation_size('faces')::text AS b`)).rows[0]!.b) / 2 ** 20;
    log(`loaded ${faces} faces in ${loadSeconds.toFixed(1)} s (faces table with its b-trees ${heapMB.toFixed(0)} MB)`);

    // Experiments: the index orders; the exact float distance of what it returned decides the final order.
    const indexSql = (orderBy: string) => `WITH c AS MATERIALIZED (
        SELECT id, embedding <=> $1::vector AS d FROM faces ORDER BY ${orderBy} LIMIT ${k}
      ) SELECT id, 1 - d AS similarity FROM c ORDER BY d`;
    const exactSql = `SELECT id, 1 - (embedding <=> $1::vector) AS similarity FROM faces ORDER BY embedding <=> $1::vector LIMIT ${k}`;
    const run = async (sql: string, setup: string[], vec: string): Promise<{ hits: Hit[]; ms: number }> => {
      const t0 = performance.now();
      const hits = await db.transaction(async (tx: Queryable) => {
        // the SETs go as one simple query: one round trip, as the product should send them
        if (setup.length) await tx.exec(setup.join('; '));
        return (await tx.query<Hit>(sql, [vec])).rows;
      });
      return { hits: hits.map((h) => ({ id: h.id, similarity: Number(h.similarity) })), ms: performance.now() - t0 };
    };
    /** The product's gallery search, in its own transaction as a case search's is. */
    const runProduct = async (vec: number[], efSearch: number): Promise<{ hits: Hit[]; ms: number }> => {
      const t0 = performance.now();
      const hits = await db.transaction((tx) => nearestGalleryFaces(tx, vec, { modelId: MODEL_ID, k, efSearch }));
      return {
        hits: hits.map((h) => ({ id: h.faceId, similarity: Number(h.similarity) })),
        ms: performance.now() - t0,
      };
    };
    const plan1 = async (sql: string, setup: string[]): Promise<string> =>
      db.transaction(async (tx) => {
        for (const s of setup) await tx.query(s);
        const r = await tx.query<Record<string, string>>(`EXPLAIN ${sql}`, [queryVecs[0]]);
        return r.rows.map((row) => Object.values(row)[0]).join('\n');
      });

    // ---- exact answers (no index exists yet: a plain sequential scan)
    const exactSetup = ['SET LOCAL enable_indexscan = off'];
    const exactPlan = await plan1(exactSql, exactSetup);
    if (/faces_embedding_(hnsw|ivfflat)/.test(exactPlan))
      throw new Error(`the exact query uses the index:\n${exactPlan}`);
    for (let q = 0; q < Math.min(3, queries); q++) await run(exactSql, exactSetup, queryVecs[q]!);
    const exact: Hit[][] = [];
    const exactMs: number[] = [];
    for (let q = 0; q < queries; q++) {
      check();
      const r = await run(exactSql, exactSetup, queryVecs[q]!);
      exact.push(r.hits);
      exactMs.push(r.ms);
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`exact ${q + 1}/${queries} (p50 so far ${percentile(exactMs, 50).toFixed(1)} ms)`);
      }
    }
    const exactP50Ms = percentile(exactMs, 50);
    const identityRank1 = exact.filter((hits, q) => hits[0] && identityOf(hits[0].id) === queryIds[q]).length / queries;
    log(
      `exact: p50 ${exactP50Ms.toFixed(2)} ms, p95 ${percentile(exactMs, 95).toFixed(2)} ms; ` +
        `true person at exact rank 1 for ${(identityRank1 * 100).toFixed(1)} % of queries`,
    );

    const indexes = planIndexes({
      kinds: indexKinds,
      storages: storages as Storage[],
      mList,
      efcList,
      efSearchList,
      listsList,
      probesList,
      k,
    });
    const results: Record<string, unknown>[] = [];
    for (const index of indexes) {
      check();
      await db.exec(`DROP INDEX IF EXISTS ${index.name}`);
      log(`building ${index.label} (maintenance_work_mem ${mwm})`);
      const b0 = performance.now();
      await db.transaction(async (tx) => {
        await tx.query(`SET LOCAL maintenance_work_mem = '${mwm}'`);
        // 2 cores shared with the client generating data and with other work: one helper at most.
        if (kind === 'postgres') await tx.query('SET LOCAL max_parallel_maintenance_workers = 1');
        await tx.query(index.ddl);
      });
      const buildSeconds = (performance.now() - b0) / 1000;
      const productIndex = (await indexDef(db, index.name)) === shippedIndexDef;
      const indexMB =
        Number((await db.query<{ b: string }>(`SELECT pg_relation_size('${index.name}')::text AS b`)).rows[0]!.b) /
        2 ** 20;
      log(`built in ${buildSeconds.toFixed(1)} s, ${indexMB.toFixed(1)} MB`);
      // Steady state, not whatever the build happened to leave cached: load the graph into the
      // buffer pool when the server can (pg_prewarm ships with PostgreSQL's contrib modules).
      let prewarmed = false;
      if (kind === 'postgres') {
        try {
          await db.exec('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
          await db.query(`SELECT pg_prewarm('${index.name}')`);
          prewarmed = true;
        } catch (err) {
          log(`pg_prewarm unavailable (${String(err)}): searches start from a cold buffer pool`);
        }
      }
      const sharedBuffers = (await db.query<{ v: string }>(`SELECT current_setting('shared_buffers') AS v`)).rows[0]!.v;

      for (const search of index.searches) {
        check();
        const { efSearch } = search;
        const product = index.query === 'product' && efSearch !== undefined;
        const idxPlan = product
          ? await db.transaction((tx) =>
              explainNearestGalleryFaces(tx, queryArrays[0]!, { modelId: MODEL_ID, k, efSearch }),
            )
          : await plan1(indexSql(index.orderBy), search.setup);
        // Measured as it runs, whatever the planner picks: on a small gallery with a large
        // ef_search it prefers an exact scan, which is what the product then does too. The JSON
        // line says so (usesIndex false: the recall is the exact scan's, not the index's).
        const usesIndex = idxPlan.includes(index.name);
        if (!usesIndex)
          log(
            `the ${product ? "product's" : 'experiment'} query does not use ${index.name} at ${search.label} on ${faces} faces; ` +
              `the planner prefers:\n${idxPlan.replace(/'\[[^\]]*\]'/g, "'[…]'")}`,
          );
        const search1 = (q: number) =>
          product ? runProduct(queryArrays[q]!, efSearch) : run(indexSql(index.orderBy), search.setup, queryVecs[q]!);
        for (let q = 0; q < Math.min(WARMUP, queries); q++) await search1((q * 7919) % queries);
        const approx: Hit[][] = [];
        const ms: number[] = [];
        for (let q = 0; q < queries; q++) {
          const r = await search1(q);
          approx.push(r.hits);
          ms.push(r.ms);
        }
        const s = summariseRecall(exact, approx, k, floor);
        if (values.verbose) {
          let shown = 0;
          for (let q = 0; q < queries && shown < 5; q++) {
            const e1 = exact[q]![0];
            const a1 = approx[q]![0];
            if (!e1 || (a1 && a1.id === e1.id)) continue;
            shown++;
            const fmt = (hs: Hit[]) =>
              hs
                .slice(0, 4)
                .map((h) => `${identityOf(h.id) === queryIds[q] ? '*' : ''}${h.similarity.toFixed(4)}`)
                .join(' ');
            log(`  rank-1 miss, query ${q} (* = same person): exact ${fmt(exact[q]!)} | index ${fmt(approx[q]!)}`);
          }
        }
        const line = {
          faces,
          dims: DIMS,
          db: kind,
          k,
          index: index.kind,
          storage: index.storage,
          query: product ? 'product' : 'experiment',
          productIndex,
          usesIndex,
          efSearch: null as number | null,
          m: null as number | null,
          efConstruction: null as number | null,
          lists: null as number | null,
          probes: null as number | null,
          ...index.fields,
          ...search.fields,
          recallAt10: round(s.recallAtK, 4),
          recallAboveFloor: round(s.recallAboveFloor, 4),
          mateAtRank1: round(s.mateAtRank1, 4),
          p50Ms: round(percentile(ms, 50), 2),
          p95Ms: round(percentile(ms, 95), 2),
          exactP50Ms: round(exactP50Ms, 2),
          buildSeconds: round(buildSeconds, 1),
          sharedBuffers,
          prewarmed,
          indexMB: round(indexMB, 1),
          loadSeconds: round(loadSeconds, 1),
          queries,
          floor,
          aboveFloorPerQuery: round(s.aboveFloorPerQuery, 2),
          truePersonAtRank1: round(identityRank1, 4),
          galleryModel,
          sameMean: geometry ? geometry.real.sameMean : targets.sameMean,
          sameSd: geometry ? geometry.real.sameSd : targets.sameSd,
          diffMean: geometry ? geometry.real.diffMean : targets.diffMean,
          alpha: geometry ? null : model.alpha,
          sampledSame: [round(stats.sameMean, 3), round(stats.sameSd, 3)],
          sampledDiff: [round(stats.diffMean, 3), round(stats.diffSd, 3)],
          effectiveDims: geometry ? geometry.real.participationRatio : round(model.effectiveDims, 1),
          seed,
          server: `PostgreSQL ${server}`,
          pgvector: pgv,
        };
        results.push(line);
        log(
          `${index.label} ${search.label}: recall@${k} ${line.recallAt10}, above floor ${line.recallAboveFloor}, rank-1 ${line.mateAtRank1}, ` +
            `p50 ${line.p50Ms} ms, p95 ${line.p95Ms} ms`,
        );
        if (values.json) process.stdout.write(`${JSON.stringify(line)}\n`);
      }
      // The next index is built on a table without this one: each is measured alone.
      await db.exec(`DROP INDEX IF EXISTS ${index.name}`);
    }
    if (!values.json) {
      process.stdout.write(
        'index     m/lists  efc  ef/probes  recall@k  aboveFloor  rank1   p50ms   p95ms  build_s  indexMB\n',
      );
      for (const r of results) {
        const f = (v: unknown, w: number) => String(v ?? '-').padStart(w);
        process.stdout.write(
          `${String(r.index).padEnd(8)} ${f(r.m ?? r.lists, 8)} ${f(r.efConstruction, 4)} ${f(r.efSearch ?? r.probes, 10)} ` +
            `${f(r.recallAt10, 9)} ${f(r.recallAboveFloor, 11)} ${f(r.mateAtRank1, 6)} ` +
            `${f(r.p50Ms, 7)} ${f(r.p95Ms, 7)} ${f(r.buildSeconds, 8)} ${f(r.indexMB, 8)}\n`,
        );
      }
      process.stdout.write(`exact p50 ${round(exactP50Ms, 2)} ms, load ${round(loadSeconds, 1)} s\n`);
      for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup().catch((err: unknown) => log(`cleanup failed: ${String(err)}`));
  }
}

async function indexDef(db: Queryable, name: string): Promise<string | null> {
  const r = await db.query<{ def: string | null }>(`SELECT pg_get_indexdef(to_regclass($1)) AS def`, [name]);
  return r.rows[0]?.def ?? null;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  },
);
