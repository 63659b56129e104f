import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../src/access/principal.ts';
import { parseMetadataCsv } from '../../src/ingest/metadata-csv.ts';
import { runIngest } from '../../src/ingest/run.ts';
import { silentLogger } from '../../src/log.ts';
import { openQueue, type JobQueue } from '../../src/queue.ts';
import { FsBlobStore } from '../../src/store/blobs.ts';
import { openTestDb, testDbKind, type TestDb } from '../support/db.ts';
import { lfwPhotos } from '../support/fixtures.ts';

// The ingest run as a use case (what `kinfinder ingest` calls), without processing: what it
// queues, what it refuses, what it says of the metadata CSV, and its audit trail.

let t: TestDb;
let queue: JobQueue;
let tmp: string;
let blobs: FsBlobStore;

beforeAll(async () => {
  t = await openTestDb();
  queue = await openQueue(t.db, { schema: `${t.schema}_pgboss`, expireInSeconds: 60, logger: silentLogger });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-run-'));
  blobs = new FsBlobStore(path.join(tmp, 'blobs'));
});
afterAll(async () => {
  await queue?.stop();
  await t?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe(`runIngest on ${testDbKind()}`, () => {
  it('queues photos with their CSV rows, lists refusals, and names CSV rows that matched no file or several', async () => {
    const [a, b] = lfwPhotos();
    for (const dir of ['batch1', 'batch2']) fs.mkdirSync(path.join(tmp, 'in', dir), { recursive: true });
    fs.copyFileSync(a!, path.join(tmp, 'in/batch1/IMG_1.jpg'));
    fs.copyFileSync(b!, path.join(tmp, 'in/batch2/IMG_1.jpg'));
    fs.writeFileSync(path.join(tmp, 'in/batch2/readme.jpg'), 'not a photo');
    const csv = 'file,location,names\nIMG_1.jpg,Kharkiv,Ivanov S.P.\nIMG_404.jpg,Izium,\n';
    const summary = await runIngest(
      { db: t.db, blobs, queue, limits: { maxBytes: 5e6, maxPixels: 5e7 }, remoteWorkers: true },
      CLI,
      { paths: [path.join(tmp, 'in')], source: 'field team 3', metadata: parseMetadataCsv(csv), wait: false },
    );
    expect(summary).toMatchObject({ photos: 3, failed: 1, duplicates: 0, queued: 2 });
    expect(summary.errors).toEqual([
      expect.objectContaining({ file: path.join(tmp, 'in/batch2/readme.jpg'), code: 'unsupported_format' }),
    ]);
    expect(summary.metadata?.unmatched).toEqual(['IMG_404.jpg']);
    expect(summary.metadata?.ambiguous).toEqual([
      { file: 'IMG_1.jpg', items: [path.join(tmp, 'in/batch1/IMG_1.jpg'), path.join(tmp, 'in/batch2/IMG_1.jpg')] },
    ]);

    const photos = await t.db.query<{ id: string; metadata: { location?: string } }>(
      `SELECT id, metadata FROM photos ORDER BY original_name`,
    );
    expect(photos.rows.map((p) => p.metadata.location)).toEqual(['Kharkiv', 'Kharkiv']);
    // each queued photo was recorded with its own audit row, by the command line
    const audit = await t.db.query<{ subject_id: string; actor_role: string }>(
      `SELECT subject_id, actor_role FROM audit_events WHERE action = 'photo.upload'`,
    );
    expect(audit.rows.map((r) => r.subject_id).sort()).toEqual(photos.rows.map((p) => p.id).sort());
    expect(new Set(audit.rows.map((r) => r.actor_role))).toEqual(new Set(['cli']));
    expect(await queue.pending()).toMatchObject({ 'photo.ingest': 2 });
  });
});
