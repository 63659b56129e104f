/**
 * Back-off for wrong case codes (issue 12). A case code has 60 bits, so guessing is bounded by
 * how often guesses are allowed: per client address and, separately, per code prefix (the first
 * group of four characters), so many addresses cannot share out the guesses at one family's
 * code whose start they overheard. Each key has a few free failures (a relative mistyping their
 * code is not slowed); after that every failure doubles the wait, up to `maxSeconds`. A key is
 * forgotten `forgetAfterMs` after its last failure. In memory, per process, like the sign-in
 * throttle (api/auth-throttle.ts) that still applies on top.
 */
export interface BackoffThrottle {
  /** Seconds until this key may try again, or 0. */
  blockedFor(key: string): number;
  failed(key: string): void;
}

export interface BackoffOptions {
  free: number;
  baseSeconds: number;
  maxSeconds: number;
  forgetAfterMs: number;
  now?: () => number;
}

export function backoffThrottle(opts: BackoffOptions): BackoffThrottle {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, { failures: number; last: number }>();
  const current = (key: string) => {
    const e = entries.get(key);
    return e && now() - e.last < opts.forgetAfterMs ? e : undefined;
  };
  return {
    blockedFor(key) {
      const e = current(key);
      if (!e || e.failures < opts.free) return 0;
      const wait = Math.min(opts.maxSeconds, opts.baseSeconds * 2 ** (e.failures - opts.free));
      return Math.max(0, Math.ceil((e.last + wait * 1000 - now()) / 1000));
    },
    failed(key) {
      const e = current(key) ?? { failures: 0, last: now() };
      e.failures++;
      e.last = now();
      entries.set(key, e);
      // Forget old keys so the map cannot grow without bound.
      if (entries.size > 50_000) for (const [k, v] of entries) if (now() - v.last >= opts.forgetAfterMs) entries.delete(k);
    },
  };
}

/** Defaults: 10 free failures per address and 5 per prefix, then 2 s, 4 s, … up to an hour. */
export const CODE_THROTTLE_DEFAULTS = {
  address: { free: 10, baseSeconds: 2, maxSeconds: 3600, forgetAfterMs: 60 * 60 * 1000 },
  prefix: { free: 5, baseSeconds: 2, maxSeconds: 3600, forgetAfterMs: 60 * 60 * 1000 },
} satisfies Record<string, BackoffOptions>;
