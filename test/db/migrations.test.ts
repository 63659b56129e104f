// Migrations are immutable once released: databases made by earlier releases upgrade to the
// newest schema, and a database whose applied migration file has since changed is refused.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/store/database.ts';
import { FACES_EMBEDDING_INDEX, facesEmbeddingIndexDdl, SHIPPED_FACES_HNSW } from '../../src/store/faces-index.ts';
import { explainNearestGalleryFaces, nearestGalleryFaces } from '../../src/store/matching.ts';
import { migrate, migrationSha256, readMigrations, schemaVersion, type Migration } from '../../src/store/migrate.ts';
import { openTestDb, testDbKind, type TestDb } from '../support/db.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/migrations/', import.meta.url));
const RELEASES = ['first-release', 'second-release'] as const;

/** What migrate.ts created before checksums were recorded. */
const PRE_CHECKSUM_TABLE = `CREATE TABLE schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

let shipped: Migration[];
let fresh: Snapshot;
const open: TestDb[] = [];
const tmpDirs: string[] = [];

async function newDb(): Promise<TestDb> {
  const t = await openTestDb({ migrate: false });
  open.push(t);
  return t;
}

async function releasedInit(release: (typeof RELEASES)[number]): Promise<string> {
  return fs.readFile(path.join(FIXTURES, `0001_init.${release}.sql`), 'utf8');
}

/** A migrations directory holding the given files (name → SQL). */
async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kinfinder-migrations-'));
  tmpDirs.push(dir);
  for (const [name, sql] of Object.entries(files)) await fs.writeFile(path.join(dir, name), sql);
  return dir;
}

interface Snapshot {
  columns: unknown[];
  indexes: unknown[];
  constraints: unknown[];
  triggers: unknown[];
  functions: unknown[];
}

/** Everything a migration can define in the test's schema, with the schema's name taken out. */
async function snapshot(t: TestDb): Promise<Snapshot> {
  const q = async (sql: string) =>
    JSON.parse(JSON.stringify((await t.db.query(sql)).rows).replaceAll(`${t.schema}.`, '')) as unknown[];
  return {
    columns:
      await q(`SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, pg_get_expr(d.adbin, d.adrelid) AS dflt
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`),
    indexes: await q(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`,
    ),
    constraints: await q(`SELECT conrelid::regclass::text AS rel, conname, pg_get_constraintdef(oid) AS def
      FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2`),
    triggers:
      await q(`SELECT tgname, pg_get_triggerdef(t.oid) AS def FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal ORDER BY 1`),
    functions: await q(
      `SELECT proname, pg_get_functiondef(oid) AS def FROM pg_proc WHERE pronamespace = current_schema()::regnamespace ORDER BY 1`,
    ),
  };
}

async function facesIndex(db: Queryable): Promise<{ oid: string; options: string; def: string }> {
  const r = await db.query<{ oid: string; options: string; def: string }>(
    `SELECT c.oid::text AS oid, array_to_string(c.reloptions, ',') AS options, pg_get_indexdef(c.oid) AS def
     FROM pg_class c WHERE c.oid = to_regclass($1)`,
    [FACES_EMBEDDING_INDEX],
  );
  const row = r.rows[0];
  if (!row) throw new Error(`no ${FACES_EMBEDDING_INDEX}`);
  return row;
}

async function recorded(db: Queryable): Promise<Array<{ version: number; name: string; sha256: string | null }>> {
  return (
    await db.query<{ version: number; name: string; sha256: string | null }>(
      'SELECT version, name, sha256 FROM schema_migrations ORDER BY version',
    )
  ).rows;
}

const AXIS_FACES = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
const axis = (i: number) => Array.from({ length: 128 }, (_, j) => (j === i ? 1 : 0));
const forcedIndexScan =
  'SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off';

