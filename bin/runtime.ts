import type { Config } from '../src/config.ts';
import { fairShare } from '../src/face/fair.ts';
import {
  createFacePool,
  loadManifest,
  type FaceAnalyser,
  type FacePool,
  type ModelManifest,
} from '../src/face/index.ts';
import { ensureFetchedWeights } from '../src/face/fetch-weights.ts';
import type { FaceTaskStats } from '../src/face/task-line.ts';
import type { ImageLimits } from '../src/image/index.ts';
import type { Logger } from '../src/log.ts';
import { createCounters, type Counters } from '../src/metrics.ts';
import { openQueue, type JobQueue } from '../src/queue.ts';
import { openBlobStore } from '../src/store/blob-store.ts';
import type { BlobStore } from '../src/store/blobs.ts';
import type { Database } from '../src/store/database.ts';
import { migrate } from '../src/store/migrate.ts';
import { queueSchemaFor } from '../src/store/open.ts';
import { openStore, served } from './store.ts';
import { ensureModel } from '../src/store/photos.ts';
import { startWorkers } from '../workers/main.ts';
import { keyUnrecordedPhotos } from '../src/store/records.ts';
import { noticeTransports } from '../src/notices/transports.ts';

export interface Runtime {
  db: Database;
  blobs: BlobStore;
  queue: JobQueue;
  limits: ImageLimits;
  counters: Counters;
  /** Present when this process runs workers or was asked for an engine: the pool, shared fairly between clients. */
  faces: FaceAnalyser | undefined;
  /** Where the engine's tasks stand, with `faces`: tasks waiting and running, the oldest's age (/metrics). */
  faceTasks: (() => FaceTaskStats) | undefined;
  manifest: ModelManifest;
  /** The embedded database of a running `kinfinder serve`, used through it: its workers process the photos. */
  served: boolean;
  close(): Promise<void>;
}

/** How often the log reports the face engine's tasks while there are any. */
const FACE_TASKS_LOG_MS = 60_000;

export function limitsOf(config: Config): ImageLimits {
  return { maxBytes: config.maxUploadBytes, maxPixels: config.maxPixels };
}

/**
 * Opens what a command needs, in dependency order, and closes it in reverse: database
 * (migrated), blobs, queue, and with `workers` the face-engine pool and the job handlers.
 * `workers: 'unless-served'` starts them only when this process holds the database itself: a
 * running `serve`'s own workers process what is queued through it. `alone` (see openStore): the
 * command may not run through a server, and why.
 */
export async function openRuntime(
  config: Config,
  logger: Logger,
  opts: { workers: boolean | 'unless-served'; faces?: boolean; concurrency?: number; alone?: string },
): Promise<Runtime> {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
  };
  try {
    const db = await openStore(config, opts.alone ? { alone: opts.alone } : {});
    closers.push(() => db.close());
    const throughServer = served(db);
    const workers = opts.workers === 'unless-served' ? !throughServer : opts.workers;
    await migrate(db);
    const blobs = await openBlobStore(config.blobs);
    closers.push(async () => blobs.close());
    const limits = limitsOf(config);
    const counters = createCounters();
    const queue = await openQueue(db, {
      schema: queueSchemaFor(config.dbSchema),
      expireInSeconds: config.jobTimeoutSeconds,
      // Expired attempts (a worker that died mid-photo) are found at this interval.
      maintenanceIntervalSeconds: Math.max(1, Math.min(60, Math.floor(config.jobTimeoutSeconds / 2))),
      logger,
    });
    closers.push(() => queue.stop());
    const manifest = await loadManifest(config.manifestPath);
    let faces: FaceAnalyser | undefined;
    let faceTasks: (() => FaceTaskStats) | undefined;
    const concurrency = opts.concurrency ?? config.concurrency;
    if (workers || opts.faces) {
      await ensureFetchedWeights(manifest, { registry: config.npmRegistry, log: (line) => logger.info(line) });
      const pool: FacePool = await createFacePool({
        size: concurrency,
        limits,
        manifestPath: config.manifestPath,
        budget: { floorMs: config.faceTimeoutSeconds * 1000 },
        log: (line) => logger.info(line),
        warn: (line) => logger.warn(line),
      });
      // Jobs and requests share the engines: in turns, per client, not first come first served.
      const fair = fairShare(pool, pool.size);
      faces = fair;
      faceTasks = () => fair.stats();
      // The worker log says where the engine's tasks stand while there are any (issue 32): how
      // many wait and run, and how old the oldest is, so a stuck engine shows before anyone asks.
      const report = setInterval(() => {
        const s = fair.stats();
        if (s.waiting + s.running > 0) logger.info({ faceTasks: s }, 'face engine tasks');
      }, FACE_TASKS_LOG_MS);
      report.unref();
      // Closed after the queue stops in close(): the pool must outlive the handlers.
      closers.splice(1, 0, async () => {
        clearInterval(report);
        await pool.close();
      });
      await ensureModel(db, { id: faces.modelId, dims: manifest.dims, manifest });
    }
    if (workers && faces) {
      // Photos registered before person records existed get theirs now (once: then none are left).
      const keyed = await keyUnrecordedPhotos(db);
      if (keyed > 0) logger.info({ photos: keyed }, 'person records keyed for earlier photos');
      const workers = await startWorkers(
        { db, blobs, faces, queue, limits, logger, counters, manifest, notices: noticeTransports(config) },
        { concurrency },
      );
      closers.push(() => workers.stop());
      logger.info({ concurrency, backend: faces.backend, modelId: faces.modelId }, 'workers started');
    }
    return { db, blobs, queue, limits, counters, faces, faceTasks, manifest, served: throughServer, close };
  } catch (err) {
    await close();
    throw err;
  }
}
