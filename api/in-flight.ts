/**
 * Requests of one client address being worked on at once, in this process (issue 28): a burst of
 * case codes each costs a scrypt on the shared thread pool, and a burst of uploads each holds its
 * body in memory. Past `max`, a caller is refused at once rather than queued. Per process on
 * purpose: what it guards is this process's threads and memory, and a count in the database
 * would outlive a process killed mid-request.
 */
export interface InFlight {
  /** Takes a place for `key`, or returns undefined when `key` has `max` already. */
  enter(key: string): (() => void) | undefined;
}

export function inFlightCap(max: number): InFlight {
  const busy = new Map<string, number>();
  return {
    enter(key) {
      const n = busy.get(key) ?? 0;
      if (n >= max) return undefined;
      busy.set(key, n + 1);
      let left = false;
      return () => {
        if (left) return;
        left = true;
        const m = (busy.get(key) ?? 1) - 1;
        if (m <= 0) busy.delete(key);
        else busy.set(key, m);
      };
    },
  };
}
