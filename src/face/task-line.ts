import { KinfinderError } from '../errors.ts';

/**
 * Where face-engine tasks stand (issue 32). `waiting`: asked for, not yet given a thread;
 * `running`: given a thread. Ages are in milliseconds, null when there is no such task.
 */
export interface FaceTaskStats {
  waiting: number;
  running: number;
  /** Age of the oldest task not settled, since it was asked for (its wait included). */
  oldestMs: number | null;
  /** The longest any task now in a thread has been there. */
  oldestRunningMs: number | null;
  // Since the pool started:
  submitted: number;
  /** Tasks a thread reported it began (see `TaskLine.started`). */
  started: number;
  ok: number;
  failed: number;
  timedOut: number;
  threadsReplaced: number;
}

/** The least time between two looks at a task's CPU time. */
const MIN_RECHECK_MS = 250;

export const NO_TASKS: FaceTaskStats = Object.freeze({
  waiting: 0,
  running: 0,
  oldestMs: null,
  oldestRunningMs: null,
  submitted: 0,
  started: 0,
  ok: 0,
  failed: 0,
  timedOut: 0,
  threadsReplaced: 0,
});

export interface LineTask<R> {
  /** The longest the task may take once its thread has begun it. */
  boundMs: number | Promise<number>;
  /** Runs the task on a thread; `signal` aborts when the bound passes (the thread must then be stopped). */
  run: (id: number, signal: AbortSignal) => Promise<R>;
  /** What to say about it when it times out (sizes, never names). */
  describe?: string;
}

interface Entry {
  id: number;
  task: LineTask<unknown>;
  askedAt: number;
  givenAt?: number;
  /** Set when its thread reports it began: then the bound runs from there. */
  begun?: (cpuMs?: () => number | undefined) => void;
  counted: boolean;
  resolve: (r: unknown) => void;
  reject: (e: unknown) => void;
  done: boolean;
}

/**
 * The pool's own line: first come, first served, and at most `slots` tasks handed to the threads
 * at once. piscina's own queue must stay empty: with a backlog in it, each task that finishes
 * sends the next queued one to the back of the queue (piscina 5 `_onWorkerAvailable` with
 * `stricterFIFO` off), so over a 1,711-photo `embed` the twelfth photo waited for nearly all the
 * others (issue 32). Every task given a thread settles within its bound: when the bound passes,
 * its promise rejects with `face_engine_timeout` at once and its signal aborts, so the runner
 * stops that thread; the slot is freed either way, so one stuck thread cannot stall the line.
 */
export class TaskLine {
  private readonly waiting: Entry[] = [];
  private readonly running = new Map<number, Entry>();
  private seq = 0;
  private counts = { submitted: 0, started: 0, ok: 0, failed: 0, timedOut: 0 };
  private closedWith: (() => unknown) | undefined;

  constructor(
    private readonly slots: number,
    private readonly startAllowanceMs: number,
    private readonly log?: (line: string) => void,
    private readonly wallFactor = 10,
    private readonly now: () => number = () => performance.now(),
  ) {}

  submit<R>(task: LineTask<R>): Promise<R> {
    if (this.closedWith) return Promise.reject(this.closedWith());
    return new Promise<R>((resolve, reject) => {
      this.counts.submitted++;
      this.waiting.push({
        id: ++this.seq,
        task: task as LineTask<unknown>,
        askedAt: this.now(),
        counted: false,
        resolve: resolve as (r: unknown) => void,
        reject,
        done: false,
      });
      this.pump();
    });
  }

  /** A thread reported it began task `id`: its bound runs from now, on `cpuMs` (the thread's CPU time) when given. */
  started(id: number, cpuMs?: () => number | undefined): void {
    const e = this.running.get(id);
    this.count(e);
    e?.begun?.(cpuMs);
  }

