/**
 * The server deployment's ingest figure for bench:ingest (`--api-postgres`): one batch of N photos
 * uploaded through the HTTP API (`POST /api/v1/batches`, then `POST /api/v1/photos` with 10 files
 * a request and the batch id, as the operator page sends them) to an API on PostgreSQL, processed
 * by `--worker-processes` separate `kinfinder worker` processes; the clock runs from the first
 * upload until the batch summary (`GET /api/v1/batches/:id`) says every photo is finished.
 * The API process runs no workers. Its own schema on DATABASE_URL, dropped afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app.ts';
import { loadManifest, type FaceAnalyser } from '../../src/face/index.ts';
import { benchRecogniser } from './recogniser.ts';
import { silentLogger } from '../../src/log.ts';
import { createCounters } from '../../src/metrics.ts';
import { openQueue } from '../../src/queue.ts';
import { FsBlobStore } from '../../src/store/blobs.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { ensureModel } from '../../src/store/photos.ts';

const ADMIN = randomBytes(24).toString('hex');
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** Uploads never reach the engine (workers analyse photos): an API without one refuses searches. */
const NO_ENGINE: FaceAnalyser = {
  backend: 'none',
  modelId: 'none',
  analyse: () => Promise.reject(new Error('this API process runs no face engine')),
  analyseImage: () => Promise.reject(new Error('this API process runs no face engine')),
  close: async () => undefined,
};

export interface ApiRunResult {
  photos: number;
  workerProcesses: number;
  concurrencyEach: number;
  seconds: number;
  uploadSeconds: number;
  photosPerSecond: number;
  faces: number;
  failed: number;
}

export async function runThroughApi(
  files: string[],
  opts: { url: string; workerProcesses: number; concurrencyEach: number; log: (s: string) => void },
): Promise<ApiRunResult> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-bench-api-'));
  const admin = await openPostgres({ url: opts.url, max: 1 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  const db = await openPostgres({ url: opts.url, searchPath: `${schema},public` });
  const workers: ChildProcess[] = [];
  let server: ReturnType<typeof serve> | undefined;
  try {
    await migrate(db);
    // the worker processes read KINFINDER_RECOGNISER themselves (src/config.ts)
    const manifest = await loadManifest(benchRecogniser().manifestPath);
    await ensureModel(db, { id: manifest.id, dims: manifest.dims, manifest });
    const blobs = new FsBlobStore(path.join(dir, 'blobs'));
    const queue = await openQueue(db, { schema: `${schema}_pgboss`, expireInSeconds: 300, logger: silentLogger });
    const limits = { maxBytes: 20 * 1024 * 1024, maxPixels: 50e6 };
    const app = createApp({
      db,
      logger: silentLogger,
      api: {
        db,
        blobs,
        faces: NO_ENGINE,
        manifest,
        limits,
        queue,
        confirmations: 2,
        counters: createCounters(),
        adminToken: ADMIN,
      },
    });
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((r) => server!.once('listening', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;

    const env = {
      ...process.env,
      DATABASE_URL: opts.url,
      KINFINDER_DB_SCHEMA: schema,
      KINFINDER_DATA_DIR: dir,
      KINFINDER_LOG_LEVEL: 'warn',
    };
    for (let i = 0; i < opts.workerProcesses; i++) {
      const child = spawn(
        process.execPath,
        [path.join(REPO, 'bin/kinfinder.mjs'), 'worker', '--concurrency', String(opts.concurrencyEach)],
        { env, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      workers.push(child);
      // Ready once it says so (engines loaded, queue joined).
      await new Promise<void>((resolve, reject) => {
        let err = '';
        child.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          if (err.includes('kinfinder worker:')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${err.slice(-500)}`)));
      });
      opts.log(`worker process ${i + 1} ready`);
    }

    const call = async (method: string, url: string, token: string, body?: FormData | object) => {
      const init: RequestInit = { method, headers: { authorization: `Bearer ${token}` } };
      if (body instanceof FormData) init.body = body;
      else if (body) {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      const res = await fetch(`${base}${url}`, init);
      const json = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const operator = (await call('POST', '/tokens', ADMIN, { role: 'operator', name: 'bench operator' }))
      .token as string;
    const batch = (await call('POST', '/batches', operator, { source: 'bench', category: 'unknown' })).id as string;

    const started = performance.now();
    for (let i = 0; i < files.length; i += 10) {
      const form = new FormData();
      for (const f of files.slice(i, i + 10))
        form.append('file', new File([fs.readFileSync(f)], path.basename(f), { type: 'image/jpeg' }));
      form.append('batch', batch);
      await call('POST', '/photos', operator, form);
    }
    const uploadSeconds = (performance.now() - started) / 1000;
    opts.log(`${files.length} photos uploaded in ${uploadSeconds.toFixed(1)} s`);
    let shown = -1;
    for (;;) {
      const b = (await call('GET', `/batches/${batch}`, operator)) as {
        counts: { done: number; failed: number; faces: number; files: number };
        finished: boolean;
      };
      const finished = b.counts.done + b.counts.failed;
      if (finished !== shown && (finished % 50 === 0 || b.finished)) {
        opts.log(`api + ${opts.workerProcesses} worker processes: ${finished}/${files.length} photos`);
        shown = finished;
      }
      if (b.finished && b.counts.files === files.length) {
        const seconds = (performance.now() - started) / 1000;
        return {
          photos: files.length,
          workerProcesses: opts.workerProcesses,
          concurrencyEach: opts.concurrencyEach,
          seconds: Number(seconds.toFixed(1)),
          uploadSeconds: Number(uploadSeconds.toFixed(1)),
          photosPerSecond: Number((files.length / seconds).toFixed(2)),
          faces: b.counts.faces,
          failed: b.counts.failed,
        };
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => (w.exitCode === null ? new Promise((r) => w.once('exit', r)) : undefined)));
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await db.close();
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_pgboss CASCADE`);
    await admin.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
