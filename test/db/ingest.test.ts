import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestSummary } from '../../src/ingest/summary.ts';
import { FsBlobStore } from '../../src/store/blobs.ts';
import { runCli, startCli, waitForExit } from '../support/cli.ts';
import { lfwPhotos as allFixturePhotos } from '../support/fixtures.ts';
import { createDeployment, type Deployment } from '../support/deployment.ts';
import { makeZip } from '../support/zip.ts';

const lfwPhotos = allFixturePhotos();

function lastJsonLine(stdout: string): IngestSummary {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as IngestSummary;
}

/** A PNG whose header claims 60000×60000 pixels: a decompression bomb that must never be decoded. */
function pixelBombPng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(60000, 0);
  ihdr.writeUInt32BE(60000, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(2, 9); // RGB
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlibCrc(body));
    return Buffer.concat([len, body, crc]);
  };
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.alloc(16)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
import zlib from 'node:zlib';
const zlibCrc = (b: Buffer) => zlib.crc32(b) >>> 0;

interface Consistency {
  photos: Array<{ status: string; n: number }>;
  faces: number;
  facesPerPhotoContiguous: boolean;
  missingBlobs: number;
  orphanBlobs: number;
}

/** What the database and blob store hold, checked against each other. */
async function inspect(dep: Deployment): Promise<Consistency> {
  const db = await dep.open();
  try {
    const photos = (
      await db.query<{ status: string; n: number }>(
        `SELECT status, count(*)::integer AS n FROM photos GROUP BY status ORDER BY status`,
      )
    ).rows;
    const faces = (await db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM faces`)).rows[0]!.n;
    // Faces of a photo are numbered 0..n-1: a duplicate insert or a half-written photo breaks this.
    const gaps = await db.query(
      `SELECT photo_id FROM faces GROUP BY photo_id HAVING max(face_index) + 1 <> count(*) OR min(face_index) <> 0`,
    );
    const referenced = new Set(
      (
        await db.query<{ k: string }>(
          `SELECT sha256 AS k FROM photos UNION SELECT display_sha256 FROM photos WHERE display_sha256 IS NOT NULL
           UNION SELECT crop_sha256 FROM faces WHERE crop_sha256 IS NOT NULL`,
        )
      ).rows.map((r) => r.k),
    );
    const blobs = new FsBlobStore(path.join(dep.dataDir, 'blobs'));
    const stored = new Set<string>();
    for await (const b of blobs.list()) stored.add(b.key);
    return {
      photos,
      faces,
      facesPerPhotoContiguous: gaps.rows.length === 0,
      missingBlobs: [...referenced].filter((k) => !stored.has(k)).length,
      orphanBlobs: [...stored].filter((k) => !referenced.has(k)).length,
    };
  } finally {
    await db.close();
  }
}

/**
 * Runs `ingest --wait`; on PostgreSQL a separate `kinfinder worker` does the processing. The
 * worker's output is kept so that a failure shows why the worker stopped, not just a timeout.
 */
async function ingestAndWait(dep: Deployment, args: string[]) {
  if (dep.kind === 'pglite') return runCli(['ingest', ...args, '--wait', '--json'], dep.env(), { timeoutMs: 240_000 });
  const worker = startCli(['worker', '--concurrency', '2'], dep.env());
  let workerOutput = '';
  worker.stdout?.on('data', (d: Buffer) => (workerOutput += d.toString()));
  worker.stderr?.on('data', (d: Buffer) => (workerOutput += d.toString()));
  try {
    const r = await runCli(['ingest', ...args, '--wait', '--json'], dep.env(), { timeoutMs: 240_000 });
    return { ...r, stderr: `${r.stderr}\n--- worker (exit ${String(worker.exitCode)}) ---\n${workerOutput}` };
  } finally {
    worker.kill('SIGTERM');
    await waitForExit(worker);
  }
}

describe('kinfinder ingest', () => {
  const dep = createDeployment();
  const input = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-ingest-in-'));
  // one photo each of eight people: their other photos are probes for search
  const good = [...new Map(lfwPhotos.map((f) => [path.dirname(f), f] as const).reverse()).values()]
    .reverse()
    .slice(0, 8);

  beforeAll(async () => {
    fs.mkdirSync(path.join(input, 'batch'));
    for (const f of good) fs.copyFileSync(f, path.join(input, 'batch', path.basename(f)));
    // the same bytes under another name, in another folder
    fs.mkdirSync(path.join(input, 'again'));
    fs.copyFileSync(good[0]!, path.join(input, 'again', 'renamed.jpg'));
    const jpeg = fs.readFileSync(lfwPhotos.at(-3)!);
    fs.writeFileSync(path.join(input, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.4)));
    fs.writeFileSync(path.join(input, 'notes.jpg'), 'this is not a photo\n');
    fs.writeFileSync(path.join(input, 'bomb.png'), pixelBombPng());
    fs.writeFileSync(
      path.join(input, 'field.zip'),
      makeZip([
        { name: 'team3/a.jpg', data: fs.readFileSync(lfwPhotos.at(-1)!) },
        { name: '../evil.jpg', data: fs.readFileSync(lfwPhotos.at(-2)!) },
        { name: 'team3/b.png', data: await sharp(lfwPhotos.at(-4)!).png().toBuffer() },
      ]),
    );
    // declares 20 × 4 GB: refused from the directory alone, nothing decompressed
    fs.writeFileSync(
      path.join(input, 'zbomb.zip'),
      makeZip(
        Array.from({ length: 20 }, (_, i) => ({
          name: `f${i}.jpg`,
          data: Buffer.from('x'),
          method: 8,
          declaredSize: 4_000_000_000,
        })),
      ),
    );
  });
  afterAll(async () => {
    fs.rmSync(input, { recursive: true, force: true });
    await dep.destroy();
  });

  it(`processes good photos, reports duplicates and hostile files, on ${dep.kind}`, { timeout: 300_000 }, async () => {
    const r = await ingestAndWait(dep, [input, '--source', 'test team']);
    expect(r.code, r.stderr).toBe(0);
    const s = lastJsonLine(r.stdout);
    // 8 + 1 duplicate + truncated + text + bomb + 3 zip entries + the refused zip
    expect(s.photos).toBe(16);
    expect(s.duplicates).toBe(1);
    expect(s.done).toBe(10);
    expect(s.failed).toBe(5);
    expect(s.done + s.failed + s.duplicates).toBe(s.photos);
    expect(s.faces).toBeGreaterThanOrEqual(10);
    const codes = Object.fromEntries(s.errors.map((e) => [path.basename(e.file.replace(/.*!/, '')), e.code]));
    expect(codes).toEqual({
      'truncated.jpg': 'corrupt_image',
      'notes.jpg': 'unsupported_format',
      'bomb.png': 'too_many_pixels',
      'evil.jpg': 'unsafe_path',
      'zbomb.zip': 'archive_too_large',
    });
    for (const e of s.errors) expect(e.message.length).toBeGreaterThan(5);

    const state = await inspect(dep);
    // The truncated JPEG is refused at upload (a full decode before anything is stored): no row.
    expect(state.photos).toEqual([{ status: 'done', n: 10 }]);
    expect(state.faces).toBe(s.faces);
    expect(state.facesPerPhotoContiguous).toBe(true);
    expect(state.missingBlobs).toBe(0);
  });

  it('adds nothing when the same folder is ingested again', { timeout: 300_000 }, async () => {
    const r = await ingestAndWait(dep, [input]);
    expect(r.code, r.stderr).toBe(0);
    const s = lastJsonLine(r.stdout);
    // everything stored before is a duplicate now; the refused files (the truncated JPEG among them) are refused again
    expect(s).toMatchObject({ photos: 16, done: 0, duplicates: 11, failed: 5, faces: 0 });
    const state = await inspect(dep);
    expect(state.photos).toEqual([{ status: 'done', n: 10 }]);
  });

  it(
    'finds an ingested person with kinfinder search, and manages tokens from the command line',
    { timeout: 300_000 },
    async () => {
      // good[0] is enrolled; a photo of the same person that was not enrolled is the probe
      // (not good[0]'s person: that photo was first stored under its duplicate's name)
      const probe = lfwPhotos.find(
        (f) => !good.includes(f) && good.slice(1).some((g) => path.dirname(g) === path.dirname(f)),
      )!;
      expect(probe).toBeDefined();
      const person = path.basename(path.dirname(probe));
      const r = await runCli(['search', probe, '--json', '--top', '5'], dep.env());
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim()) as {
        referenceFaces: unknown[];
        candidates: Array<{
          rank: number;
          photo: { originalName: string; source: string };
          similarity: number;
          band: string;
        }>;
      };
      expect(out.referenceFaces).toHaveLength(1);
      expect(out.candidates[0]).toMatchObject({
        rank: 1,
        photo: { originalName: expect.stringContaining(person), source: 'test team' },
      });
      for (const c of out.candidates) expect(['strong', 'possible', 'weak']).toContain(c.band);

      const created = await runCli(
        ['token', 'create', '--role', 'verifier', '--name', 'night shift', '--json'],
        dep.env(),
      );
      expect(created.code, created.stderr).toBe(0);
      const t = JSON.parse(created.stdout) as { id: string; token: string; role: string };
      expect(t).toMatchObject({ role: 'verifier', token: expect.stringMatching(/^kf_/) });
      expect((await runCli(['token', 'revoke', t.id], dep.env())).code).toBe(0);
      expect((await runCli(['token', 'create', '--role', 'family', '--name', 'x'], dep.env())).code).toBe(2);
      const db = await dep.open();
      try {
        const row = await db.query<{ revoked: boolean }>(
          `SELECT revoked_at IS NOT NULL AS revoked FROM tokens WHERE id = $1`,
          [t.id],
        );
        expect(row.rows[0]?.revoked).toBe(true);
      } finally {
        await db.close();
      }
    },
  );

  it('survives a worker killed mid-run: every photo done once, no duplicate faces, no orphan blobs', async () => {
    const crash = createDeployment();
    // Enough photos that the kill falls mid-run (after 10 are done, or 4 s into processing), and
    // no more: each is a real engine run, in both suites.
    const n = 40;
    const batch = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-crash-in-'));
    for (const f of lfwPhotos.slice(0, n)) fs.copyFileSync(f, path.join(batch, path.basename(f)));
    try {
      const env = crash.env({ KINFINDER_JOB_TIMEOUT_SECONDS: '5' });
      const queued = await runCli(['ingest', batch, '--json'], env);
      expect(queued.code, queued.stderr).toBe(0);
      expect(JSON.parse(queued.stdout.trim())).toMatchObject({ photos: n, queued: n });

      // PGlite serves one process, so there `serve` is the worker; PostgreSQL gets two workers.
      const command =
        crash.kind === 'pglite' ? ['serve', '--port', '0', '--concurrency', '2'] : ['worker', '--concurrency', '1'];
      const doneCount = async () => {
        if (crash.kind === 'pglite') return -1; // the store is locked by the running process
        const db = await crash.open();
        try {
          return (await db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM photos WHERE status = 'done'`))
            .rows[0]!.n;
        } finally {
          await db.close();
        }
      };
      const victim = startCli(command, env);
      const survivor = crash.kind === 'postgres' ? startCli(command, env) : undefined;
      let victimOutput = '';
      victim.stderr?.on('data', (d: Buffer) => (victimOutput += d.toString()));
      // Kill once work is under way: after some photos are done (PostgreSQL) or a few seconds
      // into processing (PGlite, whose store cannot be read while it runs).
      const deadline = Date.now() + 120_000;
      for (;;) {
        await new Promise((r) => setTimeout(r, 1000));
        if (crash.kind === 'postgres' && (await doneCount()) >= 10) break;
        if (crash.kind === 'pglite' && /serving on/.test(victimOutput)) {
          await new Promise((r) => setTimeout(r, 4000));
          break;
        }
        if (Date.now() > deadline) throw new Error('work never started');
      }
      victim.kill('SIGKILL');
      await waitForExit(victim);

      if (crash.kind === 'postgres') {
        const restarted = startCli(command, env);
        try {
          const until = Date.now() + 180_000;
          while ((await doneCount()) < n && Date.now() < until) await new Promise((r) => setTimeout(r, 1000));
        } finally {
          restarted.kill('SIGTERM');
          survivor?.kill('SIGTERM');
          await waitForExit(restarted);
          if (survivor) await waitForExit(survivor);
        }
      } else {
        // Re-running the interrupted ingest with --wait finishes what the dead process left.
        const resumed = await runCli(['ingest', batch, '--wait', '--json'], env, { timeoutMs: 300_000 });
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(JSON.parse(resumed.stdout.trim().split('\n').pop()!)).toMatchObject({ photos: n, duplicates: n });
      }
      const state = await inspect(crash);
      expect(state.photos).toEqual([{ status: 'done', n }]);
      expect(state.facesPerPhotoContiguous).toBe(true);
      expect(state.faces).toBeGreaterThanOrEqual(n);
      expect(state.missingBlobs).toBe(0);
      expect(state.orphanBlobs).toBe(0);
    } finally {
      fs.rmSync(batch, { recursive: true, force: true });
      await crash.destroy();
    }
  }, 600_000);
});
