import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import type { ApiDeps } from '../../api/deps.ts';
import { sharedThrottles } from '../../src/access/throttles.ts';
import { createCounters } from '../../src/metrics.ts';
import { silentLogger } from '../../src/log.ts';
import type { Database } from '../../src/store/database.ts';
import { ADMIN_TOKEN, LIMITS, openApiHarness, photoForm, requestJson, type ApiHarness } from '../support/api.ts';
import { lfwPeople } from '../support/fixtures.ts';

// Issue 28, findings 1, 2, 5 and 8, on PGlite and PostgreSQL: the attacks of the report run
// again. One client behind the proxy guessing codes; 200 concurrent wrong codes; two app
// instances over one database; anonymous bodies too large, refused early and counted.

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const person = lfwPeople(2)[0]!;
const photo = () =>
  photoForm([{ name: path.basename(person.files[1]!), bytes: fs.readFileSync(person.files[1]!) }], 'photo');

let h: ApiHarness;
let code = '';
let verifier = '';
const servers: ServerType[] = [];
const extraDbs: Database[] = [];

/** Another app over the harness's database (or a second connection to it), as another process would be. */
function appOver(db: Database, api: Partial<ApiDeps> = {}) {
  return createApp({
    db,
    logger: silentLogger,
    api: {
      db,
      blobs: h.blobs,
      faces: h.faces,
      manifest: h.manifest,
      limits: LIMITS,
      queue: h.queue,
      confirmations: 2,
      counters: createCounters(),
      adminToken: ADMIN_TOKEN,
      clientAddress: (c) => c.req.header('x-test-client') ?? 'test',
      ...api,
    },
  });
}

/** The app on a real socket at 127.0.0.1, so the peer address is a real one. */
async function listen(app: ReturnType<typeof createApp>): Promise<string> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  servers.push(server);
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A stand-in for the reverse proxy: what it forwards, with the X-Forwarded-For it would set. */
async function viaProxy(base: string, client: string, token: string): Promise<number> {
  const r = await fetch(`${base}/api/v1/case`, {
    headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': client },
  });
  await r.arrayBuffer();
  return r.status;
}

const wrongCode = (i: number, prefix: string) =>
  `${prefix}-${String(i)
    .padStart(4, '0')
    .replace(/\d/g, (d) => 'ABCDEFGHJK'[Number(d)]!)}-XXXX`;
const count = (statuses: number[], s: number) => statuses.filter((x) => x === s).length;

beforeAll(async () => {
  h = await openApiHarness({ rateLimit: { max: 1000, windowMs: 60 * 60 * 1000 } });
  const opened = await requestJson(h.app, 'POST', '/api/v1/searches', {
    body: photo(),
    headers: { 'x-test-client': 'opener' },
  });
  expect(opened.status, JSON.stringify(opened.json)).toBe(201);
  code = opened.json.caseCode as string;
  verifier = (
    await requestJson(h.app, 'POST', '/api/v1/tokens', {
      token: ADMIN_TOKEN,
      body: { role: 'verifier', name: 'verifier' },
    })
  ).json.token as string;
}, 300_000);
afterAll(async () => {
  for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
  for (const d of extraDbs) await d.close();
  await h?.close();
});

describe('finding 1: behind the reverse proxy', () => {
  it("one client's wrong codes do not lock out another client behind the same proxy; an untrusted peer's X-Forwarded-For is ignored", async () => {
    const proxied = await listen(appOver(h.t.db, { clientAddress: undefined, trustedProxies: ['127.0.0.1', '::1'] }));
    const guesser: number[] = [];
    for (let i = 0; i < 12; i++)
      guesser.push(await viaProxy(proxied, '203.0.113.5', wrongCode(i, `P${'ABCDEFGHJKMN'[i]}PP`)));
    expect(guesser).toEqual([...Array<number>(10).fill(401), 429, 429]);
    // the family behind the same proxy, with their code
    expect(await viaProxy(proxied, '198.51.100.7', code)).toBe(200);
    // a chain: a client's own X-Forwarded-For is not believed, the proxy's appended hop is
    expect(await viaProxy(proxied, '10.9.9.9, 203.0.113.5', code)).toBe(429);
    expect(await viaProxy(proxied, '203.0.113.5, 198.51.100.8', code)).toBe(200);

    // no proxy trusted (the default): a header the client wrote itself changes nothing
    const direct = await listen(appOver(h.t.db, { clientAddress: undefined, trustedProxies: [] }));
    const forger: number[] = [];
    for (let i = 0; i < 12; i++)
      forger.push(await viaProxy(direct, `192.0.2.${i}`, wrongCode(i, `Q${'ABCDEFGHJKMN'[i]}QQ`)));
    expect(forger).toEqual([...Array<number>(10).fill(401), 429, 429]);
  }, 60_000);
});

