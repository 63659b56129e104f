/**
 * bench:ingest — photos/s and faces/s of the whole ingest pipeline (blob store, normalise,
 * detect + embed, derivative and crops, one transaction per photo, standing search) on the
 * embedded database, with one worker and with a pool of `--workers` (default: cores), measured
 * in the same run on the same photos. With `--blobs fs,s3` the pool runs once per listed blob
 * store (the file store, and the S3 store against s3rver on loopback, in this process), same
 * photos; a store may be listed again (`fs,s3,fs,s3`) to interleave runs on a busy machine.
 * With `--api-postgres` (needs DATABASE_URL) it then measures the server deployment too: the same
 * photos as one batch through the HTTP API on PostgreSQL, processed by `--worker-processes`
 * (default 2) `kinfinder worker` processes of `--workers`/that many engines each (ingest-api.ts).
 * Prints progress on stderr and one JSON line last.
 *
 *   npm run bench:ingest -- --photos 200 [--workers 2] [--blobs fs,s3] [--images ../shared/data/lfw-dev/images] [--json]
 *   DATABASE_URL=… npm run bench:ingest -- --photos 1000 --workers 2 --api-postgres [--worker-processes 2]
 * With `--baseline-manifest FILE` (another model manifest, e.g. the previous recipe's) the pool
 * also runs with it on the same photos, before and after the current one, and both are reported:
 *   npm run bench:ingest -- --photos 200 --workers 2 --skip-single --baseline-manifest FILE
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createFacePool, loadManifest } from '../../src/face/index.ts';
import { CLI } from '../../src/access/principal.ts';
import { enqueuePhoto } from '../../src/ingest/enqueue.ts';
import { silentLogger } from '../../src/log.ts';
import { createCounters } from '../../src/metrics.ts';
import { openQueue } from '../../src/queue.ts';
import { FsBlobStore, type BlobStore } from '../../src/store/blobs.ts';
import { S3BlobStore } from '../../src/store/s3-blobs.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { ensureModel, statusCounts } from '../../src/store/photos.ts';
import { startWorkers } from '../../workers/main.ts';
import { startTestS3, type TestS3 } from '../../test/support/s3.ts';
import { runThroughApi, type ApiRunResult } from './ingest-api.ts';
import { benchRecogniser } from './recogniser.ts';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '200' },
    workers: { type: 'string', default: String(os.availableParallelism()) },
    images: { type: 'string', default: path.resolve('../shared/data/lfw-dev/images') },
    blobs: { type: 'string', default: 'fs' },
    'baseline-manifest': { type: 'string' },
    json: { type: 'boolean', default: false },
    'api-postgres': { type: 'boolean', default: false },
    'worker-processes': { type: 'string', default: '2' },
    'skip-single': { type: 'boolean', default: false },
  },
});
const N = Number(values.photos);
const WORKERS = Number(values.workers);
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(WORKERS) || WORKERS < 1)
  throw new Error('--photos and --workers must be whole numbers ≥ 1');
type StoreKind = 'fs' | 's3';
const STORES = values.blobs.split(',').map((k) => k.trim()) as StoreKind[];
if (STORES.length === 0 || STORES.some((k) => k !== 'fs' && k !== 's3'))
  throw new Error('--blobs is a comma-separated list of fs and s3');

function listPhotos(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(jpe?g|png)$/i.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

const all = listPhotos(values.images);
if (all.length < N) throw new Error(`${values.images} has ${all.length} photos, fewer than --photos ${N}`);
// A spread over the whole set, not the first names of the alphabet.
const step = all.length / N;
const files = Array.from({ length: N }, (_, i) => all[Math.floor(i * step)]!);
const limits = { maxBytes: 20 * 1024 * 1024, maxPixels: 50e6 };

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);

let s3: TestS3 | undefined;

async function run(
  workers: number,
  store: StoreKind,
  manifestPath: string = benchRecogniser().manifestPath,
): Promise<{ seconds: number; faces: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-bench-ingest-'));
  const db = await openPglite({ dataDir: path.join(dir, 'db') });
  let blobs: BlobStore | undefined;
  try {
    await migrate(db);
    const manifest = await loadManifest(manifestPath);
    if (store === 's3') {
      s3 ??= await startTestS3();
      // A fresh prefix per run: nothing stored by an earlier run is found again.
      blobs = new S3BlobStore(s3.options(path.basename(dir)));
    } else blobs = new FsBlobStore(path.join(dir, 'blobs'));
    const queue = await openQueue(db, { expireInSeconds: 300, logger: silentLogger });
    const faces = await createFacePool({ size: workers, limits, manifestPath });
    await ensureModel(db, { id: manifest.id, dims: manifest.dims, manifest });
    // Warm each engine so start-up (weights, wasm compile) is not counted as throughput.
    await Promise.all(Array.from({ length: workers }, () => faces.analyse(fs.readFileSync(files[0]!))));
    const ids: string[] = [];
    for (const f of files)
      ids.push((await enqueuePhoto({ db, blobs, queue, limits }, CLI, { name: f, bytes: fs.readFileSync(f) })).id);
    const started = performance.now();
    await startWorkers(
      { db, blobs, faces, queue, limits, logger: silentLogger, counters: createCounters(), manifest },
      { concurrency: workers },
    );
    let counts: Awaited<ReturnType<typeof statusCounts>> = [];
    let shown = -1;
    for (;;) {
      counts = await statusCounts(db, ids);
      const finished = counts.filter((c) => c.status === 'done' || c.status === 'failed').reduce((a, c) => a + c.n, 0);
      if (finished !== shown && (finished === N || finished % 10 === 0)) {
        process.stderr.write(`${workers} worker(s), ${store} blobs: ${finished}/${N} photos\n`);
        shown = finished;
      }
      if (finished >= N) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    await queue.stop();
    await faces.close();
    return { seconds, faces: counts.reduce((a, c) => a + c.faces, 0) };
  } finally {
    blobs?.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const API_PG = values['api-postgres'];
const PROCESSES = Number(values['worker-processes']);
if (API_PG && !process.env.DATABASE_URL) throw new Error('--api-postgres needs DATABASE_URL');
if (!Number.isInteger(PROCESSES) || PROCESSES < 1) throw new Error('--worker-processes must be a whole number ≥ 1');

// --skip-single: only the pool (and the API run); the single-worker figure is then the pool's.
const single = values['skip-single'] ? undefined : await run(1, STORES[0]!);
const baselinePath = values['baseline-manifest'] ? path.resolve(values['baseline-manifest']) : undefined;
// baseline and current interleaved (baseline, current, baseline): load on a shared machine drifts
const baselineRuns: number[] = [];
if (baselinePath) baselineRuns.push(N / (await run(WORKERS, STORES[0]!, baselinePath)).seconds);
const pools: Array<{ blobs: StoreKind; photosPerSecond: number; facesPerSecond: number }> = [];
let pool: { seconds: number; faces: number } | undefined;
for (const store of STORES) {
  const r = await run(WORKERS, store);
  pool ??= r;
  pools.push({
    blobs: store,
    photosPerSecond: Number((N / r.seconds).toFixed(2)),
    facesPerSecond: Number((r.faces / r.seconds).toFixed(2)),
  });
}
if (baselinePath) baselineRuns.push(N / (await run(WORKERS, STORES[0]!, baselinePath)).seconds);
await s3?.destroy();
let api: ApiRunResult | undefined;
if (API_PG) {
  const each = Math.max(1, Math.floor(WORKERS / PROCESSES));
  api = await runThroughApi(files, {
    url: process.env.DATABASE_URL!,
    workerProcesses: PROCESSES,
    concurrencyEach: each,
    log: (l) => process.stderr.write(`${l}\n`),
  });
}
clearInterval(sampler);
if (!pool) throw new Error('no run');
const result = {
  photos: N,
  faces: pool.faces,
  workers: WORKERS,
  photosPerSecond: Number((N / pool.seconds).toFixed(2)),
  facesPerSecond: Number((pool.faces / pool.seconds).toFixed(2)),
  ...(single
    ? {
        singleWorkerPhotosPerSecond: Number((N / single.seconds).toFixed(2)),
        speedup: Number((single.seconds / pool.seconds).toFixed(2)),
      }
    : {}),
  ...(baselinePath
    ? {
        baseline: {
          manifest: path.basename(baselinePath),
          photosPerSecond: baselineRuns.map((x) => Number(x.toFixed(2))),
        },
      }
    : {}),
  peakRssMB: Math.round(peakRss / 1024 / 1024),
  // Every pool run in order, by blob store (the first is the one above), when --blobs names several.
  blobs: STORES[0],
  ...(STORES.length > 1 ? { pools } : {}),
  // The server deployment: one batch through the API on PostgreSQL, separate worker processes.
  ...(api ? { apiPostgres: api } : {}),
};
if (!values.json) {
  process.stderr.write(
    `${N} photos: embedded, one process: ${single ? `1 worker ${(N / single.seconds).toFixed(2)}/s, ` : ''}${WORKERS} workers ${result.photosPerSecond}/s\n`,
  );
  if (api)
    process.stderr.write(
      `  API on PostgreSQL + ${api.workerProcesses} worker processes: ${api.photosPerSecond}/s (${api.seconds} s, uploads ${api.uploadSeconds} s)\n`,
    );
  if (result.baseline)
    process.stderr.write(
      `  baseline ${result.baseline.manifest}: ${result.baseline.photosPerSecond.join(', ')} photos/s\n`,
    );
  for (const r of pools)
    process.stderr.write(
      `  ${WORKERS} workers, ${r.blobs} blobs: ${r.photosPerSecond} photos/s, ${r.facesPerSecond} faces/s\n`,
    );
}
console.log(JSON.stringify(result));
