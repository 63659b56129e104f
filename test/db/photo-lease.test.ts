import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../src/access/principal.ts';
import { loadManifest, type FaceAnalyser } from '../../src/face/index.ts';
import { LEASE_SECONDS, sweepExpiredLeases } from '../../src/ingest/lease.ts';
import { runIngest } from '../../src/ingest/run.ts';
import { silentLogger } from '../../src/log.ts';
import { createCounters } from '../../src/metrics.ts';
import { openQueue, type JobQueue } from '../../src/queue.ts';
import { FsBlobStore } from '../../src/store/blobs.ts';
import { ensureModel, insertPhoto, renewLease, startAttempt } from '../../src/store/photos.ts';
import { startWorkers } from '../../workers/main.ts';
import { openTestDb, type TestDb } from '../support/db.ts';
import { recordedFaceEngine } from '../support/recorded-faces.ts';
import { lfwPhotos } from '../support/fixtures.ts';

const LIMITS = { maxBytes: 20 * 1024 * 1024, maxPixels: 50e6 };

describe('photos left processing by a dead worker', () => {
  let t: TestDb;
  let queue: JobQueue;
  let blobDir: string;
  let blobs: FsBlobStore;
  let faces: FaceAnalyser;

  beforeAll(async () => {
    t = await openTestDb();
    queue = await openQueue(t.db, { schema: `${t.schema}_pgboss`, expireInSeconds: 300, logger: silentLogger });
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kf-lease-'));
    blobs = new FsBlobStore(blobDir);
    faces = await recordedFaceEngine({ limits: LIMITS });
    const manifest = await loadManifest();
    await ensureModel(t.db, { id: manifest.id, dims: manifest.dims, manifest });
  });

  afterAll(async () => {
    await queue.stop();
    await faces.close();
    if (t.db.kind === 'postgres') await t.db.exec(`DROP SCHEMA IF EXISTS ${t.schema}_pgboss CASCADE`);
    await t.close();
    fs.rmSync(blobDir, { recursive: true, force: true });
  });

  /** A photo some worker started on (attempt counted, lease taken) and whose job nobody will finish. */
  async function abandoned(file: string, leaseAgeSeconds: number): Promise<string> {
    const bytes = fs.readFileSync(file);
    const sha256 = await blobs.put(bytes);
    const p = await insertPhoto(t.db, {
      sha256,
      originalName: path.basename(file),
      byteSize: bytes.length,
      format: 'jpeg',
      sourceId: null,
      metadata: {},
    });
    expect(await startAttempt(t.db, p.id)).toBeDefined();
    // The worker died: its last heartbeat is this old (the database's clock, as the sweep's).
    await t.db.query(`UPDATE photos SET heartbeat_at = now() - make_interval(secs => $2) WHERE id = $1`, [
      p.id,
      leaseAgeSeconds,
    ]);
    return p.id;
  }

  const statusOf = async (id: string) =>
    (await t.db.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM photos WHERE id = $1`, [id]))
      .rows[0]!;

  it('leaves a photo with a live lease alone, and a renewed lease stays live', async () => {
    const live = await abandoned(lfwPhotos()[0]!, LEASE_SECONDS - 20);
    const renewed = await abandoned(lfwPhotos()[1]!, LEASE_SECONDS + 60);
    await renewLease(t.db, renewed);
    const r = await sweepExpiredLeases({ db: t.db, queue, logger: silentLogger });
    expect(r).toEqual({ requeued: [], failed: [] });
    expect((await statusOf(live)).status).toBe('processing');
    expect((await statusOf(renewed)).status).toBe('processing');
    await t.db.query(`DELETE FROM photos WHERE id = ANY($1::uuid[])`, [[live, renewed]]);
  });

  it('fails a photo that was interrupted on every attempt instead of retrying it for ever', async () => {
    const id = await abandoned(lfwPhotos()[2]!, LEASE_SECONDS + 5);
    await t.db.query(`UPDATE photos SET attempts = 4 WHERE id = $1`, [id]);
    const r = await sweepExpiredLeases({ db: t.db, queue, logger: silentLogger });
    expect(r).toEqual({ requeued: [], failed: [id] });
    const row = (
      await t.db.query<{ status: string; error: { code: string } }>(`SELECT status, error FROM photos WHERE id = $1`, [
        id,
      ])
    ).rows[0]!;
    expect(row).toMatchObject({ status: 'failed', error: { code: 'internal' } });
    await t.db.query(`DELETE FROM photos WHERE id = $1`, [id]);
  });

  it(
    'queues an expired one again at worker start, and a re-run of ingest --wait finishes',
    { timeout: 120_000 },
    async () => {
      const file = lfwPhotos()[3]!;
      const id = await abandoned(file, LEASE_SECONDS + 5);
      const started = Date.now();
      const workers = await startWorkers(
        {
          db: t.db,
          blobs,
          faces,
          queue,
          limits: LIMITS,
          logger: silentLogger,
          counters: createCounters(),
          manifest: await loadManifest(),
        },
        { concurrency: 1 },
      );
      try {
        // The same file again, as an operator re-running the interrupted ingest would: it is a
        // duplicate still unfinished, so the run waits for it.
        const summary = await runIngest(
          { db: t.db, blobs, queue, limits: LIMITS, remoteWorkers: true, pollMs: 100 },
          CLI,
          { paths: [file], wait: true },
        );
        expect(summary).toMatchObject({ photos: 1, duplicates: 1 });
        expect(await statusOf(id)).toEqual({ status: 'done', attempts: 2 });
        // Far sooner than the 300 s job timeout the queue would otherwise have waited for.
        expect(Date.now() - started).toBeLessThan(60_000);
        const faceRows = await t.db.query<{ n: number }>(
          `SELECT count(*)::integer AS n FROM faces WHERE photo_id = $1`,
          [id],
        );
        expect(faceRows.rows[0]!.n).toBeGreaterThan(0);
      } finally {
        await workers.stop();
      }
    },
  );
});
