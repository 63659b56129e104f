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
import type { Throttle } from '../src/access/throttles.ts';
import type { InFlight } from './in-flight.ts';

/** What a request carries: who called, and (set by api/language.ts) the language it is answered in. */
export type Env = { Variables: { principal: Principal | null; language: Language; t: Translate } };

/** The guards of sign-in (api/app.ts builds them over the database, shared by every process). */
export interface AuthGuard {
  /** Failed sign-ins per client address, whatever the token. */
  signIns: Throttle;
  /** Wrong case codes, with back-off: per client address, and per code prefix across addresses. */
  codesByAddress: Throttle;
  codesByPrefix: Throttle;
  /** Case codes being checked at once per address (each costs a scrypt). */
  codesInFlight: InFlight;
  address: (c: Context<Env>) => string;
  counters: Counters;
}

function rateLimited(c: Context, retryAfter: number, message: string): KinfinderError {
  c.header('Retry-After', String(retryAfter));
  return new KinfinderError('rate_limited', `${message}; try again in ${retryAfter} seconds`, { retryAfter });
}

/**
 * Reads `Authorization: Bearer <token>`. No header → anonymous; a header with an unknown or
 * revoked token → 401, never silently anonymous (a family must learn their code is wrong).
 *
 * Every attempt is counted by the throttles before its token is hashed, and given back once it
 * proves right (issue 28): counted after the hash, 200 concurrent wrong codes were all checked
 * before the first failure was recorded, and their scrypts stalled a family's `GET /case` for
 * 20 s. Only wrong tokens stay counted, so a family or verifier typing theirs right is never slowed.
 */
export function authenticate(db: Database, adminToken: string | undefined, guard: AuthGuard): MiddlewareHandler<Env> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) {
      c.set('principal', null);
      return next();
    }
    // Everything after "Bearer ": a case code read out and typed as `K7Q4 M2X9 PD3F` has spaces,
    // which normalizeCaseCode drops as the case page does; a staff token never has any.
    const m = /^Bearer\s+(\S.*?)\s*$/i.exec(header);
    const code = m?.[1] ? normalizeCaseCode(m[1]) : undefined;
    const address = guard.address(c);
    // Before anything is counted or hashed: a burst from one address is refused at once.
    const leave = code ? guard.codesInFlight.enter(address) : () => undefined;
    if (!leave) throw rateLimited(c, 1, 'too many case codes from this address at once');
    const counted: Array<[Throttle, string]> = [];
    let wrong = false;
    try {
      const admit = async (t: Throttle, key: string, message: string) => {
        const a = await t.admit(key);
        if (!a.admitted) throw rateLimited(c, a.retryAfter, message);
        counted.push([t, key]);
      };
      await admit(guard.signIns, address, 'too many wrong access codes from this address');
      const refuse = (message: string) => {
        wrong = true;
        guard.counters.inc('auth_failures');
        return new KinfinderError('unauthorized', message);
      };
      if (!m?.[1]) throw refuse('the Authorization header must be "Bearer <token>"');
      if (code) {
        await admit(guard.codesByAddress, address, 'too many wrong case codes');
        await admit(guard.codesByPrefix, code.slice(0, CASE_CODE_PREFIX_LENGTH), 'too many wrong case codes');
      }
      const principal = await resolveToken(db, m[1], adminToken);
      if (!principal)
        throw refuse(
          code
            ? 'this case code is not valid (mistyped, replaced by a new one, or its case was deleted)'
            : 'this access token is not valid (unknown, revoked, or its case was deleted)',
        );
      c.set('principal', principal);
    } finally {
      // A right token, a refusal by a later throttle, or a database error: none of these was a
      // wrong guess, so what was counted for it is given back. A give-back that fails (the
      // database gone) leaves one attempt counted, which is the safe side.
      if (!wrong) await Promise.allSettled(counted.map(([t, key]) => t.giveBack(key)));
      leave();
    }
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
