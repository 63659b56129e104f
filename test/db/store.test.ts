import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pgvector from 'pgvector';
import type { Database } from '../../src/store/database.ts';
import { migrate, readMigrations, schemaVersion } from '../../src/store/migrate.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { isDatabaseUnavailable } from '../../src/store/unavailable.ts';
import { unitVector } from '../support/synthetic-gallery.ts';
import { openTestDb, testDbKind, type TestDb } from '../support/db.ts';

const sha = (c: string) => c.repeat(64);

let t: TestDb;
let db: Database;

beforeAll(async () => {
  t = await openTestDb();
  db = t.db;
  await db.query(`INSERT INTO models (id, dims, manifest) VALUES ('test-model', 128, '{}')`);
});
afterAll(async () => {
  await t?.close();
});

async function insertPhoto(hash: string): Promise<string> {
  const r = await db.query<{ id: string }>(
    `INSERT INTO photos (sha256, original_name, byte_size) VALUES ($1, 'x.jpg', 10) RETURNING id`,
    [hash],
  );
  return r.rows[0]!.id;
}

describe(`store on ${testDbKind()}`, () => {
  it('applies every migration once and reports the version', async () => {
    const all = await readMigrations();
    expect(all.length).toBeGreaterThan(0);
    expect(await schemaVersion(db)).toBe(all.length);
    const again = await migrate(db);
    expect(again.applied).toEqual([]);
    expect(again.version).toBe(all.length);
  });

  it('creates every table the design names', async () => {
    const r = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`,
    );
    const names = r.rows.map((x) => x.table_name);
    for (const table of [
      'models',
      'sources',
      'photos',
      'faces',
      'searches',
      'reference_faces',
      'candidates',
      'decisions',
      'tokens',
      'audit_events',
    ]) {
      expect(names).toContain(table);
    }
  });

  it('keeps one photo per sha256 and rejects malformed hashes and statuses', async () => {
    await insertPhoto(sha('a'));
    await expect(insertPhoto(sha('a'))).rejects.toThrow(/unique|duplicate/i);
    await expect(insertPhoto('not-a-hash')).rejects.toThrow(/check/i);
    await expect(db.query(`UPDATE photos SET status = 'lost' WHERE sha256 = $1`, [sha('a')])).rejects.toThrow(/check/i);
    // a failed photo must say why
    await expect(db.query(`UPDATE photos SET status = 'failed' WHERE sha256 = $1`, [sha('a')])).rejects.toThrow(
      /check/i,
    );
  });

  it('rolls back a failed transaction completely', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO photos (sha256, byte_size) VALUES ($1, 1)`, [sha('b')]);
        await tx.query(`INSERT INTO photos (sha256, byte_size) VALUES ($1, 1)`, [sha('b')]);
      }),
    ).rejects.toThrow();
    const r = await db.query(`SELECT 1 FROM photos WHERE sha256 = $1`, [sha('b')]);
    expect(r.rows).toHaveLength(0);
  });

  it('round-trips a 128-d embedding and refuses other sizes', async () => {
    const photoId = await insertPhoto(sha('c'));
    const v = unitVector(42);
    await db.query(
      `INSERT INTO faces (photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, embedding)
       VALUES ($1, 'test-model', 0, 1, 2, 30, 40, 0.9, '[]', '{}', $2::vector)`,
      [photoId, pgvector.toSql(v)],
    );
    const r = await db.query<{ embedding: string }>(
      `SELECT embedding::text AS embedding FROM faces WHERE photo_id = $1`,
      [photoId],
    );
    const back = pgvector.fromSql(r.rows[0]!.embedding) as number[];
    expect(back).toHaveLength(128);
    back.forEach((x, i) => expect(x).toBeCloseTo(v[i]!, 6));
    // the same face index twice for one photo and model is refused
    await expect(
      db.query(
        `INSERT INTO faces (photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, embedding)
         VALUES ($1, 'test-model', 0, 1, 2, 30, 40, 0.9, '[]', '{}', $2::vector)`,
        [photoId, pgvector.toSql(v)],
      ),
    ).rejects.toThrow(/unique|duplicate/i);
    await expect(
      db.query(
        `INSERT INTO faces (photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, embedding)
         VALUES ($1, 'test-model', 1, 1, 2, 30, 40, 0.9, '[]', '{}', $2::vector)`,
        [photoId, pgvector.toSql(v.slice(0, 64))],
      ),
    ).rejects.toThrow(/dimensions/i);
  });

  it('finds nearest neighbours through the HNSW index', async () => {
    const photoId = await insertPhoto(sha('d'));
    const n = 400;
    const vectors = Array.from({ length: n }, (_, i) => unitVector(1000 + i));
    await db.transaction(async (tx) => {
      for (let i = 0; i < n; i++) {
        await tx.query(
          `INSERT INTO faces (photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, embedding)
           VALUES ($1, 'test-model', $2, 0, 0, 10, 10, 0.9, '[]', '{}', $3::vector)`,
          [photoId, i, pgvector.toSql(vectors[i]!)],
        );
      }
    });
    // a query close to vector 123: a slightly perturbed copy
    const q = vectors[123]!.map((x, i) => x + (i % 2 ? 0.01 : -0.01));
    const rows = await db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      await tx.query('SET LOCAL hnsw.ef_search = 40');
      const plan = await tx.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT id FROM faces ORDER BY embedding <=> $1::vector LIMIT 5`,
        [pgvector.toSql(q)],
      );
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/faces_embedding_hnsw/);
      const r = await tx.query<{ face_index: number; similarity: number }>(
        `SELECT face_index, 1 - (embedding <=> $1::vector) AS similarity FROM faces
         WHERE photo_id = $2 ORDER BY embedding <=> $1::vector LIMIT 5`,
        [pgvector.toSql(q), photoId],
      );
      return r.rows;
    });
    expect(rows[0]!.face_index).toBe(123);
    expect(rows[0]!.similarity).toBeGreaterThan(0.99);
    expect(rows[1]!.similarity).toBeLessThan(0.5);
  });

  it('keeps decisions and audit events append-only', async () => {
    const s = await db.query<{ id: string }>(`INSERT INTO searches DEFAULT VALUES RETURNING id`);
    const searchId = s.rows[0]!.id;
    const photoId = await insertPhoto(sha('e'));
    const f = await db.query<{ id: string }>(
      `INSERT INTO faces (photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, embedding)
       VALUES ($1, 'test-model', 0, 0, 0, 10, 10, 0.9, '[]', '{}', $2::vector) RETURNING id`,
      [photoId, pgvector.toSql(unitVector(7))],
    );
    const c = await db.query<{ id: string }>(
      `INSERT INTO candidates (search_id, face_id, similarity, band) VALUES ($1, $2, 0.8, 'strong') RETURNING id`,
      [searchId, f.rows[0]!.id],
    );
    await expect(
      db.query(`INSERT INTO candidates (search_id, face_id, similarity, band) VALUES ($1, $2, 0.7, 'weak')`, [
        searchId,
        f.rows[0]!.id,
      ]),
    ).rejects.toThrow(/unique|duplicate/i);
    const person = await db.query<{ id: string }>(
      `INSERT INTO people (role, name) VALUES ('verifier', 'v1') RETURNING id`,
    );
    const tok = await db.query<{ id: string }>(
      `INSERT INTO tokens (role, name, token_hash, person_id) VALUES ('verifier', 'v1', $1, $2) RETURNING id`,
      [sha('f'), person.rows[0]!.id],
    );
    // a staff token belongs to a person
    await expect(
      db.query(`INSERT INTO tokens (role, name, token_hash) VALUES ('verifier', 'v2', $1)`, [sha('2')]),
    ).rejects.toThrow(/check/i);
    // a family token must name its case, and only a family token may
    await expect(
      db.query(`INSERT INTO tokens (role, name, token_hash) VALUES ('family', 'f', $1)`, [sha('1')]),
    ).rejects.toThrow(/check/i);
    const d = await db.query<{ id: string }>(
      `INSERT INTO decisions (candidate_id, token_id, decision) VALUES ($1, $2, 'confirm') RETURNING id`,
      [c.rows[0]!.id, tok.rows[0]!.id],
    );
    await expect(db.query(`UPDATE decisions SET decision = 'reject' WHERE id = $1`, [d.rows[0]!.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(db.query(`DELETE FROM decisions WHERE id = $1`, [d.rows[0]!.id])).rejects.toThrow(/append-only/);
    await db.query(`INSERT INTO audit_events (action, subject_type, subject_id) VALUES ('test.event', 'search', $1)`, [
      searchId,
    ]);
    await expect(db.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    await expect(db.query(`UPDATE audit_events SET action = 'x'`)).rejects.toThrow(/append-only/);
  });
});

// A lent-out client has no pool listener: its server going away between two statements emitted
// 'error' with nobody listening, which ended the process (a worker, in the outage test on CI).
if (testDbKind() === 'postgres') {
  describe('a PostgreSQL connection lost while lent out', () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const terminate = (pid: number) => db.query(`SELECT pg_terminate_backend($1)`, [pid]);

    it('fails the transaction it was in, not the process, and the next one gets a new connection', async () => {
      const run = db.transaction(async (tx) => {
        const { pid } = (await tx.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows[0]!;
        await terminate(pid);
        // The socket closes while the transaction waits between statements: the event fires now.
        await sleep(300);
        await tx.query(`SELECT 1`);
      });
      // Whatever pg calls it, the error reads as an outage, so a job retries and a route answers 503.
      const err = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isDatabaseUnavailable(err), String(err)).toBe(true);
      expect((await db.transaction((tx) => tx.query<{ one: number }>(`SELECT 1 AS one`))).rows).toEqual([{ one: 1 }]);
    });

    it('loses an advisory lock holder without ending the process', async () => {
      const key = 424242;
      await db.exclusively(key, async () => {
        const r = await db.query<{ pid: number }>(
          `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`,
          [key],
        );
        expect(r.rows).toHaveLength(1);
        await terminate(r.rows[0]!.pid);
        await sleep(300);
      });
      // The lock went with its session: another holder gets it at once.
      expect(await db.exclusively(key, async () => 'again')).toBe('again');
    });
  });
}

describe('embedded data directory', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-store-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps its data across close and reopen, and refuses a second opener meanwhile', async () => {
    const first = await openPglite({ dataDir: dir });
    await migrate(first);
    await first.query(`INSERT INTO sources (name) VALUES ('field team 7')`);
    await expect(openPglite({ dataDir: dir })).rejects.toMatchObject({ code: 'store_locked' });
    await first.close();
    const second = await openPglite({ dataDir: dir });
    const r = await second.query<{ name: string }>(`SELECT name FROM sources`);
    expect(r.rows.map((x) => x.name)).toEqual(['field team 7']);
    await second.close();
  });

  it('takes over a lock left by a process that died', async () => {
    // pid 2^22+ is above Linux's default pid_max, so no live process holds it
    fs.writeFileSync(path.join(dir, 'kinfinder.lock'), '4194999');
    const db2 = await openPglite({ dataDir: dir });
    expect(await schemaVersion(db2)).toBeGreaterThan(0);
    await db2.close();
  });
});
