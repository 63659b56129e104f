import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { openQueue } from '../../src/queue.ts';
import { recordAudit } from '../../src/store/audit.ts';
import type { AuditAction } from '../../src/vocabulary.ts';
import type { Database } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { openTestDb, type TestDb } from '../support/db.ts';

/**
 * decisions and audit_events are history: nothing may rewrite them, TRUNCATE included, and on
 * PostgreSQL the service runs as a role that cannot switch the guarding triggers off (README,
 * "PostgreSQL": a migration role owns the schema, the application role owns nothing).
 */
describe('append-only history', () => {
  let t: TestDb;
  let mig: string;
  let app: string;

  /** Runs `fn` on a session of `role`: a login of its own on PostgreSQL, SET ROLE in PGlite's one session. */
  async function as<T>(role: string, fn: (db: Database) => Promise<T>): Promise<T> {
    if (t.db.kind === 'pglite') {
      await t.db.exec(`SET ROLE ${role}`);
      try {
        return await fn(t.db);
      } finally {
        await t.db.exec('RESET ROLE');
      }
    }
    const url = new URL(process.env.DATABASE_URL as string);
    url.username = role;
    url.password = '';
    const db = await openPostgres({ url: url.toString(), searchPath: `${t.schema},public` });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }

  beforeAll(async () => {
    t = await openTestDb({ migrate: false });
    mig = `${t.schema}_owner`;
    app = `${t.schema}_app`;
    // What the README's set-up does as a superuser, here inside the test's own schema.
    await t.db.exec(`
      CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;
      CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
      CREATE ROLE ${mig} LOGIN;
      CREATE ROLE ${app} LOGIN;
      ALTER SCHEMA ${t.schema} OWNER TO ${mig};
      DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO ${app}', current_database()); END $$;
    `);
    await as(mig, async (db) => {
      expect((await migrate(db)).applied.length).toBeGreaterThanOrEqual(5);
      await db.exec(grantsOf(t.schema, app));
    });
  });

  afterAll(async () => {
    // Roles are the cluster's, not the schema's: hand back what they own and drop them.
    await t.db.exec(
      `REASSIGN OWNED BY ${mig}, ${app} TO CURRENT_USER; DROP OWNED BY ${mig}, ${app}; DROP ROLE ${mig}; DROP ROLE ${app}`,
    );
    if (t.db.kind === 'postgres') await t.db.exec(`DROP SCHEMA IF EXISTS ${t.schema}_pgboss CASCADE`);
    await t.close();
  });

  async function someDecision(db: Database): Promise<void> {
    await db.exec(`
      INSERT INTO searches DEFAULT VALUES;
      INSERT INTO photos (sha256, byte_size, format) VALUES (repeat('a', 64), 1, 'jpeg');
      INSERT INTO models (id, dims, manifest) VALUES ('m', 128, '{}');
      INSERT INTO people (role, name) VALUES ('verifier', 'v');
      INSERT INTO tokens (role, name, token_hash, person_id) SELECT 'verifier', 'v', repeat('b', 64), id FROM people;`);
    await db.exec(`
      INSERT INTO faces (photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, embedding)
        SELECT id, 'm', 0, 0, 0, 1, 1, 0.9, '[]', '{}', array_fill(0.1::real, ARRAY[128])::vector FROM photos;
      INSERT INTO candidates (search_id, face_id, similarity, band) SELECT s.id, f.id, 0.9, 'strong' FROM searches s, faces f;
      INSERT INTO decisions (candidate_id, token_id, decision) SELECT c.id, k.id, 'confirm' FROM candidates c, tokens k;`);
  }

  it('the service starts as the application role and writes history', async () => {
    await as(app, async (db) => {
      // Start-up migrates (nothing to do) and installs its queue's schema, as serve does.
      expect((await migrate(db)).applied).toEqual([]);
      const queue = await openQueue(db, { schema: `${t.schema}_pgboss`, expireInSeconds: 60, logger: silentLogger });
      await queue.stop();
      await someDecision(db);
      await recordAudit(db, null, { action: 'test.event' as AuditAction });
      expect((await db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM decisions`)).rows[0]!.n).toBe(1);
    });
  });

  it.each([
    'TRUNCATE decisions CASCADE',
    'TRUNCATE audit_events',
    // A cascade from a table the application may empty still reaches decisions.
    'TRUNCATE candidates CASCADE',
    'TRUNCATE decisions, decision_notes',
  ])('%s is refused even to the owner of the tables', async (sql) => {
    await expect(t.db.exec(sql)).rejects.toThrow(/append-only/);
    await expect(as(mig, (db) => db.exec(sql))).rejects.toThrow(/append-only/);
    expect((await t.db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM decisions`)).rows[0]!.n).toBe(1);
  });

  it.each([
    'TRUNCATE decisions',
    'TRUNCATE audit_events',
    `UPDATE decisions SET decision = 'reject'`,
    'DELETE FROM decisions',
    `UPDATE audit_events SET action = 'x'`,
    'DELETE FROM audit_events',
    'ALTER TABLE decisions DISABLE TRIGGER ALL',
    'ALTER TABLE decisions DISABLE TRIGGER decisions_append_only',
    'ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_truncate',
    'DROP TRIGGER audit_events_append_only ON audit_events',
  ])('the application role cannot %s', async (sql) => {
    await expect(as(app, (db) => db.exec(sql))).rejects.toThrow(/permission denied|must be (the )?owner/);
  });

  it('history is intact after all of that', async () => {
    const r = await t.db.query<{ decisions: number; audit: number; triggers: number }>(
      `SELECT (SELECT count(*)::integer FROM decisions) AS decisions,
              (SELECT count(*)::integer FROM audit_events) AS audit,
              (SELECT count(*)::integer FROM pg_trigger
                WHERE tgrelid IN ('decisions'::regclass, 'audit_events'::regclass) AND NOT tgisinternal AND tgenabled = 'O') AS triggers`,
    );
    expect(r.rows[0]).toEqual({ decisions: 1, audit: 1, triggers: 4 });
  });
});

/** The README's grants to the application role (kept in step with it by this test). */
function grantsOf(schema: string, app: string): string {
  return `
    GRANT USAGE ON SCHEMA ${schema} TO ${app};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${app};
    REVOKE UPDATE, DELETE ON decisions, audit_events FROM ${app};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${app};`;
}
