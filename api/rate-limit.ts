import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Throttle } from '../src/access/throttles.ts';
import { readsAsFamily } from '../src/access/visibility.ts';
import { MAX_REFERENCE_PHOTOS } from '../src/cases/reference-photos.ts';
import { KinfinderError } from '../src/errors.ts';
import type { Env } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import type { InFlight } from './in-flight.ts';

/** KINFINDER_MAX_ANON_UPLOAD_MB's default, for an entry point that does not say (src/config.ts says why 40). */
export const DEFAULT_MAX_ANON_UPLOAD_BYTES = 40 * 1024 * 1024;

export type UploadLimits = Parameters<typeof rateLimitAnonymous>[0];

/** A caller with a staff token: the anonymous limits do not apply to them (DESIGN §9). */
const isStaff = (c: Context<Env>) => {
  const p = c.get('principal');
  return p !== null && !readsAsFamily(p);
};

/**
 * Uploads per client address for callers without a staff token, counted in the database so
 * every process shares the count (issue 28). Every request counts, from before its body is read:
 * a case created, a photo refused, a body too large, a request cut off. Counting only created
 * cases (issue 12) let one address send no-face 7000² photos for 20 s of engine time each, as
 * often as it liked; the trusted-proxy setting now tells a hotline office's callers apart behind
 * their proxy, and a carrier's shared address raises KINFINDER_RATE_CASES_PER_HOUR. Answers carry
 * RateLimit-* headers (IETF draft 6); a refused call is a `rate_limited` error (429) with Retry-After.
 */
export function rateLimitAnonymous(opts: {
  throttle: Throttle;
  max: number;
  windowMs: number;
  key: (c: Context<Env>) => string;
  inFlight?: InFlight;
}): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (isStaff(c)) return next();
    const key = opts.key(c);
    // Counted first, so that a request refused below counts as well.
    const a = await opts.throttle.admit(key);
    // Bodies one address sends at once: six concurrent 94 MB bodies from one client took 900 MB
    // (issue 28). Past the cap a request is refused at once rather than queued.
    const leave = a.admitted ? (opts.inFlight?.enter(key) ?? (opts.inFlight ? undefined : () => undefined)) : undefined;
    if (!a.admitted || !leave) {
      const retryAfter = a.admitted ? 1 : a.retryAfter;
      c.header('Retry-After', String(retryAfter));
      const why = a.admitted ? 'too many uploads from this address at once' : 'too many uploads from this address';
      throw new KinfinderError('rate_limited', `${why}; try again in ${retryAfter} seconds`, { retryAfter });
    }
    c.header('RateLimit-Policy', `${opts.max};w=${Math.round(opts.windowMs / 1000)}`);
    c.header('RateLimit-Limit', String(opts.max));
    c.header('RateLimit-Remaining', String(Math.max(0, opts.max - a.count)));
    c.header('RateLimit-Reset', String(a.resetSeconds));
    try {
      await next();
    } finally {
      leave();
    }
  };
}

/**
 * The largest body a route takes: `staff` bytes with a staff token, `anonymous` bytes without
 * (KINFINDER_MAX_ANON_UPLOAD_MB). Refused from Content-Length before a byte is read, and while
 * streaming when there is none; a 413 `upload_too_large` that family routes word in the family's
 * language. Goes after rateLimitAnonymous, so a refused body has already been counted.
 */
export function uploadBodyLimit(opts: { staff: number; anonymous: number }): MiddlewareHandler<Env> {
  const limit = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        const maxMb = Math.max(1, Math.floor(maxSize / 1024 / 1024));
        throw new KinfinderError(
          'upload_too_large',
          `this request is larger than the ${maxMb} MB that may be sent at once`,
          { maxMb },
        );
      },
    });
  const forStaff = limit(opts.staff);
  const forAnonymous = limit(Math.min(opts.staff, opts.anonymous));
  return (c, next) => (isStaff(c) ? forStaff(c, next) : forAnonymous(c, next));
}

/**
 * The body of a form of reference photos (a case opened, photos added to one): with a staff
 * token, MAX_REFERENCE_PHOTOS photos at the upload limit and the form's fields; without one,
 * KINFINDER_MAX_ANON_UPLOAD_MB.
 */
export function referencePhotosBodyLimit(api: Pick<ApiDeps, 'limits' | 'maxAnonUploadBytes'>): MiddlewareHandler<Env> {
  return uploadBodyLimit({
    staff: api.limits.maxBytes * MAX_REFERENCE_PHOTOS + 64 * 1024,
    anonymous: api.maxAnonUploadBytes ?? DEFAULT_MAX_ANON_UPLOAD_BYTES,
  });
}
