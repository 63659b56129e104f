import type { Queryable } from './database.ts';

/**
 * The rows behind every throttle (migration 0011): counted in the database so every process of
 * one installation shares them (issue 28). Each admission is one atomic upsert that counts the
 * attempt only when it is allowed, so a burst of concurrent requests cannot all read "not yet
 * blocked" before any of them is counted. Times come from the caller's clock (the tests move
 * it); processes of one installation keep their clocks in step (NTP), as the queue already needs.
 */

export interface ThrottleRow {
  count: number;
  startedAt: Date;
  lastAt: Date;
  expiresAt: Date;
}

type Row = { count: number; started_at: Date | string; last_at: Date | string; expires_at: Date | string };
const toRow = (r: Row): ThrottleRow => ({
  count: Number(r.count),
  startedAt: new Date(r.started_at),
  lastAt: new Date(r.last_at),
  expiresAt: new Date(r.expires_at),
});

/**
 * A fixed window of `windowMs` from the first attempt: counts this attempt unless `max` were
 * already counted in the current window. The row returned is the counted state; none = refused.
 */
export async function admitInWindow(
  q: Queryable,
  scope: string,
  key: string,
  opts: { max: number; windowMs: number; now: Date },
): Promise<ThrottleRow | undefined> {
  // A row whose window has ended starts a new one; the WHERE refuses a full, live window (an
  // ON CONFLICT update that its WHERE skips returns no row). PostgreSQL re-checks the WHERE on
  // the newest version of a row another transaction just updated, so concurrent attempts queue.
  const r = await q.query<Row>(
    `INSERT INTO throttles AS t (scope, key, count, started_at, last_at, expires_at)
     VALUES ($1, $2, 1, $3::timestamptz, $3::timestamptz, $3::timestamptz + $4::double precision * interval '1 millisecond')
     ON CONFLICT (scope, key) DO UPDATE SET
       count = CASE WHEN t.expires_at <= $3::timestamptz THEN 1 ELSE t.count + 1 END,
       started_at = CASE WHEN t.expires_at <= $3::timestamptz THEN $3::timestamptz ELSE t.started_at END,
       expires_at = CASE WHEN t.expires_at <= $3::timestamptz THEN excluded.expires_at ELSE t.expires_at END,
       last_at = $3::timestamptz
     WHERE t.expires_at <= $3::timestamptz OR t.count < $5::integer
     RETURNING count, started_at, last_at, expires_at`,
    [scope, key, opts.now.toISOString(), opts.windowMs, opts.max],
  );
  return r.rows[0] ? toRow(r.rows[0]) : undefined;
}

/**
 * Back-off from the latest attempt: `free` attempts, then each further one waits
 * `baseSeconds · 2^(count − free)` (at most `maxSeconds`) after the one before; a key quiet for
 * `forgetAfterMs` starts afresh. Counts this attempt unless it comes too soon; none = refused.
 */
export async function admitWithBackoff(
  q: Queryable,
  scope: string,
  key: string,
  opts: { free: number; baseSeconds: number; maxSeconds: number; forgetAfterMs: number; now: Date },
): Promise<ThrottleRow | undefined> {
  // The wait is computed from the row as it stands when locked (see admitInWindow), so of many
  // concurrent attempts only those the back-off allows are counted and go on to be checked.
  const r = await q.query<Row>(
    `INSERT INTO throttles AS t (scope, key, count, started_at, last_at, expires_at)
     VALUES ($1, $2, 1, $3::timestamptz, $3::timestamptz, $3::timestamptz + $4::double precision * interval '1 millisecond')
     ON CONFLICT (scope, key) DO UPDATE SET
       count = CASE WHEN t.expires_at <= $3::timestamptz THEN 1 ELSE t.count + 1 END,
       started_at = CASE WHEN t.expires_at <= $3::timestamptz THEN $3::timestamptz ELSE t.started_at END,
       last_at = $3::timestamptz,
       expires_at = excluded.expires_at
     WHERE t.expires_at <= $3::timestamptz
        OR t.count < $5::integer
        OR t.last_at + LEAST($7::double precision, $6::double precision * power(2, t.count - $5::integer)) * interval '1 second' <= $3::timestamptz
     RETURNING count, started_at, last_at, expires_at`,
    [scope, key, opts.now.toISOString(), opts.forgetAfterMs, opts.free, opts.baseSeconds, opts.maxSeconds],
  );
  return r.rows[0] ? toRow(r.rows[0]) : undefined;
}

/** The live row of a key (to say how long a refused caller waits), or undefined. */
export async function readThrottle(
  q: Queryable,
  scope: string,
  key: string,
  now: Date,
): Promise<ThrottleRow | undefined> {
  const r = await q.query<Row>(
    `SELECT count, started_at, last_at, expires_at FROM throttles WHERE scope = $1 AND key = $2 AND expires_at > $3::timestamptz`,
    [scope, key, now.toISOString()],
  );
  return r.rows[0] ? toRow(r.rows[0]) : undefined;
}

/** Takes back one counted attempt (it turned out right: a family's code, a staff token). */
export async function giveBackAttempt(q: Queryable, scope: string, key: string): Promise<void> {
  // count > 0: a window that restarted in between is not pushed below zero.
  await q.query(`UPDATE throttles SET count = count - 1 WHERE scope = $1 AND key = $2 AND count > 0`, [scope, key]);
}

/** Deletes rows dead before `now` (ended windows, forgotten back-offs); how many went. */
export async function forgetExpiredThrottles(q: Queryable, now: Date): Promise<number> {
  // By the expires_at index; rows that are dead count nothing, so deleting them changes no answer.
  const r = await q.query(`DELETE FROM throttles WHERE expires_at <= $1::timestamptz`, [now.toISOString()]);
  return r.rowCount;
}