/** Two gallery faces: the first along axis 0, the second at 60° from it. */
async function addFaces(db: Queryable): Promise<void> {
  await db.query(`INSERT INTO models (id, dims, manifest) VALUES ('m', 128, '{}')`);
  const photo = await db.query<{ id: string }>(
    `INSERT INTO photos (sha256, byte_size) VALUES (repeat('c', 64), 1) RETURNING id`,
  );
  const second = axis(0).map((x, j) => (j === 0 ? 0.5 : j === 1 ? Math.sqrt(0.75) : x));
  for (const [i, e] of [axis(0), second].entries()) {
    await db.query(
      `INSERT INTO faces (id, photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, embedding)
       VALUES ($1, $2, 'm', $3, 0, 0, 10, 10, 0.9, '[]', '{}', $4::vector)`,
      [AXIS_FACES[i], photo.rows[0]!.id, i, `[${e.join(',')}]`],
    );
  }
}

/** The product's gallery query, kept on the faces index: the faces it finds, best first. */
async function nearestThroughIndex(db: TestDb['db']): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.exec(forcedIndexScan);
    expect(await explainNearestGalleryFaces(tx, axis(0), { modelId: 'm', k: 10, efSearch: 40 })).toContain(
      `Index Scan using ${FACES_EMBEDDING_INDEX}`,
    );
    return (await nearestGalleryFaces(tx, axis(0), { modelId: 'm', k: 10, efSearch: 40 })).map((h) => h.faceId);
  });
}

/** The migration that rebuilds the faces index (0004; 0003 was taken meanwhile). */
const facesMigration = () => shipped.find((m) => m.name === 'faces_hnsw_m32')!;
const versionsFrom = (first: number) => shipped.filter((m) => m.version >= first).map((m) => m.version);

beforeAll(async () => {
  shipped = await readMigrations();
  const t = await newDb();
  await migrate(t.db);
  fresh = await snapshot(t);
}, 60_000);

afterAll(async () => {
  for (const t of open) await t.close();
  for (const d of tmpDirs) await fs.rm(d, { recursive: true, force: true });
});

