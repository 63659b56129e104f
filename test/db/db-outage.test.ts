import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { CLI } from '../../src/access/principal.ts';
import { loadManifest, type FaceAnalyser } from '../../src/face/index.ts';
import { runIngest } from '../../src/ingest/run.ts';
import { QUEUES } from '../../src/jobs.ts';
import { createLogger } from '../../src/log.ts';
import { createCounters } from '../../src/metrics.ts';
import { openQueue } from '../../src/queue.ts';
import { FsBlobStore } from '../../src/store/blobs.ts';
import type { Database } from '../../src/store/database.ts';
import { ensureModel } from '../../src/store/photos.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { startWorkers } from '../../workers/main.ts';
import { childEnv, freePort, REPO_ROOT, startCli, waitForExit } from '../support/cli.ts';
import { recordedFaceEngine } from '../support/recorded-faces.ts';
import { openTestDb, testDbKind, type TestDb } from '../support/db.ts';
import { lfwPhotos } from '../support/fixtures.ts';
import { switchable } from '../support/outage.ts';

const LIMITS = { maxBytes: 20 * 1024 * 1024, maxPixels: 50e6 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Unhandled rejections in this process: each would have killed a kinfinder process. */
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => void unhandled.push(err);
beforeAll(() => void process.on('unhandledRejection', onUnhandled));
afterAll(() => void process.off('unhandledRejection', onUnhandled));

describe('a database outage, in process', () => {
  let t: TestDb;
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (s: string) => void lines.push(s) });

  beforeAll(async () => {
    t = await openTestDb();
  });
  afterAll(async () => {
    if (t.db.kind === 'postgres') await t.db.exec(`DROP SCHEMA IF EXISTS ${t.schema}_pgboss CASCADE`);
    await t.close();
  });

  it(
    "the job runner records a job's end once the database is back: no crash, no lost job",
    { timeout: 60_000 },
    async () => {
      const db = switchable(t.db);
      const schema = `${t.schema}_pgboss`;
      const queue = await openQueue(db, { schema, expireInSeconds: 60, logger });
      const calls = new Map<string, number>();
      try {
        // The outage begins while each job runs: the first ends well (complete() meets the
        // outage), the second fails (fail() meets it, then its retry runs once the base is back).
        await queue.work(QUEUES.photoIngest, { concurrency: 1 }, async (payload) => {
          const n = (calls.get(payload.photoId) ?? 0) + 1;
          calls.set(payload.photoId, n);
          if (n > 1) return { status: 'done' };
          db.down = true;
          setTimeout(() => (db.down = false), 2500);
          if (payload.photoId === failing) throw new Error('connect ECONNREFUSED (the photo job met the outage)');
          return { status: 'done' };
        });
        const completing = randomUUID();
        const failing = randomUUID();
        const jobOf = async (photoId: string) =>
          (
            await t.db.query<{ state: string }>(`SELECT state FROM ${schema}.job WHERE data->>'photoId' = $1`, [
              photoId,
            ])
          ).rows[0]?.state;

        await queue.send(QUEUES.photoIngest, { photoId: completing });
        await until('the first job completed', async () => (await jobOf(completing)) === 'completed', 30_000);
        expect(calls.get(completing)).toBe(1);

        await queue.send(QUEUES.photoIngest, { photoId: failing });
        await until('the second job retried and completed', async () => (await jobOf(failing)) === 'completed', 45_000);
        expect(calls.get(failing)).toBe(2);

        // An outage while idle: the workers back off and say when they are back.
        db.down = true;
        await sleep(2500);
        db.down = false;
        const third = randomUUID();
        calls.set(third, 1);
        await queue.send(QUEUES.photoIngest, { photoId: third });
        await until('a job after the outage completed', async () => (await jobOf(third)) === 'completed', 30_000);

        expect(db.refused).toBeGreaterThan(0);
        const log = lines.join('');
        expect(log).toContain('job end will be recorded on reconnection');
        expect(log).toContain('worker waiting to reconnect');
        expect(log).toContain('database reachable again');
        expect(unhandled).toEqual([]);
      } finally {
        db.down = false;
        await queue.stop();
      }
    },
  );

  it(
    'the server answers 503 while the database is down and 200 after; ingest --wait waits and resumes',
    { timeout: 180_000 },
    async () => {
      const db = switchable(t.db);
      const schema = `${t.schema}_pgboss`;
      const blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kf-outage-'));
      const blobs = new FsBlobStore(blobDir);
      let faces: FaceAnalyser | undefined;
      const queue = await openQueue(db, { schema, expireInSeconds: 60, logger });
      try {
        const manifest = await loadManifest();
        faces = await recordedFaceEngine({ limits: LIMITS });
        await ensureModel(db, { id: manifest.id, dims: manifest.dims, manifest });
        const engine = faces;
        const app = createApp({
          db,
          logger,
          faceInfo: () => ({ backend: engine.backend, modelId: engine.modelId, recogniser: 'face-api' }),
          api: {
            db,
            blobs,
            faces: engine,
            manifest,
            limits: LIMITS,
            queue,
            confirmations: 2,
            counters: createCounters(),
            adminToken: randomBytes(24).toString('hex'),
          },
        });
        expect((await app.request('/healthz')).status).toBe(200);
        db.down = true;
        expect((await app.request('/healthz')).status).toBe(503);
        const during = await app.request(`/api/v1/photos/${randomUUID()}`, {
          headers: { authorization: `Bearer kf_${'x'.repeat(43)}` },
        });
        expect(during.status).toBe(503);
        expect(((await during.json()) as { error: { code: string } }).error.code).toBe('database_unavailable');
        db.down = false;
        expect((await app.request('/healthz')).status).toBe(200);

        const workers = await startWorkers(
          { db, blobs, faces: engine, queue, limits: LIMITS, logger, counters: createCounters(), manifest },
          { concurrency: 1 },
        );
        try {
          const files = lfwPhotos().slice(0, 6);
          let waits = 0;
          // Down from the first photo's transaction on for 3 s: the run waits, then goes on.
          setTimeout(() => (db.down = true), 0);
          setTimeout(() => (db.down = false), 3000);
          const summary = await runIngest(
            { db, blobs, queue, limits: LIMITS, remoteWorkers: false, pollMs: 100 },
            CLI,
            { paths: files, wait: true },
            { unavailable: () => void waits++ },
          );
          expect(waits).toBeGreaterThan(0);
          expect(summary).toMatchObject({ photos: 6, done: 6, failed: 0 });
        } finally {
          await workers.stop();
        }
        expect(unhandled).toEqual([]);
      } finally {
        db.down = false;
        await queue.stop();
        await faces?.close();
        fs.rmSync(blobDir, { recursive: true, force: true });
      }
    },
  );
});

