import { KinfinderError } from '../errors.ts';
import { CASE_CODE_PREFIX_LENGTH, normalizeCaseCode } from './case-code.ts';
import { resolveToken } from './credentials.ts';
import type { Principal } from './principal.ts';
import type { BackoffOptions, Throttle, Throttles } from './throttles.ts';

/**
 * Wrong case codes (issue 12): 60 bits are guessed only as fast as guesses are allowed, per
 * client (an address, a Telegram chat) and per code prefix (the first four characters), so many
 * clients cannot share out the guesses at one family's code whose start they overheard. A few
 * free failures (a relative mistyping is not slowed), then each doubles the wait, up to an hour.
 */
export const CODE_THROTTLE_DEFAULTS = {
  address: { free: 10, baseSeconds: 2, maxSeconds: 3600, forgetAfterMs: 60 * 60 * 1000 },
  prefix: { free: 5, baseSeconds: 2, maxSeconds: 3600, forgetAfterMs: 60 * 60 * 1000 },
} satisfies Record<string, BackoffOptions>;

/** The throttles of wrong codes, by client and by prefix: the HTTP API's and the bot's are the same rows. */
export function codeThrottles(
  throttles: Throttles,
  opts: Partial<Record<'address' | 'prefix', BackoffOptions>> = {},
): { byClient: Throttle; byPrefix: Throttle } {
  const o = { ...CODE_THROTTLE_DEFAULTS, ...opts };
  return {
    byClient: throttles.backoff('code-address', o.address),
    byPrefix: throttles.backoff('code-prefix', o.prefix),
  };
}

/**
 * A family's case code typed into something other than the HTTP API (the Telegram bot): counted
 * by the same throttles as `Authorization: Bearer <code>` (api/auth.ts) before its scrypt, given
 * back when right. `client` is the caller's key (`telegram:<chat>`). Throws `invalid_input`
 * (`reason: "code_shape"`) for what cannot be a code, `rate_limited` with `retryAfter`, and
 * `unauthorized` for a wrong code.
 */
export async function signInWithCaseCode(
  db: Parameters<typeof resolveToken>[0],
  guards: { byClient: Throttle; byPrefix: Throttle },
  client: string,
  typed: string,
): Promise<Principal> {
  const code = normalizeCaseCode(typed);
  if (!code)
    throw new KinfinderError('invalid_input', 'a case code has 12 letters and digits', { reason: 'code_shape' });
  const counted: Throttle[] = [];
  const keys = new Map<Throttle, string>([
    [guards.byClient, client],
    [guards.byPrefix, code.slice(0, CASE_CODE_PREFIX_LENGTH)],
  ]);
  let wrong = false;
  try {
    for (const [t, key] of keys) {
      const a = await t.admit(key);
      if (!a.admitted)
        throw new KinfinderError('rate_limited', `too many wrong case codes; try again in ${a.retryAfter} seconds`, {
          retryAfter: a.retryAfter,
        });
      counted.push(t);
    }
    const p = await resolveToken(db, code);
    if (!p || p.role !== 'family') {
      wrong = true;
      throw new KinfinderError('unauthorized', 'this case code is not valid', { reason: 'wrong_code' });
    }
    return p;
  } finally {
    if (!wrong) await Promise.allSettled(counted.map((t) => t.giveBack(keys.get(t)!)));
  }
}
