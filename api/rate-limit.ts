import type { Context, MiddlewareHandler } from 'hono';
import { KinfinderError } from '../src/errors.ts';
import type { Env } from './auth.ts';

/**
 * Fixed-window limit per client address for anonymous callers (signed-in staff are not limited).
 * In memory: each process limits on its own, which bounds abuse without shared state.
 */
export function rateLimitAnonymous(opts: { max: number; windowMs: number; key: (c: Context<Env>) => string }): MiddlewareHandler<Env> {
  const windows = new Map<string, { start: number; count: number }>();
  return async (c, next) => {
    if (c.get('principal')) return next();
    const now = Date.now();
    const key = opts.key(c);
    let w = windows.get(key);
    if (!w || now - w.start >= opts.windowMs) {
      w = { start: now, count: 0 };
      windows.set(key, w);
      // Forget old windows so the map cannot grow without bound.
      if (windows.size > 10_000) for (const [k, v] of windows) if (now - v.start >= opts.windowMs) windows.delete(k);
    }
    w.count++;
    if (w.count > opts.max) {
      const retryAfter = Math.ceil((w.start + opts.windowMs - now) / 1000);
      c.header('Retry-After', String(retryAfter));
      throw new KinfinderError('rate_limited', `too many new cases from this address; try again in ${retryAfter} seconds`, { retryAfter });
    }
    return next();
  };
}
