// `kinfinder backup` / `restore` of the embedded installation (DESIGN §12). The feature is the
// embedded database's (PostgreSQL has pg_dump), so this suite builds an embedded installation on
// disk whichever database the other suites run on: the backup is asked of the running service
// over HTTP, restored into an empty directory, and the restored installation answers the same
// search and keeps the audit log.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.ts';
import { CLI } from '../src/access/principal.ts';
import { createFaceEngine, loadManifest, type FaceAnalyser, type ModelManifest } from '../src/face/index.ts';
import { enqueuePhoto } from '../src/ingest/enqueue.ts';
import { silentLogger } from '../src/log.ts';
import { restoreBackup } from '../src/maintenance/backup.ts';
import { createCounters } from '../src/metrics.ts';
import { openQueue, type JobQueue } from '../src/queue.ts';
import { FsBlobStore } from '../src/store/blobs.ts';
import type { Database } from '../src/store/database.ts';
import { migrate } from '../src/store/migrate.ts';
import { openPglite } from '../src/store/pglite.ts';
import { ensureModel } from '../src/store/photos.ts';
import { handleFacesMatch } from '../workers/faces-match.ts';
import { handlePhotoIngest } from '../workers/photo-ingest.ts';
import { ADMIN_TOKEN, LIMITS, photoForm, requestJson } from './support/api.ts';
import { lfwPeople } from './support/fixtures.ts';

const people = lfwPeople(2).slice(0, 5);
const probe = people[1]!.files[1]!;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-backup-'));
let faces: FaceAnalyser;
let manifest: ModelManifest;

interface Install {
  db: Database;
  blobs: FsBlobStore;
  queue: JobQueue;
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

async function openInstall(dataDir: string): Promise<Install> {
  const db = await openPglite({ dataDir: path.join(dataDir, 'db') });
  await migrate(db);
  await ensureModel(db, { id: manifest.id, dims: manifest.dims, manifest });
  const blobs = new FsBlobStore(path.join(dataDir, 'blobs'));
  const queue = await openQueue(db, { schema: 'pgboss', expireInSeconds: 60, logger: silentLogger });
  const app = createApp({
    db,
    logger: silentLogger,
    api: { db, blobs, faces, manifest, limits: LIMITS, queue, confirmations: 2, counters: createCounters(), adminToken: ADMIN_TOKEN, rateLimit: { max: 1000, windowMs: 60_000 } },
  });
  return {
    db,
    blobs,
    queue,
    app,
    async close() {
      await queue.stop();
      await db.close();
    },
  };
}

beforeAll(async () => {
  manifest = await loadManifest();
  faces = await createFaceEngine({ limits: LIMITS });
}, 120_000);
afterAll(async () => {
  await faces?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('backup and restore of the embedded installation', () => {
  it('a restored backup answers the same search and keeps the audit log', async () => {
    const live = await openInstall(path.join(work, 'live'));
    const deps = { db: live.db, blobs: live.blobs, faces, queue: live.queue, limits: LIMITS, logger: silentLogger, counters: createCounters(), manifest };
    for (const p of people) {
      const e = await enqueuePhoto(deps, CLI, { name: path.basename(p.files[0]!), bytes: fs.readFileSync(p.files[0]!), source: 'archive' });
      await handlePhotoIngest({ photoId: e.id }, deps);
      await handleFacesMatch({ photoId: e.id }, deps);
    }
    const verifier = (await requestJson(live.app, 'POST', '/api/v1/tokens', { token: ADMIN_TOKEN, body: { role: 'verifier', name: 'verifier one' } })).json.token as string;
    const search = () => photoForm([{ name: 'probe.jpg', bytes: fs.readFileSync(probe) }], 'photo');
    const before = await requestJson(live.app, 'POST', '/api/v1/searches', { token: verifier, body: search() });
    expect(before.status).toBe(201);
    expect(before.json.candidates.length).toBeGreaterThan(0);
    const auditBefore = (await live.db.query<{ id: string; action: string }>(`SELECT id::text AS id, action FROM audit_events ORDER BY id`)).rows;

    // Asked of the running service (as `kinfinder backup` does while `serve` holds the directory).
    expect((await live.app.request('/api/v1/backup', { headers: { authorization: `Bearer ${verifier}` } })).status).toBe(403);
    const res = await live.app.request('/api/v1/backup', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const file = path.join(work, 'kinfinder.backup');
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    // The service goes on after the backup; what it does later is not in the archive.
    await requestJson(live.app, 'POST', '/api/v1/searches', { token: verifier, body: search() });
    await live.close();

    const restoredDir = path.join(work, 'restored');
    const info = await restoreBackup(CLI, file, restoredDir);
    expect(info.blobs).toBe(fs.readdirSync(path.join(work, 'live', 'blobs'), { recursive: true }).filter((f) => /[0-9a-f]{64}$/.test(String(f))).length);
    await expect(restoreBackup(CLI, file, restoredDir)).rejects.toMatchObject({ code: 'conflict' });

    const restored = await openInstall(restoredDir);
    try {
      const after = await requestJson(restored.app, 'POST', '/api/v1/searches', { token: verifier, body: search() });
      expect(after.status).toBe(201);
      expect(after.json.candidates.map((c: { photoId: string; similarity: number }) => [c.photoId, c.similarity])).toEqual(
        before.json.candidates.map((c: { photoId: string; similarity: number }) => [c.photoId, c.similarity]),
      );
      // The photos themselves came back too.
      const img = await restored.app.request(after.json.candidates[0].photo.imageUrl, { headers: { authorization: `Bearer ${verifier}` } });
      expect(img.status).toBe(200);
      const auditAfter = (await restored.db.query<{ id: string; action: string }>(`SELECT id::text AS id, action FROM audit_events ORDER BY id`)).rows;
      expect(auditAfter.slice(0, auditBefore.length)).toEqual(auditBefore);
      expect(auditAfter.filter((e) => e.action === 'backup.create')).toHaveLength(0); // written after the copy
    } finally {
      await restored.close();
    }
    fs.writeFileSync(path.join(work, 'junk.tar'), 'not a backup');
    await expect(restoreBackup(CLI, path.join(work, 'junk.tar'), path.join(work, 'other'))).rejects.toMatchObject({ code: 'invalid_input' });
  }, 300_000);
});
