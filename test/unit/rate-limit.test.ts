import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../../api/auth.ts';
import { handleError } from '../../api/errors.ts';
import { rateLimitAnonymous } from '../../api/rate-limit.ts';
import { silentLogger } from '../../src/log.ts';

/** The middleware as the searches route uses it: client from a header, staff marked by another. */
function app(max: number, windowMs: number) {
  const a = new Hono<Env>();
  a.use('*', async (c, next) => {
    c.set('principal', c.req.header('x-staff') ? { id: 't1', role: 'verifier', name: 'v', caseId: null } : null);
    await next();
  });
  a.use('*', rateLimitAnonymous({ max, windowMs, key: (c) => c.req.header('x-client') ?? 'unknown' }));
  a.post('/searches', (c) => c.json({ ok: true }, 201));
  a.onError(handleError(silentLogger));
  return (client: string, staff = false) => a.request('/searches', { method: 'POST', headers: { 'x-client': client, ...(staff ? { 'x-staff': '1' } : {}) } });
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
    expect(body.error).toEqual({ code: 'rate_limited', message: 'too many new cases from this address; try again in 40 seconds', retryAfter: 40 });
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
});
