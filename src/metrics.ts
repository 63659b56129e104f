/**
 * In-process counters (photos done/failed, faces stored). Kept dependency-free so workers and
 * the CLI can count; the HTTP layer renders them for /metrics.
 */
export interface Counters {
  inc(name: string, by?: number): void;
  get(name: string): number;
  snapshot(): Record<string, number>;
}

export function createCounters(): Counters {
  const values = new Map<string, number>();
  return {
    inc(name, by = 1) {
      values.set(name, (values.get(name) ?? 0) + by);
    },
    get(name) {
      return values.get(name) ?? 0;
    },
    snapshot() {
      return Object.fromEntries(values);
    },
  };
}
