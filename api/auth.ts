import type { Context, MiddlewareHandler } from 'hono';
import { resolveToken, type Principal } from '../src/auth/tokens.ts';
import { KinfinderError } from '../src/errors.ts';
import type { Role } from '../src/store/tokens.ts';
import type { Database } from '../src/store/database.ts';

export type Env = { Variables: { principal: Principal | null } };

/**
 * Reads `Authorization: Bearer <token>`. No header → anonymous; a header with an unknown or
 * revoked token → 401, never silently anonymous (a family must learn their code is wrong).
 */
export function authenticate(db: Database, adminToken: string | undefined): MiddlewareHandler<Env> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) {
      c.set('principal', null);
      return next();
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m?.[1]) throw new KinfinderError('unauthorized', 'the Authorization header must be "Bearer <token>"');
    const principal = await resolveToken(db, m[1], adminToken);
    if (!principal) throw new KinfinderError('unauthorized', 'this access token is not valid (unknown, revoked, or its case was deleted)');
    c.set('principal', principal);
    return next();
  };
}

/** Denies unless the caller holds one of `roles`: 401 without a token, 403 with the wrong one. */
export function requireRole(...roles: Role[]): MiddlewareHandler<Env> {
  return async (c, next) => {
    const p = c.get('principal');
    if (!p) throw new KinfinderError('unauthorized', 'sign in with an access token');
    if (!roles.includes(p.role)) throw new KinfinderError('forbidden', 'your access token does not allow this');
    return next();
  };
}

export function principalOf(c: Context<Env>): Principal {
  const p = c.get('principal');
  if (!p) throw new KinfinderError('unauthorized', 'sign in with an access token');
  return p;
}
