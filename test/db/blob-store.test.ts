import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../src/access/principal.ts';
import { collectGarbage } from '../../src/maintenance/gc.ts';
import { listAudit } from '../../src/store/audit.ts';
import { openBlobStore } from '../../src/store/blob-store.ts';
import { FsBlobStore, sha256Hex, type BlobStore } from '../../src/store/blobs.ts';
import { S3BlobStore } from '../../src/store/s3-blobs.ts';
import { ensureModel } from '../../src/store/photos.ts';
import { openTestDb, type TestDb } from '../support/db.ts';
import { startTestS3, type TestS3 } from '../support/s3.ts';

/**
 * The BlobStore contract, run against both implementations: the file store in a temporary
 * directory and the S3 store against s3rver on loopback. Each store gets a fresh location
 * (directory, or prefix in the bucket) so the cases do not see each other's blobs.
 */
let s3: TestS3;
const dirs: string[] = [];
let n = 0;

const KINDS: Array<{ name: string; open: () => BlobStore }> = [
  {
    name: 'filesystem',
    open: () => {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-blobs-'));
      dirs.push(d);
      return new FsBlobStore(d);
    },
  },
  // refreshAfterMs 0: every put of stored bytes refreshes the time, so the test need not wait 5 min.
  { name: 's3', open: () => new S3BlobStore(s3.options(`case${++n}/blobs`), { refreshAfterMs: 0 }) },
];

beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3.destroy();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function keysOf(store: BlobStore): Promise<string[]> {
  const out: string[] = [];
  for await (const b of store.list()) out.push(b.key);
  return out;
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe.each(KINDS)('$name blob store', ({ name, open }) => {
  it('stores bytes under their SHA-256 and gives them back, whole and streamed', async () => {
    const store = open();
    const bytes = randomBytes(1000);
    const key = await store.put(bytes);
    expect(key).toBe(sha256Hex(bytes));
    expect(await store.has(key)).toBe(true);
    expect(Buffer.compare(await store.get(key), bytes)).toBe(0);
    expect(Buffer.compare(await readAll(await store.stream(key)), bytes)).toBe(0);
    expect((await store.stat(key))?.size).toBe(1000);
    store.close();
  });

  it('streams a large photo without changing a byte', async () => {
    const store = open();
    const big = randomBytes(12 * 1024 * 1024);
    const key = await store.put(big);
    const stream = await store.stream(key);
    let chunks = 0;
    const got: Buffer[] = [];
    for await (const c of stream) {
      chunks++;
      got.push(c as Buffer);
    }
    expect(chunks).toBeGreaterThan(1);
    expect(sha256Hex(Buffer.concat(got))).toBe(key);
    store.close();
  });

  it('is idempotent: the same bytes twice are one blob, and the second put refreshes its time', async () => {
    const store = open();
    const bytes = Buffer.from(`same bytes ${name}`);
    const key = await store.put(bytes);
    const first = (await store.stat(key))!.modified;
    // S3's times have one-second resolution.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await store.put(bytes)).toBe(key);
    expect(await keysOf(store)).toEqual([key]);
    expect((await store.stat(key))!.modified.getTime()).toBeGreaterThan(first.getTime());
    store.close();
  });

  it('answers not_found for a missing blob and refuses what is not a key', async () => {
    const store = open();
    const missing = 'a'.repeat(64);
    expect(await codeOf(store.get(missing))).toBe('not_found');
    expect(await codeOf(store.stream(missing))).toBe('not_found');
    expect(await store.has(missing)).toBe(false);
    expect(await store.stat(missing)).toBeUndefined();
    expect(await codeOf(store.get('../../etc/passwd'))).toBe('invalid_input');
    expect(await codeOf(store.stream('A'.repeat(64)))).toBe('invalid_input');
    expect(await codeOf(store.delete(`${'a'.repeat(62)}/x`))).toBe('invalid_input');
    store.close();
  });

  it('deletes, and deleting twice is not an error', async () => {
    const store = open();
    const keep = await store.put(Buffer.from('keep'));
    const drop = await store.put(Buffer.from('drop'));
    await store.delete(drop);
    await store.delete(drop);
    expect(await store.has(drop)).toBe(false);
    expect(await codeOf(store.get(drop))).toBe('not_found');
    expect(await keysOf(store)).toEqual([keep]);
    store.close();
  });

  it('lists every blob once, in key order, with its modified time', async () => {
    const store = open();
    const before = Date.now() - 2000;
    const keys: string[] = [];
    for (let i = 0; i < 25; i++) keys.push(await store.put(Buffer.from(`blob ${i}`)));
    const listed: Array<{ key: string; modified: Date }> = [];
    for await (const b of store.list()) listed.push(b);
    expect(listed.map((b) => b.key)).toEqual([...keys].sort());
    for (const b of listed) {
      expect(b.modified.getTime()).toBeGreaterThanOrEqual(before);
      expect(b.modified.getTime()).toBeLessThanOrEqual(Date.now() + 2000);
    }
    store.close();
  });
});

describe('s3 blob store', () => {
  it('keeps its objects under the prefix, as <prefix>/ab/cd/<sha256>, and lists only those', async () => {
    const store = new S3BlobStore(s3.options('layout/x'));
    const other = new S3BlobStore(s3.options('layout'));
    const key = await store.put(Buffer.from('layout'));
    const file = path.join(
      s3.dir,
      'kinfinder-test',
      'layout',
      'x',
      key.slice(0, 2),
      key.slice(2, 4),
      `${key}._S3rver_object`,
    );
    expect(fs.existsSync(file)).toBe(true);
    // The parent prefix holds the child's objects, but not in its own layout: not its blobs.
    expect(await keysOf(other)).toEqual([]);
    expect(await keysOf(store)).toEqual([key]);
    store.close();
    other.close();
  });

  it('stops start-up with a clear message for an unknown bucket, wrong keys or an unreachable endpoint', async () => {
    const bad = async (o: Parameters<typeof openBlobStore>[0]) => {
      try {
        await openBlobStore(o);
      } catch (err) {
        return err as { code: string; message: string };
      }
      throw new Error('opened');
    };
    const bucket = await bad(s3.options('', 'no-such-bucket'));
    expect(bucket.code).toBe('invalid_config');
    expect(bucket.message).toMatch(/bucket 'no-such-bucket' does not exist/);
    expect(bucket.message).toContain(s3.endpoint);

    const keys = await bad({
      ...s3.options(),
      credentials: { accessKeyId: 'WRONG', secretAccessKey: 'not-the-secret-9f8e7d' },
    });
    expect(keys.code).toBe('invalid_config');
    expect(keys.message).toMatch(/refused.*AWS_ACCESS_KEY_ID/);
    expect(keys.message).not.toContain('not-the-secret-9f8e7d');

    const closed = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(port));
      });
    });
    const down = await bad({ ...s3.options(), endpoint: `http://127.0.0.1:${closed}` });
    expect(down.code).toBe('invalid_config');
    expect(down.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${closed}.*could not be reached`));

    expect(await openBlobStore(s3.options('fine'))).toBeInstanceOf(S3BlobStore);
  });

  it('answers store_unavailable while the server is down, and works again when it is back', async () => {
    const store = new S3BlobStore(s3.options('outage'));
    const key = await store.put(Buffer.from('before the outage'));
    await s3.stop();
    try {
      expect(await codeOf(store.get(key))).toBe('store_unavailable');
      expect(await codeOf(store.stream(key))).toBe('store_unavailable');
      expect(await codeOf(store.put(Buffer.from('during')))).toBe('store_unavailable');
      expect(await codeOf(store.has(key))).toBe('store_unavailable');
      expect(await codeOf(keysOf(store))).toBe('store_unavailable');
    } finally {
      await s3.start();
    }
    expect((await store.get(key)).toString()).toBe('before the outage');
    store.close();
  });
});

/** Rows that point at blobs through every blob column the schema has. */
async function referenceEverything(t: TestDb, keys: string[]): Promise<void> {
  const [photo, display, crop, refPhoto, refCrop, refDisplay] = keys;
  await ensureModel(t.db, { id: 'test-model', dims: 128, manifest: {} });
  const p = await t.db.query<{ id: string }>(
    `INSERT INTO photos (sha256, byte_size, display_sha256) VALUES ($1, 1, $2) RETURNING id`,
    [photo, display],
  );
  const vector = `[${Array.from({ length: 128 }, () => '0.08').join(',')}]`;
  await t.db.query(
    `INSERT INTO faces (photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, crop_sha256, embedding)
     VALUES ($1, 'test-model', 0, 0, 0, 10, 10, 0.9, '[]', '{}', $2, $3)`,
    [p.rows[0]!.id, crop, vector],
  );
  const s = await t.db.query<{ id: string }>(`INSERT INTO searches DEFAULT VALUES RETURNING id`);
  await t.db.query(
    'INSERT INTO reference_faces (search_id, model_id, photo_sha256, photo_index, face_index, box_x, box_y, box_width, box_height, ' +
      `score, landmarks, quality, crop_sha256, display_sha256, embedding)
     VALUES ($1, 'test-model', $2, 0, 0, 0, 0, 10, 10, 0.9, '[]', '{}', $3, $4, $5)`,
    [s.rows[0]!.id, refPhoto, refCrop, refDisplay, vector],
  );
}

describe.each(KINDS)('garbage collection on the $name store', ({ open }) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb();
  });
  afterAll(async () => {
    await t.close();
  });

  it('deletes only old blobs that no row references, and audits what it did', async () => {
    await t.db.exec(
      `DELETE FROM reference_faces; DELETE FROM searches; DELETE FROM faces; DELETE FROM photos; DELETE FROM audit_events`,
    );
    const store = open();
    const used: string[] = [];
    for (const what of ['photo', 'display', 'crop', 'reference photo', 'reference crop', 'reference display'])
      used.push(await store.put(Buffer.from(what)));
    const orphans = [
      await store.put(Buffer.from('orphan crop of a crashed attempt')),
      await store.put(Buffer.from('deleted case photo')),
    ];
    await referenceEverything(t, used);
    const later = new Date(Date.now() + 2 * 3600_000);

    // Within the grace period nothing goes: the rows of just-written blobs may not be committed yet.
    const fresh = await collectGarbage({ db: t.db, blobs: store }, CLI, { dryRun: false, graceMs: 3600_000 });
    expect(fresh).toMatchObject({ scanned: 8, referenced: 6, recent: 2, unreferenced: 0, deleted: 0 });

    const dry = await collectGarbage({ db: t.db, blobs: store }, CLI, { dryRun: true, graceMs: 3600_000, now: later });
    expect(dry).toMatchObject({ dryRun: true, scanned: 8, referenced: 6, recent: 0, unreferenced: 2, deleted: 0 });
    expect(dry.bytes).toBe(
      Buffer.byteLength('orphan crop of a crashed attempt') + Buffer.byteLength('deleted case photo'),
    );
    expect((await keysOf(store)).length).toBe(8);

    const real = await collectGarbage({ db: t.db, blobs: store }, CLI, {
      dryRun: false,
      graceMs: 3600_000,
      now: later,
    });
    expect(real).toMatchObject({ dryRun: false, scanned: 8, referenced: 6, unreferenced: 2, deleted: 2 });
    expect((await keysOf(store)).sort()).toEqual([...used].sort());
    for (const k of orphans) expect(await store.has(k)).toBe(false);

    const audit = await listAudit(t.db, { limit: 10 });
    expect(audit.map((a) => a.action)).toEqual(['blobs.gc', 'blobs.gc.dry_run', 'blobs.gc']);
    expect(audit[0]).toMatchObject({
      actorRole: 'cli',
      details: { deleted: 2, unreferenced: 2, referenced: 6, scanned: 8 },
    });
    store.close();
  });
});
