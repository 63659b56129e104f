import type { Context, MiddlewareHandler } from 'hono';
import { CASE_CODE_PREFIX_LENGTH, normalizeCaseCode } from '../src/access/case-code.ts';
import { resolveToken } from '../src/access/credentials.ts';
import { authorize, type Action } from '../src/access/policy.ts';
import type { Principal } from '../src/access/principal.ts';
import type { Translate } from '../src/i18n/catalogue.ts';
import type { Language } from '../src/i18n/languages.ts';
import { KinfinderError } from '../src/errors.ts';
import type { Database } from '../src/store/database.ts';
import type { Counters } from '../src/metrics.ts';
import type { AuthThrottle } from './auth-throttle.ts';
import type { BackoffThrottle } from './code-throttle.ts';

/** What a request carries: who called, and (set by api/language.ts) the language it is answered in. */
export type Env = { Variables: { principal: Principal | null; language: Language; t: Translate } };

/**
 * Reads `Authorization: Bearer <token>`. No header → anonymous; a header with an unknown or
 * revoked token → 401, never silently anonymous (a family must learn their code is wrong).
 */
export function authenticate(
  db: Database,
  adminToken: string | undefined,
  guard?: {
    throttle: AuthThrottle;
    address: (c: Context<Env>) => string;
    counters: Counters;
    /** Wrong case codes, per address and per code prefix, with back-off (api/code-throttle.ts). */
    codes?: { address: BackoffThrottle; prefix: BackoffThrottle };
  },
): MiddlewareHandler<Env> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) {
      c.set('principal', null);
      return next();
    }
    const address = guard?.address(c) ?? '';
    const wait = guard?.throttle.blockedFor(address) ?? 0;
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      throw new KinfinderError('rate_limited', `too many wrong access codes from this address; try again in ${wait} seconds`, { retryAfter: wait });
    }
    const refuse = (message: string) => {
      guard?.throttle.failed(address);
      guard?.counters.inc('auth_failures');
      return new KinfinderError('unauthorized', message);
    };
    // Everything after "Bearer ": a case code read out and typed as `K7Q4 M2X9 PD3F` has spaces,
    // which normalizeCaseCode drops as the case page does; a staff token never has any.
    const m = /^Bearer\s+(\S.*?)\s*$/i.exec(header);
    if (!m?.[1]) throw refuse('the Authorization header must be "Bearer <token>"');
    const code = normalizeCaseCode(m[1]);
    const codeKeys = code && guard?.codes ? [[guard.codes.address, address], [guard.codes.prefix, code.slice(0, CASE_CODE_PREFIX_LENGTH)]] as const : [];
    const codeWait = Math.max(0, ...codeKeys.map(([t, k]) => t.blockedFor(k)));
    if (codeWait > 0) {
      c.header('Retry-After', String(codeWait));
      throw new KinfinderError('rate_limited', `too many wrong case codes; try again in ${codeWait} seconds`, { retryAfter: codeWait });
    }
    const principal = await resolveToken(db, m[1], adminToken);
    if (!principal) {
      for (const [t, k] of codeKeys) t.failed(k);
      throw refuse(code ? 'this case code is not valid (mistyped, replaced by a new one, or its case was deleted)' : 'this access token is not valid (unknown, revoked, or its case was deleted)');
    }
    c.set('principal', principal);
    return next();
  };
}

/** The caller of this request, for the use case (which checks what it may do). */
export function callerOf(c: Context<Env>): Principal | null {
  return c.get('principal');
}

/**
 * Refuses early, before a large body is read, when the use case would refuse anyway: the same
 * rule (src/access/policy.ts), asked sooner. Only for routes that take uploads.
 */
export function refuseEarly(action: Action): MiddlewareHandler<Env> {
  return async (c, next) => {
    authorize(c.get('principal'), action);
    return next();
  };
}
