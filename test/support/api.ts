import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../api/app.ts';
import type { ApiDeps } from '../../api/deps.ts';
import { loadManifest, type FaceAnalyser, type ModelManifest } from '../../src/face/index.ts';
import { CLI } from '../../src/access/principal.ts';
import { enqueuePhoto } from '../../src/ingest/enqueue.ts';
import { silentLogger, type Logger } from '../../src/log.ts';
import { createCounters } from '../../src/metrics.ts';
import { openQueue, type JobQueue } from '../../src/queue.ts';
import { FsBlobStore } from '../../src/store/blobs.ts';
import { ensureModel } from '../../src/store/photos.ts';
import { handleFacesMatch } from '../../workers/faces-match.ts';
import { handlePhotoIngest } from '../../workers/photo-ingest.ts';
import { openTestDb, type TestDb } from './db.ts';
import { recordedFaceEngine } from './recorded-faces.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const LIMITS = { maxBytes: 2 * 1024 * 1024, maxPixels: 50e6 };

/** A complete API over a real database, real blob store, real face engine and real queue. */
export interface ApiHarness {
  t: TestDb;
  app: ReturnType<typeof createApp>;
  faces: FaceAnalyser;
  manifest: ModelManifest;
  blobs: FsBlobStore;
  queue: JobQueue;
  blobDir: string;
  /** Runs the ingest and standing-search handlers for a photo, as a worker would. */
  process(photoId: string): Promise<void>;
  /** Enqueues and processes gallery photos directly (no HTTP), returning their ids. */
  enrol(files: string[]): Promise<string[]>;
  close(): Promise<void>;
}

export async function openApiHarness(
  opts: {
    rateLimit?: { max: number; windowMs: number };
    logger?: Logger;
    now?: () => Date;
    api?: Partial<ApiDeps>;
  } = {},
): Promise<ApiHarness> {
  const logger = opts.logger ?? silentLogger;
  const t = await openTestDb();
  const blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-api-blobs-'));
  const blobs = new FsBlobStore(blobDir);
  const manifest = await loadManifest();
  const faces = await recordedFaceEngine({ limits: LIMITS });
  await ensureModel(t.db, { id: manifest.id, dims: manifest.dims, manifest });
  const queue = await openQueue(t.db, { schema: `${t.schema}_pgboss`, expireInSeconds: 60, logger: silentLogger });
  const counters = createCounters();
  const app = createApp({
    db: t.db,
    logger,
    faceInfo: () => ({ backend: faces.backend, modelId: faces.modelId, recogniser: 'face-api' }),
    api: {
      db: t.db,
      blobs,
      faces,
      manifest,
      limits: LIMITS,
      queue,
      confirmations: 2,
      rejections: 2,
      ...(opts.now ? { now: opts.now } : {}),
      counters,
      adminToken: ADMIN_TOKEN,
      ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
      clientAddress: (c) => c.req.header('x-test-client') ?? 'test',
      ...opts.api,
    },
  });
  const workerDeps = { db: t.db, blobs, faces, queue, limits: LIMITS, logger, counters, manifest };
  const process = async (photoId: string) => {
    await handlePhotoIngest({ photoId }, workerDeps);
    await handleFacesMatch({ photoId }, workerDeps);
  };
  return {
    t,
    app,
    faces,
    manifest,
    blobs,
    queue,
    blobDir,
    process,
    async enrol(files) {
      const ids: string[] = [];
      for (const f of files) {
        const p = await enqueuePhoto({ db: t.db, blobs, queue, limits: LIMITS }, CLI, {
          name: path.basename(f),
          bytes: fs.readFileSync(f),
          source: 'test archive',
        });
        await process(p.id);
        ids.push(p.id);
      }
      return ids;
    },
    async close() {
      await queue.stop();
      await faces.close();
      await t.close();
      fs.rmSync(blobDir, { recursive: true, force: true });
    },
  };
}

export function bearer(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

export function photoForm(
  files: Array<{ name: string; bytes: Uint8Array; type?: string }>,
  field: string,
  extra: Record<string, string> = {},
): FormData {
  const form = new FormData();
  for (const f of files)
    form.append(field, new File([new Uint8Array(f.bytes)], f.name, { type: f.type ?? 'image/jpeg' }));
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  return form;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One request through `app.request()`: JSON or form body, and the answer's JSON when it is JSON. */
export async function requestJson(
  app: { request: (url: string, init: RequestInit) => Response | Promise<Response> },
  method: string,
  url: string,
  opts: {
    token?: string | undefined;
    body?: FormData | string | Json | undefined;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; json: Json; headers: Headers; text: string }> {
  const headers: Record<string, string> = { ...bearer(opts.token), ...opts.headers };
  const init: RequestInit = { method: method.toUpperCase(), headers };
  if (opts.body instanceof FormData || typeof opts.body === 'string') init.body = opts.body;
  else if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await app.request(url, init);
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // not JSON (an image, metrics text)
  }
  return { status: res.status, json, headers: res.headers, text };
}
