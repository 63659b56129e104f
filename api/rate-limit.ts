import type { Context, MiddlewareHandler } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import { KinfinderError } from '../src/errors.ts';
import type { Env } from './auth.ts';

/**
 * Fixed-window limit per client address for anonymous callers (signed-in staff are not limited),
 * by hono-rate-limiter. Only requests that succeed count (`skipFailedRequests`): a case that was
 * created, not a failed upload or the second request after "choose the face", so a hotline
 * office or a carrier's shared address is not locked out by its users' retries. Its memory store keeps each process's own counts, which bounds abuse
 * without shared state, and forgets clients idle for a window. Answers carry the RateLimit-*
 * headers (IETF draft 6); a refused call is a `rate_limited` error (429) with Retry-After.
 */
export function rateLimitAnonymous(opts: { max: number; windowMs: number; key: (c: Context<Env>) => string }): MiddlewareHandler<Env> {
  return rateLimiter<Env>({
    windowMs: opts.windowMs,
    limit: opts.max,
    keyGenerator: opts.key,
    skip: (c) => Boolean(c.get('principal')),
    // A request that ends in an error (thrown, or any 4xx/5xx) gives its count back.
    skipFailedRequests: true,
    standardHeaders: 'draft-6', // also sets Retry-After on the refused call
    handler: (c) => {
      const retryAfter = Number(c.res.headers.get('Retry-After') ?? Math.ceil(opts.windowMs / 1000));
      throw new KinfinderError('rate_limited', `too many new cases from this address; try again in ${retryAfter} seconds`, { retryAfter });
    },
  });
}
