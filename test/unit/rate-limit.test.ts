import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../../api/auth.ts';
import { handleError } from '../../api/errors.ts';
import { inFlightCap } from '../../api/in-flight.ts';
import { rateLimitAnonymous } from '../../api/rate-limit.ts';
import type { Throttle } from '../../src/access/throttles.ts';
import { silentLogger } from '../../src/log.ts';

/** The database's fixed window (src/store/throttles.ts, tested on both databases in test/db/throttles.test.ts), in memory. */
function windowThrottle(max: number, windowMs: number): Throttle {
  const w = new Map<string, { start: number; count: number }>();
  return {
    admit(key) {
      const now = Date.now();
      let e = w.get(key);
      if (!e || now - e.start >= windowMs) w.set(key, (e = { start: now, count: 0 }));
      const resetSeconds = Math.ceil((e.start + windowMs - now) / 1000);
      if (e.count >= max) return Promise.resolve({ admitted: false, retryAfter: resetSeconds });
      e.count++;
      return Promise.resolve({ admitted: true, count: e.count, resetSeconds });
    },
    giveBack() {
      return Promise.reject(new Error('uploads are never given back'));
    },
  };
}

/** The middleware as the searches route uses it: client from a header, staff marked by another; `x-fail` fails the request. */
function app(max: number, windowMs: number, inFlight?: number, hold?: Promise<void>) {
  const a = new Hono<Env>();
  a.use('*', async (c, next) => {
    c.set('principal', c.req.header('x-staff') ? { id: 't1', role: 'verifier', name: 'v', caseId: null } : null);
    await next();
  });
  a.use(
    '*',
    rateLimitAnonymous({
      throttle: windowThrottle(max, windowMs),
      max,
      windowMs,
      key: (c) => c.req.header('x-client') ?? 'unknown',
      ...(inFlight ? { inFlight: inFlightCap(inFlight) } : {}),
    }),
  );
  a.post('/searches', async (c) => {
    await hold;
    return c.req.header('x-fail') ? c.json({ error: 'no face' }, 422) : c.json({ ok: true }, 201);
  });
  a.onError(handleError(silentLogger));
  return (client: string, staff = false, fail = false) =>
    a.request('/searches', {
      method: 'POST',
      headers: { 'x-client': client, ...(staff ? { 'x-staff': '1' } : {}), ...(fail ? { 'x-fail': '1' } : {}) },
    });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('rateLimitAnonymous', () => {
  it('lets max anonymous calls through per address, then answers 429 rate_limited with Retry-After', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-01-01T00:00:00Z') });
    const call = app(3, 60_000);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('a')).status);
    expect(statuses).toEqual([201, 201, 201]);
    vi.setSystemTime(new Date('2026-01-01T00:00:20Z'));
    const refused = await call('a');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('40');
    const body = (await refused.json()) as { error: { code: string; message: string; retryAfter: number } };
    expect(body.error).toEqual({
      code: 'rate_limited',
      message: 'too many uploads from this address; try again in 40 seconds',
      retryAfter: 40,
    });
    // another address, and signed-in staff from the same address, are not affected
    expect((await call('b')).status).toBe(201);
    expect((await call('a', true)).status).toBe(201);
    expect((await call('a')).status).toBe(429);
  });

  it('opens a new window once the old one has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-01-01T00:00:00Z') });
    const call = app(1, 10_000);
    expect((await call('a')).status).toBe(201);
    expect((await call('a')).status).toBe(429);
    vi.setSystemTime(new Date('2026-01-01T00:00:10.001Z'));
    expect((await call('a')).status).toBe(201);
    expect((await call('a')).status).toBe(429);
  });

  it('tells anonymous callers their quota in RateLimit headers, and staff get none', async () => {
    const call = app(5, 60_000);
    const r = await call('c');
    expect(r.headers.get('ratelimit-limit')).toBe('5');
    expect(r.headers.get('ratelimit-remaining')).toBe('4');
    expect((await call('c', true)).headers.get('ratelimit-limit')).toBeNull();
  });

  it('counts failed requests too (issue 28: refused uploads cost without counting), and refuses more than the cap in flight', async () => {
    const call = app(2, 60_000);
    expect((await call('f', false, true)).status).toBe(422);
    expect((await call('f', false, true)).status).toBe(422);
    expect((await call('f')).status).toBe(429);
    let release = () => undefined as void;
    const hold = new Promise<void>((r) => (release = r));
    const busy = app(10, 60_000, 2, hold);
    const pending = [busy('g'), busy('g'), busy('g')];
    const third = await pending[2]!;
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    release();
    expect((await Promise.all(pending.slice(0, 2))).map((r) => r.status)).toEqual([201, 201]);
    expect((await busy('g')).status).toBe(201);
  });
});