  stats(threadsReplaced = 0): FaceTaskStats {
    const t = this.now();
    const age = (xs: number[]) => (xs.length === 0 ? null : Math.round(t - Math.min(...xs)));
    const inFlight = [...this.waiting, ...this.running.values()];
    return {
      waiting: this.waiting.length,
      running: this.running.size,
      oldestMs: age(inFlight.map((e) => e.askedAt)),
      oldestRunningMs: age([...this.running.values()].map((e) => e.givenAt!)),
      ...this.counts,
      threadsReplaced,
    };
  }

  /** Refuses new tasks and rejects the waiting ones with `reason()`; running ones settle through their runner. */
  close(reason: () => unknown): void {
    this.closedWith = reason;
    for (const e of this.waiting.splice(0)) this.finish(e, false, reason());
  }

  private pump(): void {
    while (this.running.size < this.slots && this.waiting.length > 0) void this.give(this.waiting.shift()!);
  }

  private async give(e: Entry): Promise<void> {
    this.running.set(e.id, e);
    e.givenAt = this.now();
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      const boundMs = await e.task.boundMs;
      if (e.done) return;
      const seconds = (ms: number) => Math.round(ms / 100) / 10;
      const timeOut = (how: string) => {
        this.log?.(
          `face pool: task ${e.id}${e.task.describe ? ` (${e.task.describe})` : ''} timed out (${how}); its thread is stopped and replaced`,
        );
        this.finish(
          e,
          false,
          new KinfinderError(
            'face_engine_timeout',
            `the face engine did not finish this photo within ${seconds(boundMs)} s`,
            { boundSeconds: seconds(boundMs) },
          ),
        );
        abort.abort();
      };
      const arm = (ms: number, expire: () => void) => {
        clearTimeout(timer);
        timer = setTimeout(expire, ms);
      };
      e.begun = (cpuMs) => {
        const begunAt = this.now();
        const cpuAtStart = cpuMs?.();
        const expire = () => {
          const wall = this.now() - begunAt;
          const now = cpuAtStart === undefined ? undefined : cpuMs?.();
          const used = now === undefined ? undefined : now - cpuAtStart!;
          if (used === undefined) return timeOut(`${seconds(wall)} s on its thread`);
          if (used >= boundMs) return timeOut(`${seconds(used)} s of its thread's CPU in ${seconds(wall)} s`);
          if (wall >= boundMs * this.wallFactor)
            return timeOut(`${seconds(wall)} s on its thread, ${seconds(used)} s of CPU: waiting on nothing`);
          // Starved or nearly done: look again when the rest of its CPU time could have passed.
          arm(
            Math.max(Math.min(MIN_RECHECK_MS, boundMs / 4), Math.min(boundMs - used, boundMs * this.wallFactor - wall)),
            expire,
          );
        };
        arm(boundMs, expire);
      };
      arm(boundMs + this.startAllowanceMs, () =>
        timeOut(`not begun ${seconds(this.now() - e.givenAt!)} s after it was handed to a thread`),
      );
      const r = await e.task.run(e.id, abort.signal);
      this.count(e); // an answer means a thread ran it, whichever message came first
      this.finish(e, true, r);
    } catch (err) {
      this.count(e); // it reached a thread (which failed, or the pool closed under it)
      this.finish(e, false, err);
    } finally {
      clearTimeout(timer);
    }
  }

  private count(e: Entry | undefined): void {
    if (!e || e.counted || e.done) return;
    e.counted = true;
    this.counts.started++;
  }

  /** Settles once: a late answer from a thread that timed out is dropped. */
  private finish(e: Entry, ok: boolean, value: unknown): void {
    if (e.done) return;
    e.done = true;
    if (this.running.delete(e.id)) this.pump();
    if (ok) {
      this.counts.ok++;
      e.resolve(value);
    } else {
      if (value instanceof KinfinderError && value.code === 'face_engine_timeout') this.counts.timedOut++;
      else this.counts.failed++;
      e.reject(value);
    }
  }
}
