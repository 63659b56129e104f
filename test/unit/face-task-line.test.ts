import { describe, expect, it } from 'vitest';
import { isKinfinderError } from '../../src/errors.ts';
import { TaskLine } from '../../src/face/task-line.ts';

// Pure scheduling logic of the face pool's line (issue 32): runners here are promises the test
// settles by hand, no threads and no engine (face-pool-timeout.test.ts has those).

function gate<T>() {
  let open!: (v: T) => void;
  const p = new Promise<T>((r) => {
    open = r;
  });
  return { p, open };
}
const tick = () => new Promise((r) => setTimeout(r, 0));
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (isKinfinderError(e) ? e.code : 'other'),
  );

describe('TaskLine', () => {
  it('gives threads their tasks first come, first served, at most `slots` at once', async () => {
    const line = new TaskLine(2, 1000);
    const begun: number[] = [];
    const gates = Array.from({ length: 6 }, () => gate<string>());
    const all = gates.map((g, i) =>
      line.submit({
        boundMs: 10_000,
        run: () => {
          begun.push(i);
          return g.p;
        },
      }),
    );
    await tick();
    expect(begun).toEqual([0, 1]);
    expect(line.stats()).toMatchObject({ waiting: 4, running: 2, submitted: 6 });
    gates[1]!.open('b');
    await tick();
    expect(begun).toEqual([0, 1, 2]);
    for (const g of gates) g.open('x');
    await Promise.all(all);
    expect(begun).toEqual([0, 1, 2, 3, 4, 5]);
    expect(line.stats()).toMatchObject({ waiting: 0, running: 0, ok: 6, oldestMs: null });
  });

  it('fails a task past its bound with face_engine_timeout, aborts its runner and frees its slot', async () => {
    const logged: string[] = [];
    const line = new TaskLine(1, 0, (l) => logged.push(l));
    let aborted = false;
    const stuck = line.submit({
      boundMs: 30,
      describe: '40×40 px',
      run: (id, signal) => {
        line.started(id);
        signal.addEventListener('abort', () => {
          aborted = true;
        });
        return new Promise<never>(() => undefined); // never answers
      },
    });
    const next = line.submit({ boundMs: 1000, run: async () => 'done' });
    expect(await codeOf(stuck)).toBe('face_engine_timeout');
    expect(aborted).toBe(true);
    expect(await next).toBe('done');
    // the second never reported its start, but its answer shows a thread ran it
    expect(line.stats()).toMatchObject({ timedOut: 1, ok: 1, failed: 0, started: 2, running: 0 });
    expect(logged.join('\n')).toMatch(/task 1 \(40×40 px\) timed out/);
  });

  it("counts the bound in the thread's CPU time when it can: a starved thread is not a stuck one", async () => {
    const line = new TaskLine(2, 0, undefined, 4);
    let cpu = 0; // this thread gets a quarter of a core: 10 ms of CPU every 40 ms
    const clock = setInterval(() => {
      cpu += 10;
    }, 40);
    try {
      const answer = gate<string>();
      const starved = line.submit({
        boundMs: 60,
        run: (id) => {
          line.started(id, () => cpu);
          return answer.p;
        },
      });
      setTimeout(() => answer.open('finished'), 150); // 150 ms of wall, ≈ 40 ms of CPU: within 60
      expect(await starved).toBe('finished');
      // spinning: CPU as fast as the wall clock, so the bound passes at about the bound
      const t0 = performance.now();
      const spinning = line.submit({
        boundMs: 60,
        run: (id) => {
          const t = performance.now();
          line.started(id, () => performance.now() - t);
          return new Promise<never>(() => undefined);
        },
      });
      expect(await codeOf(spinning)).toBe('face_engine_timeout');
      expect(performance.now() - t0).toBeLessThan(60 * 4);
      // using no CPU at all (waiting on nothing): stopped at wallFactor × the bound
      const t1 = performance.now();
      const idle = line.submit({
        boundMs: 60,
        run: (id) => {
          line.started(id, () => 0);
          return new Promise<never>(() => undefined);
        },
      });
      expect(await codeOf(idle)).toBe('face_engine_timeout');
      expect(performance.now() - t1).toBeGreaterThanOrEqual(60 * 4 - 5);
    } finally {
      clearInterval(clock);
    }
  });

  it('counts the bound from when the thread begins, allowing a replaced thread its start', async () => {
    const line = new TaskLine(1, 200);
    const answer = gate<string>();
    let id = 0;
    const t = line.submit({
      boundMs: 100,
      run: (i) => {
        id = i;
        return answer.p;
      },
    });
    await new Promise((r) => setTimeout(r, 150)); // not begun yet: 150 ms < 100 + 200
    line.started(id);
    await new Promise((r) => setTimeout(r, 60)); // begun 60 ms ago: within its 100
    answer.open('in time');
    expect(await t).toBe('in time');
  });

  it('on close, rejects what waits and refuses new tasks', async () => {
    const line = new TaskLine(1, 0);
    const running = gate<string>();
    const first = line.submit({ boundMs: 1000, run: () => running.p });
    const queued = codeOf(line.submit({ boundMs: 1000, run: async () => 'never' }));
    line.close(() => new Error('closed'));
    expect(await queued).toBe('other');
    expect(await codeOf(line.submit({ boundMs: 1000, run: async () => 'late' }))).toBe('other');
    running.open('finished');
    expect(await first).toBe('finished');
  });
});