describe(`migrations on ${testDbKind()}`, () => {
  it('the fixtures are earlier released contents of 0001 (m = 16), not the current file', async () => {
    const current = shipped[0]!.sha256;
    for (const release of RELEASES) {
      const sql = await releasedInit(release);
      expect(migrationSha256(sql)).not.toBe(current);
      expect(sql).toMatch(
        /faces_embedding_hnsw ON faces\s+USING hnsw \(embedding vector_cosine_ops\) WITH \(m = 16, ef_construction = 128\)/,
      );
    }
    // CRLF checkouts are the same content
    expect(migrationSha256(shipped[0]!.sql.replace(/\n/g, '\r\n'))).toBe(current);
  });

  it.each(RELEASES)(
    'a database made by the %s 0001, before checksums, upgrades to the newest schema',
    async (release) => {
      const t = await newDb();
      // what the kinfinder of that release did: its 0001, recorded without a checksum
      await t.db.exec(PRE_CHECKSUM_TABLE);
      await t.db.exec(await releasedInit(release));
      await t.db.query(`INSERT INTO schema_migrations (version, name) VALUES (1, 'init')`);
      await addFaces(t.db);
      expect((await facesIndex(t.db)).options).toBe('m=16,ef_construction=128');

      const r = await migrate(t.db);
      expect(r.applied).toEqual(versionsFrom(2));
      expect(await schemaVersion(t.db)).toBe(shipped.length);
      expect((await facesIndex(t.db)).options).toBe('m=32,ef_construction=128');
      // the rebuilt index holds the faces that were there: the product's query finds them through it
      expect(await nearestThroughIndex(t.db)).toEqual([AXIS_FACES[0], AXIS_FACES[1]]);
      expect(await snapshot(t)).toEqual(fresh);
      // the row from before checksums gets the current file's; the new ones their own
      expect(await recorded(t.db)).toEqual(
        shipped.map((m) => ({ version: m.version, name: m.name, sha256: m.sha256 })),
      );
      expect((await migrate(t.db)).applied).toEqual([]);
    },
  );

  it('a database at 0002 made from the first release, before checksums, gets only what it lacks', async () => {
    const t = await newDb();
    await t.db.exec(PRE_CHECKSUM_TABLE);
    await t.db.exec(await releasedInit('first-release'));
    await t.db.exec(shipped[1]!.sql);
    await t.db.query(`INSERT INTO schema_migrations (version, name) VALUES (1, 'init'), (2, $1)`, [shipped[1]!.name]);
    expect((await migrate(t.db)).applied).toEqual(versionsFrom(3));
    expect(await snapshot(t)).toEqual(fresh);
  });

  it.each(RELEASES)(
    'a database whose 0001 was recorded with the %s checksum is accepted and upgraded',
    async (release) => {
      const t = await newDb();
      const dir = await migrationsDir({ '0001_init.sql': await releasedInit(release) });
      expect((await migrate(t.db, dir)).applied).toEqual([1]);
      const applied = await recorded(t.db);
      expect(applied[0]!.sha256).toBe(migrationSha256(await releasedInit(release)));

      expect((await migrate(t.db)).applied).toEqual(versionsFrom(2));
      expect((await facesIndex(t.db)).options).toBe('m=32,ef_construction=128');
      expect(await snapshot(t)).toEqual(fresh);
      // what the database was built from stays on record
      expect((await recorded(t.db))[0]!.sha256).toBe(applied[0]!.sha256);
    },
  );

  it('a database whose applied 0001 has changed since is refused, naming the file, and nothing is applied', async () => {
    const t = await newDb();
    const edited = shipped[0]!.sql.replace(
      'WITH (m = 32, ef_construction = 128)',
      'WITH (m = 24, ef_construction = 128)',
    );
    expect(edited).not.toBe(shipped[0]!.sql);
    await migrate(t.db, await migrationsDir({ '0001_init.sql': edited }));

    const err = await migrate(t.db).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      name: 'KinfinderError',
      code: 'migration_changed',
      details: { file: '0001_init.sql' },
    });
    expect((err as Error).message).toMatch(/migration 0001_init\.sql has changed since this database applied it/);
    expect((err as Error).message).toMatch(/never edited.*new numbered migration/);
    expect(await schemaVersion(t.db)).toBe(1);
    expect(await recorded(t.db)).toEqual([{ version: 1, name: 'init', sha256: migrationSha256(edited) }]);
    expect((await facesIndex(t.db)).options).toBe('m=24,ef_construction=128');
  });

  it('a later migration changed after it was applied is refused too, and so is one replaced under its number', async () => {
    const t = await newDb();
    const files = Object.fromEntries(shipped.map((m) => [m.file, m.sql]));
    const second = shipped[1]!;
    await migrate(t.db, await migrationsDir({ ...files, [second.file]: `${second.sql}\n-- a local edit\n` }));
    await expect(migrate(t.db)).rejects.toMatchObject({
      code: 'migration_changed',
      message: expect.stringContaining(second.file) as unknown,
    });

    const u = await newDb();
    await migrate(
      u.db,
      await migrationsDir({
        [shipped[0]!.file]: shipped[0]!.sql,
        '0002_something_else.sql': 'CREATE TABLE something_else (id integer)',
      }),
    );
    await expect(migrate(u.db)).rejects.toMatchObject({
      code: 'migration_changed',
      message: expect.stringMatching(new RegExp(`0002_something_else\\.sql.*${second.file}`)) as unknown,
    });
  });

  it('migrating twice is a no-op that keeps the records and the index', async () => {
    const t = await newDb();
    expect((await migrate(t.db)).applied).toEqual(versionsFrom(1));
    const before = { records: await recorded(t.db), index: await facesIndex(t.db) };
    const again = await migrate(t.db);
    expect(again).toEqual({ applied: [], version: shipped.length });
    expect({ records: await recorded(t.db), index: await facesIndex(t.db) }).toEqual(before);
    expect(before.records.every((r) => r.sha256 !== null)).toBe(true);
    // ADD COLUMN IF NOT EXISTS must not pile up CHECK constraints on schema_migrations
    const checks = await t.db.query(
      `SELECT conname FROM pg_constraint WHERE conrelid = to_regclass('schema_migrations') AND contype = 'c'`,
    );
    expect(checks.rows).toHaveLength(1);
  });

  it('0004 leaves an index already at m = 32 as it is', async () => {
    const t = await newDb();
    const before4 = Object.fromEntries(
      shipped.filter((m) => m.version < facesMigration().version).map((m) => [m.file, m.sql]),
    );
    await migrate(t.db, await migrationsDir(before4));
    const before = await facesIndex(t.db);
    expect(before.options).toBe('m=32,ef_construction=128');
    expect((await migrate(t.db)).applied).toEqual(versionsFrom(facesMigration().version));
    expect((await facesIndex(t.db)).oid).toBe(before.oid);
  });

  it('a database newer than this kinfinder is refused', async () => {
    const t = await newDb();
    await migrate(t.db);
    const newer = shipped.length + 1;
    await t.db.query(`INSERT INTO schema_migrations (version, name, sha256) VALUES ($1, 'from_the_future', $2)`, [
      newer,
      'a'.repeat(64),
    ]);
    const err = await migrate(t.db).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      name: 'KinfinderError',
      code: 'schema_too_new',
      details: { databaseVersion: newer, knownVersion: shipped.length },
    });
    expect((err as Error).message).toContain(`at migration ${newer} but this kinfinder only knows ${shipped.length}`);
  });

  it('the faces index a migrated database holds is exactly facesEmbeddingIndexDdl()', async () => {
    const t = await newDb();
    await migrate(t.db);
    const migrated = await facesIndex(t.db);
    await t.db.exec(`DROP INDEX ${FACES_EMBEDDING_INDEX}`);
    await t.db.exec(facesEmbeddingIndexDdl());
    const made = await facesIndex(t.db);
    expect(made.def).toBe(migrated.def);
    expect(made.options).toBe(migrated.options);
    expect(made.options).toBe(`m=${SHIPPED_FACES_HNSW.m},ef_construction=${SHIPPED_FACES_HNSW.efConstruction}`);
    // the product's gallery query walks it (same operator class as its ORDER BY); the table is
    // tiny, so the planner is told to leave the scan-and-sort it would otherwise prefer
    await addFaces(t.db);
    expect(await nearestThroughIndex(t.db)).toEqual(AXIS_FACES);
    // 0004 spells the statement out (migrations stay plain SQL): the same text
    expect(facesMigration().sql).toContain(`${facesEmbeddingIndexDdl()};`);
    // other parameters differ in the options only
    await t.db.exec(`DROP INDEX ${FACES_EMBEDDING_INDEX}`);
    await t.db.exec(facesEmbeddingIndexDdl({ m: 8, efConstruction: 40 }));
    const other = await facesIndex(t.db);
    expect(other.options).toBe('m=8,ef_construction=40');
    expect(other.def.replace(/WITH \(.*\)/, '')).toBe(migrated.def.replace(/WITH \(.*\)/, ''));
  });
});

describe('facesEmbeddingIndexDdl', () => {
  it('writes only integers in pgvector ranges into the DDL', () => {
    expect(facesEmbeddingIndexDdl({ m: 16, efConstruction: 64 })).toMatch(/WITH \(m = 16, ef_construction = 64\)$/);
    expect(() => facesEmbeddingIndexDdl({ m: 1, efConstruction: 64 })).toThrow(RangeError);
    expect(() => facesEmbeddingIndexDdl({ m: 16.5, efConstruction: 64 })).toThrow(RangeError);
    expect(() => facesEmbeddingIndexDdl({ m: 32, efConstruction: 40 })).toThrow(/at least 2·m/);
    expect(() => facesEmbeddingIndexDdl({ m: 16, efConstruction: 1001 })).toThrow(RangeError);
  });
});
