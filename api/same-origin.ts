import type { MiddlewareHandler } from 'hono';
import { KinfinderError } from '../src/errors.ts';

/**
 * Refuses a browser's cross-site post (another site's form or script sending photos to us in a
 * visitor's name, from the visitor's address). Hono's `csrf()` also refuses requests that carry
 * neither header, which is every client that is not a browser (curl, the hotline's scripts):
 * here only a request a browser marks as coming from elsewhere is refused.
 */
export function refuseCrossSite(): MiddlewareHandler {
  return async (c, next) => {
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    const crossSite = site === 'cross-site' || site === 'same-site';
    const foreignOrigin = origin !== undefined && origin !== new URL(c.req.url).origin;
    if (crossSite || foreignOrigin)
      throw new KinfinderError('forbidden', "this can only be sent from the service's own pages");
    await next();
  };
}
