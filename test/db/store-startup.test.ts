import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { openQueue } from '../../src/queue.ts';
import type { Database } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openDatabase, queueSchemaFor } from '../../src/store/open.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { testDbKind } from '../support/db.ts';

const kind = testDbKind();
const url = process.env.DATABASE_URL;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-startup-'));
const schemas: string[] = [];

afterAll(async () => {
  if (kind === 'postgres' && schemas.length > 0) {
    const admin = await openPostgres({ url: url as string, max: 1 });
    for (const s of schemas)
      await admin.exec(`DROP SCHEMA IF EXISTS ${s} CASCADE; DROP SCHEMA IF EXISTS ${queueSchemaFor(s)} CASCADE`);
    await admin.close();
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** What `kinfinder worker`, `serve` and `ingest` each do first, on one installation. */
async function start(db: Database, schema: string) {
  await migrate(db);
  const queue = await openQueue(db, { schema: queueSchemaFor(schema), expireInSeconds: 60, logger: silentLogger });
  await queue.stop();
}

describe(`several processes starting together on a new installation (${kind})`, () => {
  it('all start: the schema, the migrations and the queue are created once', { timeout: 120_000 }, async () => {
    for (let round = 0; round < 3; round++) {
      const schema = `s_${randomBytes(5).toString('hex')}`;
      schemas.push(schema);
      // On PostgreSQL each opener is its own pool, as separate processes would be. PGlite is
      // one process by construction (its directory lock), so its starters share one handle.
      const dbs =
        kind === 'postgres'
          ? await Promise.all([0, 1, 2].map(() => openDatabase({ databaseUrl: url, dataDir, dbSchema: schema })))
          : [
              await openDatabase({
                databaseUrl: undefined,
                dataDir: path.join(dataDir, String(round)),
                dbSchema: schema,
              }),
            ];
      try {
        const starters = kind === 'postgres' ? dbs : [dbs[0]!, dbs[0]!, dbs[0]!];
        const results = await Promise.allSettled(starters.map((db) => start(db, schema)));
        expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'started'))).toEqual([
          'started',
          'started',
          'started',
        ]);
        const applied = await dbs[0]!.query<{ n: number }>(
          `SELECT count(*)::integer AS n FROM ${schema}.schema_migrations`,
        );
        expect(applied.rows[0]!.n).toBeGreaterThan(0);
        const queues = await dbs[0]!.query<{ name: string }>(
          `SELECT name FROM ${queueSchemaFor(schema)}.queue ORDER BY name`,
        );
        expect(queues.rows.map((r) => r.name)).toEqual(['faces.match', 'notice.send', 'photo.ingest']);
      } finally {
        for (const db of new Set(dbs)) await db.close();
      }
    }
  });

  it('never lets two holders of the same lock overlap', async () => {
    const a = await openDatabase({
      databaseUrl: url,
      dataDir: path.join(dataDir, 'lock'),
      ...(kind === 'postgres' ? { dbSchema: 'public' } : {}),
    });
    const b = kind === 'postgres' ? await openDatabase({ databaseUrl: url, dataDir, dbSchema: 'public' }) : a;
    try {
      const events: string[] = [];
      const hold = (db: Database, who: string) =>
        db.exclusively(90_001, async () => {
          events.push(`${who} in`);
          await new Promise((r) => setTimeout(r, 150));
          events.push(`${who} out`);
          return who;
        });
      const failing = a.exclusively(90_001, () => Promise.reject(new Error('boom')));
      const results = await Promise.allSettled([failing, hold(a, 'a'), hold(b, 'b'), hold(a, 'c')]);
      expect(results[0]).toMatchObject({ status: 'rejected', reason: { message: 'boom' } });
      expect(results.slice(1).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      // every "in" is followed by its own "out" before anyone else enters
      for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i]!.replace(' in', ' out'));
      expect(events).toHaveLength(6);
    } finally {
      await a.close();
      if (b !== a) await b.close();
    }
  });
});
