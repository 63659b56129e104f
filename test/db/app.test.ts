import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { handleError } from '../../api/errors.ts';
import { PAGE_CSP } from '../../api/pages/index.ts';
import { KinfinderError } from '../../src/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { openTestDb, type TestDb } from '../support/db.ts';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

describe('service shell', () => {
  it('reports database kind and schema version on /healthz', async () => {
    const app = createApp({
      db: t.db,
      logger: silentLogger,
      faceInfo: () => ({ backend: 'wasm', modelId: 'm1', recogniser: 'face-api' }),
    });
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      database: { kind: string; schemaVersion: number };
      face: unknown;
    };
    expect(body.status).toBe('ok');
    expect(body.database.kind).toBe(t.db.kind);
    expect(body.database.schemaVersion).toBeGreaterThanOrEqual(1);
    expect(body.face).toEqual({ backend: 'wasm', modelId: 'm1', recogniser: 'face-api' });
  });

  it('serves /metrics on loopback, only with its token elsewhere', async () => {
    const open = createApp({ db: t.db, logger: silentLogger, metrics: { open: true } });
    expect((await open.request('/metrics')).status).toBe(200);
    const exposed = createApp({ db: t.db, logger: silentLogger, metrics: { open: false } });
    expect((await exposed.request('/metrics')).status).toBe(403);
    const token = 'metrics-token-0123456789abcdef';
    const guarded = createApp({ db: t.db, logger: silentLogger, metrics: { open: false, token } });
    expect((await guarded.request('/metrics')).status).toBe(401);
    expect(
      (await guarded.request('/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status,
    ).toBe(401);
    const ok = await guarded.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/kinfinder_photos\{status="done"\}/);
  });

  it("shows the face engine's tasks in /metrics: waiting, running, the oldest's age, outcomes (issue 32)", async () => {
    const faceTasks = () => ({
      waiting: 3,
      running: 2,
      oldestMs: 95_500,
      oldestRunningMs: 61_250,
      submitted: 40,
      started: 37,
      ok: 30,
      failed: 4,
      timedOut: 1,
      threadsReplaced: 2,
    });
    const app = createApp({ db: t.db, logger: silentLogger, metrics: { open: true }, faceTasks });
    const text = await (await app.request('/metrics')).text();
    for (const line of [
      'kinfinder_face_tasks{state="waiting"} 3',
      'kinfinder_face_tasks{state="running"} 2',
      'kinfinder_face_task_oldest_seconds 95.5',
      'kinfinder_face_task_oldest_running_seconds 61.25',
      'kinfinder_face_tasks_settled_total{outcome="timed_out"} 1',
      'kinfinder_face_threads_replaced_total 2',
    ])
      expect(text.split('\n'), line).toContain(line);
    // a process without an engine says nothing about one
    const bare = await (
      await createApp({ db: t.db, logger: silentLogger, metrics: { open: true } }).request('/metrics')
    ).text();
    expect(bare).not.toMatch(/kinfinder_face_task/);
  });

  it('answers unknown routes with the JSON error envelope', async () => {
    const app = createApp({ db: t.db, logger: silentLogger });
    const res = await app.request('/api/v1/nothing-here', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({
      error: { code: 'not_found', message: 'no route for POST /api/v1/nothing-here' },
    });
  });
});

describe('security headers', () => {
  it('puts nosniff, no-store, DENY framing and a CSP that allows nothing on API answers, errors included', async () => {
    const app = createApp({ db: t.db, logger: silentLogger });
    for (const url of ['/healthz', '/api/v1/openapi.json', '/api/v1/nothing-here']) {
      const res = await app.request(url);
      const h = (name: string) => res.headers.get(name);
      expect([
        url,
        h('x-content-type-options'),
        h('cache-control'),
        h('x-frame-options'),
        h('referrer-policy'),
      ]).toEqual([url, 'nosniff', 'no-store', 'DENY', 'no-referrer']);
      expect(h('content-security-policy')).toBe(
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      );
      expect(h('cross-origin-resource-policy')).toBe('same-origin');
      // HSTS is the TLS terminator's to send
      expect(h('strict-transport-security')).toBeNull();
    }
  });

  it('keeps the pages’ own strict CSP and cache policy', async () => {
    const app = createApp({ db: t.db, logger: silentLogger });
    const page = await app.request('/');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(page.headers.get('permissions-policy')).toBe('camera=(self), microphone=(), geolocation=()');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const asset = await app.request('/assets/common.js');
    expect(asset.headers.get('cache-control')).toBe('no-cache');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('error mapping', () => {
  const app = new Hono();
  app.get('/domain', () => {
    throw new KinfinderError('unsupported_format', 'the file is not an image kinfinder can read');
  });
  app.get('/crash', () => {
    throw new Error('duplicate key value violates constraint "photos_sha256_key" at /srv/kinfinder/src/store');
  });
  app.onError(handleError(silentLogger));

  it('maps a domain code to its status and keeps its message', async () => {
    const res = await app.request('/domain');
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({
      error: { code: 'unsupported_format', message: 'the file is not an image kinfinder can read' },
    });
  });

  it('never leaks internals in a 500', async () => {
    const res = await app.request('/crash');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(text).not.toMatch(/photos_sha256|srv|constraint/);
  });
});
