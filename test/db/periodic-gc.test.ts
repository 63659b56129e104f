import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { startPeriodicGc } from '../../src/maintenance/periodic-gc.ts';
import { FsBlobStore } from '../../src/store/blobs.ts';
import { openTestDb, testDbKind, type TestDb } from '../support/db.ts';

let t: TestDb;
let dir: string;
beforeAll(async () => {
  t = await openTestDb();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-pgc-'));
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe(`periodic blob collection on ${testDbKind()}`, () => {
  it('removes a blob nothing refers to on its timer, as the job runner, and keeps one a row refers to', async () => {
    const blobs = new FsBlobStore(dir);
    const orphan = await blobs.put(Buffer.from('crop of an attempt that crashed before its row'));
    const kept = await blobs.put(Buffer.from('a photo'));
    await t.db.query(`INSERT INTO photos (sha256, byte_size) VALUES ($1, 7)`, [kept]);
    const gc = startPeriodicGc({ db: t.db, blobs, logger: silentLogger }, { intervalMs: 100, graceMs: 0 });
    try {
      const deadline = Date.now() + 20_000;
      while ((await blobs.has(orphan)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await gc.stop();
    }
    expect(await blobs.has(orphan)).toBe(false);
    expect(await blobs.has(kept)).toBe(true);
    const audit = await t.db.query<{ actor_role: string }>(
      `SELECT actor_role FROM audit_events WHERE action = 'blobs.gc' LIMIT 1`,
    );
    expect(audit.rows[0]?.actor_role).toBe('jobs');
  });
});

describe(`the first periodic collection on ${testDbKind()}`, () => {
  it('comes soon after the worker starts, not one whole interval (6 h) later', async () => {
    const blobs = new FsBlobStore(dir);
    const orphan = await blobs.put(Buffer.from('left by a purge that rows-first would have forgotten'));
    // An interval no test waits for: only the first run, shortly after the start, can collect it.
    const gc = startPeriodicGc(
      { db: t.db, blobs, logger: silentLogger },
      { intervalMs: 3600_000, firstRunMs: 50, graceMs: 0 },
    );
    try {
      const deadline = Date.now() + 20_000;
      while ((await blobs.has(orphan)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await gc.stop();
    }
    expect(await blobs.has(orphan)).toBe(false);
  });
});
