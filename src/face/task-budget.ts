/**
 * How long one face-engine task may hold a thread before it is given up (issue 32). The work per
 * photo is bounded (detection on a downscaled copy and at most 3 × 3 tiles, issue 16), so what
 * still grows with the photo is decoding, resizing and the rescue's turned views: a floor plus a
 * share per megapixel. The defaults are twenty times and more what the costliest photos measured
 * on a quiet machine (BENCHMARKS.md, "Cost of the costliest photos" and "Field photos / Cost":
 * ≈ 8 s for 49 MP of noise, 1-4 s for a degraded portrait), so a machine several times busier
 * does not meet them, a stuck engine does. At the pixel cap (50 MP) the bound is 210 s, under
 * the job timeout's default 300 s: a photo job fails with this code rather than expiring.
 */
export interface TaskBudget {
  /** The least any photo is given, whatever its size, in its thread's CPU time (thread-clock.ts). */
  floorMs: number;
  /** Added per million pixels of the photo. */
  msPerMegapixel: number;
  /** An engine's start (`info`): loading the model files; also what a task may wait for a replaced thread to load. */
  startupMs: number;
  /**
   * A thread that uses no CPU (waiting on something that never comes) is stopped once the wall
   * clock passes this many times the bound; on a machine so crowded that the engine gets a tenth
   * of a core, a photo still finishes first.
   */
  wallFactor: number;
}

export const DEFAULT_TASK_BUDGET: TaskBudget = {
  floorMs: 60_000,
  msPerMegapixel: 3_000,
  startupMs: 300_000,
  wallFactor: 10,
};

/**
 * The bound for one photo of `pixels` pixels (unknown: the floor) analysed with `passes`
 * recipes (evaluation compares several on one photo; each may cost a full analysis).
 */
export function taskBoundMs(budget: TaskBudget, pixels: number | undefined, passes = 1): number {
  const perPhoto = budget.floorMs + (pixels ? (pixels / 1e6) * budget.msPerMegapixel : 0);
  return Math.ceil(perPhoto * Math.max(1, passes));
}