// The server database itself: a cluster of this test's own (the shared one is everyone's),
// stopped with `pg_ctl stop -m immediate` while serve, two workers and `ingest --wait` run.
if (testDbKind() === 'postgres') {
  describe('a PostgreSQL outage mid-ingest, across processes', () => {
    const envFile = path.join(os.tmpdir(), `kf-outage-${randomBytes(4).toString('hex')}.env`);
    let cluster: { url: string; dir: string; bin: string; port: number };
    const asPostgres = (cmd: string, args: string[]) =>
      process.getuid?.() === 0
        ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { cwd: '/', stdio: 'pipe' })
        : execFileSync(cmd, args, { stdio: 'pipe' });
    const pgCtl = (...args: string[]) =>
      asPostgres(path.join(cluster.bin, 'pg_ctl'), ['-D', path.join(cluster.dir, 'data'), ...args]);

    beforeAll(async () => {
      const port = await freePort();
      execFileSync('bash', [path.join(REPO_ROOT, 'scripts/ci/postgres.sh'), 'start', envFile], {
        env: { ...process.env, KINFINDER_PG_PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const vars = Object.fromEntries(
        fs
          .readFileSync(envFile, 'utf8')
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^'|'$/g, '')]),
      ) as Record<string, string>;
      cluster = {
        url: vars.DATABASE_URL!,
        dir: vars.KINFINDER_PG_DIR!,
        bin: vars.KINFINDER_PG_BIN!,
        port: Number(vars.KINFINDER_PG_PORT),
      };
    }, 120_000);
    afterAll(() => {
      execFileSync('bash', [path.join(REPO_ROOT, 'scripts/ci/postgres.sh'), 'stop', envFile], { stdio: 'ignore' });
    });

    it(
      'every process survives it; /healthz 503 then 200; ingest --wait finishes every photo',
      { timeout: 600_000 },
      async () => {
        const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kf-outage-data-'));
        const input = fs.mkdtempSync(path.join(os.tmpdir(), 'kf-outage-in-'));
        // Enough that the outage (after 5 are done) falls mid-run, and no more: each photo is a
        // real engine run, and this file is one of the PostgreSQL suite's longest.
        const files = lfwPhotos().slice(0, 40);
        for (const [i, f] of files.entries()) fs.copyFileSync(f, path.join(input, `${String(i).padStart(3, '0')}.jpg`));
        const env = childEnv({
          KINFINDER_DATA_DIR: dataDir,
          DATABASE_URL: cluster.url,
          KINFINDER_CONCURRENCY: '1',
          KINFINDER_JOB_TIMEOUT_SECONDS: '60',
          KINFINDER_LOG_LEVEL: 'warn',
        });
        const port = await freePort();
        const output = new Map<string, string>();
        const names = new Map<unknown, string>();
        const start = (name: string, args: string[]) => {
          const child = startCli(args, env);
          names.set(child, name);
          output.set(name, '');
          child.stderr!.on('data', (d: Buffer) => output.set(name, output.get(name)! + d.toString()));
          child.stdout!.on('data', (d: Buffer) => output.set(name, output.get(name)! + d.toString()));
          return child;
        };
        const health = async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
        let watcher: Database | undefined;
        const serve = start('serve', ['serve', '--port', String(port)]);
        const children = [serve];
        try {
          await until('serve listening', async () => (await health()) === 200, 120_000, 500);
          children.push(start('worker 1', ['worker']), start('worker 2', ['worker']));
          await until(
            'workers started',
            async () =>
              [...output.entries()].filter(([k, v]) => k.startsWith('worker') && v.includes('kinfinder worker:'))
                .length === 2,
            120_000,
            500,
          );
          const ingest = start('ingest', ['ingest', input, '--wait', '--json']);
          children.push(ingest);

          watcher = await openPostgres({ url: cluster.url, max: 2 });
          const db = watcher;
          const doneCount = async () =>
            (await db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM photos WHERE status = 'done'`)).rows[0]!
              .n;
          await until('some photos done', async () => (await doneCount()) >= 5, 240_000, 200);
          expect(await doneCount()).toBeLessThan(files.length);

          pgCtl('stop', '-m', 'immediate', '-w');
          await until('healthz 503', async () => (await health()) === 503, 20_000);
          await sleep(6000);
          // Which process, and what it said last: a failure here must be diagnosable from the CI log.
          for (const c of children) {
            const name = names.get(c) ?? '?';
            expect(
              c.exitCode,
              `${name} exited during the outage (code ${c.exitCode}):\n${(output.get(name) ?? '').slice(-3000)}`,
            ).toBeNull();
          }
          expect(await health()).toBe(503);

          pgCtl(
            'start',
            '-w',
            '-t',
            '60',
            '-l',
            path.join(cluster.dir, 'postgres.log'),
            '-o',
            `-p ${cluster.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${cluster.dir}/sock -c fsync=off`,
          );
          await until('healthz 200', async () => (await health()) === 200, 60_000);

          expect(await waitForExit(ingest)).toBe(0);
          const summary = JSON.parse(output.get('ingest')!.trim().split('\n').pop()!) as {
            photos: number;
            done: number;
            failed: number;
          };
          expect(summary).toMatchObject({ photos: files.length, done: files.length, failed: 0 });
          for (const c of children.slice(0, 3)) expect(c.exitCode).toBeNull();
          const dup = await db.query(
            `SELECT photo_id FROM faces GROUP BY photo_id HAVING max(face_index) + 1 <> count(*)`,
          );
          expect(dup.rows).toEqual([]);
          for (const c of children.slice(0, 3)) c.kill('SIGTERM');
          for (const c of children.slice(0, 3)) expect(await waitForExit(c)).toBe(0);
          for (const text of output.values())
            expect(text).not.toMatch(/Unhandled|triggerUncaughtException|at async Manager\.(fail|complete)/);
        } finally {
          for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
          await watcher?.close().catch(() => undefined);
          fs.rmSync(dataDir, { recursive: true, force: true });
          fs.rmSync(input, { recursive: true, force: true });
        }
      },
    );
  });
}
