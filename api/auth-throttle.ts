/**
 * Failed sign-ins per client address (issue 16): after `max` failures in `windowMs` an address is
 * refused until the window ends, whatever token it presents, so guessing codes or tokens costs
 * time. Only failures count (a family typing their code right is never slowed), which is why
 * this is not the request rate limiter. In memory: each process throttles on its own.
 */
export interface AuthThrottle {
  /** Seconds until this address may try again, or 0. */
  blockedFor(address: string): number;
  failed(address: string): void;
}

export function authThrottle(opts: { max: number; windowMs: number; now?: () => number }): AuthThrottle {
  const now = opts.now ?? Date.now;
  const windows = new Map<string, { start: number; failures: number }>();
  const current = (address: string) => {
    const w = windows.get(address);
    return w && now() - w.start < opts.windowMs ? w : undefined;
  };
  return {
    blockedFor(address) {
      const w = current(address);
      return w && w.failures >= opts.max ? Math.ceil((w.start + opts.windowMs - now()) / 1000) : 0;
    },
    failed(address) {
      let w = current(address);
      if (!w) {
        w = { start: now(), failures: 0 };
        windows.set(address, w);
        // Forget ended windows so the map cannot grow without bound.
        if (windows.size > 10_000) for (const [k, v] of windows) if (now() - v.start >= opts.windowMs) windows.delete(k);
      }
      w.failures++;
    },
  };
}
