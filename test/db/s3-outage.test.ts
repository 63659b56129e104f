import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, type FaceAnalyser, type ModelManifest } from '../../src/face/index.ts';
import { CLI } from '../../src/access/principal.ts';
import { enqueuePhoto } from '../../src/ingest/enqueue.ts';
import { silentLogger } from '../../src/log.ts';
import { createCounters } from '../../src/metrics.ts';
import { openQueue, type JobQueue } from '../../src/queue.ts';
import { ensureModel, facesOfPhoto, getPhoto } from '../../src/store/photos.ts';
import { S3BlobStore } from '../../src/store/s3-blobs.ts';
import { handlePhotoIngest } from '../../workers/photo-ingest.ts';
import { LIMITS } from '../support/api.ts';
import { recordedFaceEngine } from '../support/recorded-faces.ts';
import { openTestDb, type TestDb } from '../support/db.ts';
import { lfwPhotos } from '../support/fixtures.ts';
import { startTestS3, type TestS3 } from '../support/s3.ts';

/**
 * A store outage while running is like a database outage: the photo.ingest attempt fails, the
 * photo goes back to the queue (not `failed`: nothing is wrong with it), and the retry after
 * the store is back finishes it. Real engine, real database, s3rver stopped and restarted.
 */
let t: TestDb;
let s3: TestS3;
let faces: FaceAnalyser;
let manifest: ModelManifest;
let queue: JobQueue;

beforeAll(async () => {
  t = await openTestDb();
  s3 = await startTestS3();
  manifest = await loadManifest();
  faces = await recordedFaceEngine({ limits: LIMITS });
  await ensureModel(t.db, { id: manifest.id, dims: manifest.dims, manifest });
  queue = await openQueue(t.db, { schema: `${t.schema}_pgboss`, expireInSeconds: 60, logger: silentLogger });
});
afterAll(async () => {
  await queue?.stop();
  await faces?.close();
  await s3?.destroy();
  await t?.close();
});

describe('photo.ingest during a photo store outage', () => {
  it('fails the attempt for a retry, and the retry succeeds once the store is back', async () => {
    const blobs = new S3BlobStore(s3.options('outage'));
    const deps = { db: t.db, blobs, faces, queue, limits: LIMITS, logger: silentLogger, counters: createCounters() };
    const file = lfwPhotos()[0]!;
    const photo = await enqueuePhoto(deps, CLI, { name: path.basename(file), bytes: fs.readFileSync(file) });

    await s3.stop();
    let thrown: { code?: string } | undefined;
    try {
      await handlePhotoIngest({ photoId: photo.id }, deps, { lastAttempt: false });
    } catch (err) {
      thrown = err as { code?: string };
    } finally {
      await s3.start();
    }
    expect(thrown?.code).toBe('store_unavailable');
    const waiting = await getPhoto(t.db, photo.id);
    expect(waiting).toMatchObject({ status: 'queued', error: null });

    const retried = await handlePhotoIngest({ photoId: photo.id }, deps, { lastAttempt: false });
    expect(retried).toMatchObject({ status: 'done' });
    const done = await getPhoto(t.db, photo.id);
    expect(done?.status).toBe('done');
    expect(await blobs.has(done!.displaySha256!)).toBe(true);
    const stored = await facesOfPhoto(t.db, photo.id);
    expect(stored.length).toBeGreaterThan(0);
    for (const f of stored) expect(await blobs.has(f.cropSha256!)).toBe(true);
    blobs.close();
  });
});
