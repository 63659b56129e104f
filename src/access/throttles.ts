import { createHmac } from 'node:crypto';
import type { Queryable } from '../store/database.ts';
import { installationSecret } from '../store/secrets.ts';
import {
  admitInWindow,
  admitWithBackoff,
  forgetExpiredThrottles,
  giveBackAttempt,
  readThrottle,
} from '../store/throttles.ts';

/**
 * Throttles kept in the database (src/store/throttles.ts), so every process of one installation
 * counts the same attempts (issue 28: two `serve` processes doubled the free guesses). An attempt
 * is counted when admitted, before the costly check it guards (a case code's scrypt), and given
 * back when it turns out right: a burst of wrong codes is refused from its first uncounted
 * attempt on, not after all of them were evaluated.
 */
export type Admission =
  { admitted: true; count: number; resetSeconds: number } | { admitted: false; retryAfter: number };

export interface Throttle {
  /** Counts one attempt for `key`, or refuses it with the seconds to wait. */
  admit(key: string): Promise<Admission>;
  /** Takes back an admitted attempt that turned out right. */
  giveBack(key: string): Promise<void>;
}

/** At most `max` attempts in a window of `windowMs` from the first. */
export interface WindowOptions {
  max: number;
  windowMs: number;
}

/** `free` attempts, then a wait doubling from `baseSeconds` up to `maxSeconds`; forgotten after a quiet `forgetAfterMs`. */
export interface BackoffOptions {
  free: number;
  baseSeconds: number;
  maxSeconds: number;
  forgetAfterMs: number;
}

export interface Throttles {
  window(scope: string, opts: WindowOptions): Throttle;
  backoff(scope: string, opts: BackoffOptions): Throttle;
}

/** Dead rows are deleted at most this often per process, by the next admission after it. */
const FORGET_EVERY_MS = 60_000;

export function sharedThrottles(db: Queryable, opts: { now?: () => number } = {}): Throttles {
  const now = () => new Date((opts.now ?? Date.now)());
  // The key stored is a keyed hash: an address (personal data) or the start of a family's code
  // never lands in the table, and the hash cannot be reversed by trying every IPv4 address.
  let secret: Promise<Buffer> | undefined;
  const hashed = async (scope: string, key: string) => {
    secret ??= installationSecret(db, 'throttle-key').then((s) => Buffer.from(s, 'hex'));
    try {
      return createHmac('sha256', await secret)
        .update(`${scope}\0${key}`)
        .digest('hex')
        .slice(0, 32);
    } catch (err) {
      secret = undefined; // a database outage must not stick: ask again next time
      throw err;
    }
  };
  let lastForget = 0;
  const forgetNowAndThen = (at: Date) => {
    if (at.getTime() - lastForget < FORGET_EVERY_MS) return;
    lastForget = at.getTime();
    // Not awaited: the caller's answer does not wait for housekeeping, and a failure here (the
    // database gone for a moment) only leaves dead rows for the next pass.
    forgetExpiredThrottles(db, at).catch(() => undefined);
  };
  const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
  return {
    window(scope, o) {
      return {
        async admit(key) {
          const at = now();
          const k = await hashed(scope, key);
          forgetNowAndThen(at);
          const row = await admitInWindow(db, scope, k, { ...o, now: at });
          if (row)
            return { admitted: true, count: row.count, resetSeconds: seconds(row.expiresAt.getTime() - at.getTime()) };
          const live = await readThrottle(db, scope, k, at);
          return { admitted: false, retryAfter: live ? seconds(live.expiresAt.getTime() - at.getTime()) : 1 };
        },
        async giveBack(key) {
          await giveBackAttempt(db, scope, await hashed(scope, key));
        },
      };
    },
    backoff(scope, o) {
      return {
        async admit(key) {
          const at = now();
          const k = await hashed(scope, key);
          forgetNowAndThen(at);
          const row = await admitWithBackoff(db, scope, k, { ...o, now: at });
          if (row)
            return { admitted: true, count: row.count, resetSeconds: seconds(row.expiresAt.getTime() - at.getTime()) };
          const live = await readThrottle(db, scope, k, at);
          if (!live) return { admitted: false, retryAfter: 1 };
          const wait = Math.min(o.maxSeconds, o.baseSeconds * 2 ** (live.count - o.free));
          return { admitted: false, retryAfter: seconds(live.lastAt.getTime() + wait * 1000 - at.getTime()) };
        },
        async giveBack(key) {
          await giveBackAttempt(db, scope, await hashed(scope, key));
        },
      };
    },
  };
}