describe('finding 2: a burst of wrong codes', () => {
  it('200 concurrent wrong codes are mostly refused unchecked, and a family with the right code from another address still gets in', async () => {
    const burst = Array.from({ length: 200 }, (_, i) =>
      requestJson(h.app, 'GET', '/api/v1/case', {
        token: wrongCode(i % 1000, `B${'ABCDEFGHJKMN'[i % 12]}${'ABCDEFGHJKMN'[Math.floor(i / 12) % 12]}B`),
        headers: { 'x-test-client': 'burst' },
      }),
    );
    const family = requestJson(h.app, 'GET', '/api/v1/case', {
      token: code,
      headers: { 'x-test-client': 'family-at-home' },
    });
    const statuses = (await Promise.all(burst)).map((r) => r.status);
    expect((await family).status).toBe(200);
    // at most the free failures were checked (hashed); the rest were refused before any hashing
    expect(count(statuses, 401)).toBeLessThanOrEqual(10);
    expect(count(statuses, 429)).toBeGreaterThanOrEqual(190);
    expect(count(statuses, 401) + count(statuses, 429)).toBe(200);
    console.info(`burst of 200 wrong codes: ${count(statuses, 401)} × 401, ${count(statuses, 429)} × 429`);
  }, 60_000);
});

describe('finding 8: two processes on one database', () => {
  it('share the throttles: the free guesses are not doubled, nor the anonymous uploads', async () => {
    // a second connection to the same data where there can be one (PostgreSQL), as a second process has
    const other = h.t.reopen ? await h.t.reopen() : h.t.db;
    if (other !== h.t.db) extraDbs.push(other);
    const rate = { rateLimit: { max: 3, windowMs: 60 * 60 * 1000 } };
    const apps = [appOver(h.t.db, rate), appOver(other, rate)];
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++)
      statuses.push(
        (
          await requestJson(apps[i % 2]!, 'GET', '/api/v1/case', {
            token: wrongCode(i, `T${'ABCDEFGHJKMNPQRSTVWXYZ'[i]}TT`),
            headers: { 'x-test-client': 'two-processes' },
          })
        ).status,
      );
    expect(count(statuses, 401)).toBe(10);
    expect(count(statuses, 429)).toBe(10);
    // a staff token guesser too: 20 failures a minute in all, not per process
    const staff: number[] = [];
    for (let i = 0; i < 22; i++)
      staff.push(
        (
          await requestJson(apps[i % 2]!, 'GET', '/api/v1/review', {
            token: `kf_guess_${i}`,
            headers: { 'x-test-client': 'two-processes-staff' },
          })
        ).status,
      );
    expect(staff).toEqual([...Array<number>(20).fill(401), 429, 429]);
    // anonymous uploads: 3 an hour in all
    const uploads: number[] = [];
    for (let i = 0; i < 4; i++)
      uploads.push(
        (
          await requestJson(apps[i % 2]!, 'POST', '/api/v1/searches', {
            body: new FormData(),
            headers: { 'x-test-client': 'two-processes-upload' },
          })
        ).status,
      );
    expect(uploads).toEqual([400, 400, 400, 429]);
  }, 60_000);

  it('back off as before, counted in the database: free attempts, then doubling waits up to the cap, forgotten after a quiet hour', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const t = sharedThrottles(h.t.db, { now: () => now }).backoff('test-backoff', {
      free: 3,
      baseSeconds: 2,
      maxSeconds: 10,
      forgetAfterMs: 3_600_000,
    });
    for (let i = 0; i < 3; i++) expect((await t.admit('a')).admitted).toBe(true);
    expect(await t.admit('a')).toEqual({ admitted: false, retryAfter: 2 });
    expect((await t.admit('b')).admitted).toBe(true);
    now += 2000;
    expect((await t.admit('a')).admitted).toBe(true);
    expect(await t.admit('a')).toEqual({ admitted: false, retryAfter: 4 });
    now += 4000;
    expect((await t.admit('a')).admitted).toBe(true);
    expect(await t.admit('a')).toEqual({ admitted: false, retryAfter: 8 });
    now += 8000;
    expect((await t.admit('a')).admitted).toBe(true);
    expect(await t.admit('a')).toEqual({ admitted: false, retryAfter: 10 }); // capped
    // a right one is given back: it does not push the next wait further
    now += 10_000;
    expect((await t.admit('a')).admitted).toBe(true);
    await t.giveBack('a');
    now += 10_000;
    expect((await t.admit('a')).admitted).toBe(true);
    now += 3_600_000;
    expect(await t.admit('a')).toMatchObject({ admitted: true, count: 1 }); // a fresh start
    // no address or key in the table, only keyed hashes; dead rows go by age
    const keys = await h.t.db.query<{ key: string }>(`SELECT key FROM throttles WHERE scope = 'test-backoff'`);
    expect(keys.rows.map((r) => r.key).every((k) => /^[0-9a-f]{32}$/.test(k))).toBe(true);
    const addresses = await h.t.db.query(
      `SELECT 1 FROM throttles WHERE key IN ('burst', 'two-processes', '203.0.113.5', 'a')`,
    );
    expect(addresses.rows).toHaveLength(0);
    now += 3_600_000 + 60_000;
    await t.admit('c'); // the first admission a minute after the last clean-up deletes dead rows
    await new Promise((r) => setTimeout(r, 200));
    const left = await h.t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM throttles WHERE scope = 'test-backoff'`,
    );
    expect(left.rows[0]!.n).toBe(1);
  });
});

/**
 * A POST on its own connection: with `announced`, a Content-Length of that many bytes of which
 * only the first KB is sent (answered before the rest comes); without, `bytes` sent chunked.
 */
function rawPost(
  base: string,
  headers: Record<string, string>,
  body: { announced: number } | { bytes: number },
): Promise<{ status: number; json: Json }> {
  return new Promise((resolve, reject) => {
    const length = 'announced' in body ? { 'content-length': String(body.announced) } : {};
    const req = http.request(
      `${base}/api/v1/searches`,
      {
        method: 'POST',
        agent: false,
        headers: { ...headers, 'content-type': 'multipart/form-data; boundary=x', ...length },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(body) as Json });
          req.destroy();
        });
      },
    );
    // The server may close the connection on a body it refused while it is still being sent.
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err),
    );
    if ('announced' in body) req.write(Buffer.alloc(1024, 0x2d));
    else req.end(Buffer.alloc(body.bytes, 0x2d));
  });
}

describe('finding 5: anonymous uploads', () => {
  it(
    "a body over KINFINDER_MAX_ANON_UPLOAD_MB is refused early with 413 in the family's language, " +
      'and counts against the limit; staff are not capped',
    async () => {
      const app = appOver(h.t.db, {
        clientAddress: undefined,
        maxAnonUploadBytes: 1024 * 1024,
        rateLimit: { max: 3, windowMs: 60 * 60 * 1000 },
      });
      const base = await listen(app);
      // Content-Length says 94 MB: refused before the body is read (only 1 KB of it is ever sent)
      const early = await rawPost(base, { 'accept-language': 'uk' }, { announced: 94 * 1024 * 1024 });
      expect(early.status).toBe(413);
      expect(early.json.error.code).toBe('upload_too_large');
      expect(early.json.error.message).toContain('1 МБ');
      // no Content-Length (chunked): refused while streaming, in Russian
      const chunked = await rawPost(base, { 'accept-language': 'ru' }, { bytes: 3 * 1024 * 1024 });
      expect(chunked.status).toBe(413);
      expect(chunked.json.error.code).toBe('upload_too_large');
      expect(chunked.json.error.message).toMatch(/Эти фотографии вместе слишком большие/);
      // a failed upload (no photo) counts as well: the fourth request of the hour is refused
      expect((await fetch(`${base}/api/v1/searches`, { method: 'POST', body: new FormData() })).status).toBe(400);
      const fourth = await fetch(`${base}/api/v1/searches`, { method: 'POST', body: photo() });
      expect(fourth.status).toBe(429);
      expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
      // a verifier from the same address: neither counted nor capped at the anonymous size (1.5 MB)
      const staff = await fetch(`${base}/api/v1/searches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${verifier}` },
        body: photoForm([{ name: 'big.jpg', bytes: Buffer.alloc(1.5 * 1024 * 1024, 1) }], 'photo'),
      });
      expect(staff.status).toBe(415); // read, and found not to be a photo
    },
    60_000,
  );
});
