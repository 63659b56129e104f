import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../src/access/principal.ts';
import { isKinfinderError } from '../../src/errors.ts';
import { normalise, verifyDecodable, type ImageLimits } from '../../src/image/index.ts';
import { enqueuePhoto } from '../../src/ingest/enqueue.ts';
import { silentLogger } from '../../src/log.ts';
import { openQueue, type JobQueue } from '../../src/queue.ts';
import { FsBlobStore } from '../../src/store/blobs.ts';
import { jpegClaiming } from '../support/jpeg.ts';
import { openTestDb, type TestDb } from '../support/db.ts';
import { LFW_IMAGES, lfwPhotos } from '../support/fixtures.ts';

const limits: ImageLimits = { maxPixels: 50e6, maxBytes: 20 * 1024 * 1024 };
const face = readFileSync(path.join(LFW_IMAGES, 'Aaron_Peirsol', 'Aaron_Peirsol_0001.jpg'));

/** Cut short and closed with an end-of-image marker: libjpeg decodes it with a warning only. */
function truncatedButClosed(jpeg: Buffer): Buffer {
  return Buffer.concat([jpeg.subarray(0, Math.floor(jpeg.length * 0.7)), Buffer.from([0xff, 0xd9])]);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isKinfinderError(err) ? err.code : `no KinfinderError: ${String(err)}`;
}

/** What sharp itself makes of the bytes when only truncation (not warnings) is fatal. */
async function laxDecode(bytes: Buffer): Promise<{ width: number; height: number }> {
  const { info } = await sharp(bytes, { failOn: 'truncated' }).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height };
}

const damaged: Array<[string, () => Buffer, { width: number; height: number }]> = [
  [
    'a JPEG cut short and closed (premature end of data segment)',
    () => truncatedButClosed(face),
    { width: 250, height: 250 },
  ],
  ['a 250×250 JPEG whose header claims 7000×7000', () => jpegClaiming(face, 7000, 7000), { width: 7000, height: 7000 }],
];

describe('damaged photos', () => {
  it.each(damaged)('%s is decodable by a lax decoder, so only the strict check stops it', async (_name, make, size) => {
    // The reason these photos were stored as done before: sharp decodes them, padding with grey.
    expect(await laxDecode(make())).toEqual(size);
  });

  it.each(damaged)('%s is refused as corrupt_image at upload and by the pipeline', async (_name, make) => {
    expect(await codeOf(verifyDecodable(make(), limits))).toBe('corrupt_image');
    expect(await codeOf(normalise(make(), limits))).toBe('corrupt_image');
  });

  it('accepts every fixture photo (no false refusals)', async () => {
    const refused: string[] = [];
    const files = lfwPhotos();
    for (const file of files) {
      const bytes = readFileSync(file);
      const code = await verifyDecodable(bytes, limits)
        .then(() => normalise(bytes, limits))
        .then(
          () => 'ok',
          (e: unknown) => (isKinfinderError(e) ? e.code : 'error'),
        );
      if (code !== 'ok') refused.push(`${path.basename(file)}: ${code}`);
    }
    expect(files.length).toBeGreaterThan(100);
    expect(refused).toEqual([]);
  });
});

describe('enqueuePhoto with a damaged photo', () => {
  let t: TestDb;
  let queue: JobQueue;
  let blobDir: string;
  let blobs: FsBlobStore;

  beforeAll(async () => {
    t = await openTestDb();
    queue = await openQueue(t.db, { schema: `${t.schema}_pgboss`, expireInSeconds: 60, logger: silentLogger });
    blobDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kf-damaged-'));
    blobs = new FsBlobStore(blobDir);
  });

  afterAll(async () => {
    await queue.stop();
    if (t.db.kind === 'postgres') await t.db.exec(`DROP SCHEMA IF EXISTS ${t.schema}_pgboss CASCADE`);
    await t.close();
    await fs.rm(blobDir, { recursive: true, force: true });
  });

  it.each(damaged)('refuses %s with corrupt_image and stores nothing', async (_name, make) => {
    const deps = { db: t.db, blobs, queue, limits };
    expect(await codeOf(enqueuePhoto(deps, CLI, { name: 'damaged.jpg', bytes: make() }))).toBe('corrupt_image');
    const rows = await t.db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM photos`);
    expect(rows.rows[0]!.n).toBe(0);
    const stored: string[] = [];
    for await (const b of blobs.list()) stored.push(b.key);
    expect(stored).toEqual([]);
    // A sound photo still goes through the same path.
    const ok = await enqueuePhoto(deps, CLI, { name: 'sound.jpg', bytes: face });
    expect(ok.status).toBe('queued');
    await t.db.exec(`DELETE FROM photos`);
    for await (const b of blobs.list()) await blobs.delete(b.key);
  });
});
