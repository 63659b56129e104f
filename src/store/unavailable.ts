/**
 * Telling "the database is down or restarting" from every other failure, so callers can wait
 * and resume instead of failing a run or crashing a process.
 */

const NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * True for errors of the connection rather than of the statement: the socket (node codes), the
 * server shutting down or starting (SQLSTATE 57P01–57P03), connection exceptions (class 08),
 * and pg's own "Connection terminated" when the server went away mid-query.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (
    let e: unknown = err, depth = 0;
    e && typeof e === 'object' && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (NODE_CODES.has(code) || /^57P0[123]$/.test(code) || /^08/.test(code))) return true;
    const message = (e as { message?: unknown }).message;
    // pg-pool's "timeout exceeded when trying to connect" (no code) is what a busy machine sees
    // while the server restarts: the pool waited for a connection that could not be made.
    if (
      typeof message === 'string' &&
      /Connection terminated|connection (is )?(closed|ended)|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
        message,
      )
    )
      return true;
    // AggregateError (net's happy-eyeballs connect) carries the per-address errors.
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner) && inner.some((x) => isDatabaseUnavailable(x))) return true;
  }
  return false;
}

export interface Backoff {
  /** First wait, doubled after each failure up to maxMs. */
  initialMs?: number;
  maxMs?: number;
}

/** The wait before retry number `attempt` (0-based): doubling, capped, with ±20 % jitter so reconnecting processes spread out. */
export function backoffMs(attempt: number, opts: Backoff = {}): number {
  const base = Math.min(opts.maxMs ?? 10_000, (opts.initialMs ?? 250) * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn`, and while it fails because the database is unavailable, waits (backing off) and
 * runs it again; `onWait` hears of each wait. Any other error is thrown at once. `fn` must be
 * safe to repeat (a transaction that failed was rolled back).
 */
export async function whileUnavailable<T>(
  fn: () => Promise<T>,
  opts: Backoff & { onWait?: (err: unknown, attempt: number) => void; signal?: { stopped: boolean } } = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || opts.signal?.stopped) throw err;
      opts.onWait?.(err, attempt);
      await sleep(backoffMs(attempt, opts));
    }
  }
}
