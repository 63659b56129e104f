import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKinfinderError } from '../../src/errors.ts';
import { lfwImagePath } from '../../src/eval/pairs.ts';
import { createFacePool, type FacePool } from '../../src/face/index.ts';
import { taskBoundMs, type TaskBudget } from '../../src/face/task-budget.ts';

// Issue 32: no face-engine task may wait for ever. The real engine and weights on fixture photos;
// a thread is made to hang or die only by the pool's test hook (src/face/pool-test-hooks.ts),
// which acts on one input, named by its SHA-256, before the engine sees it.

const IMAGES = path.join(import.meta.dirname, '..', 'fixtures', 'lfw', 'images');
const limits = { maxPixels: 50e6, maxBytes: 20 * 1024 * 1024 };
const read = (name: string, n: number) => readFileSync(lfwImagePath(IMAGES, { name, n }));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
// The bound grows with the photo (task-budget.ts), which lets this test be quick and not flaky on
// a busy machine: the 40-px photo that hangs gets 3.1 s, the 120-px ordinary ones ≈ 16 s.
const BUDGET: TaskBudget = { floorMs: 1500, msPerMegapixel: 1_000_000, startupMs: 300_000, wallFactor: 10 };
const HANG_BOUND_MS = taskBoundMs(BUDGET, 40 * 40);

let photos: Buffer[]; // four ordinary photos, shrunk so a task costs little
let hangs: Buffer; // a thread spins on this one for ever (40 × 40 px)
let dies: Buffer; // a thread exits in the middle of this one
let pool: FacePool;
type Threads = FacePool & { threads: readonly Worker[] };

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (isKinfinderError(e) ? e.code : String(e)),
  );

beforeAll(async () => {
  const small = (b: Buffer) => sharp(b).resize(120).jpeg({ quality: 90 }).toBuffer();
  photos = await Promise.all(
    [read('Colin_Powell', 74), read('Laura_Bush', 4), read('Juanes', 1), read('Nadia_Petrova', 5)].map(small),
  );
  hangs = await sharp(read('Gary_Locke', 1)).resize(40, 40).jpeg().toBuffer();
  dies = await small(read('Juanes', 3));
  pool = await createFacePool({
    size: 2,
    limits,
    budget: BUDGET,
    testHooks: { misbehave: { [sha256(hangs)]: 'spin', [sha256(dies)]: 'exit' } },
  });
}, 180_000);
afterAll(async () => {
  await pool?.close();
});

describe('face pool: every task settles (issue 32)', () => {
  it('hands tasks to the threads first come, first served, however many wait', async () => {
    // piscina's own queue sent the next waiting task to its back each time a thread came free:
    // 12 equal tasks on two threads settled 0 1 4 2 6 8 10 3 7 11 9 5 (this test on the code
    // before issue 32). Equal tasks on two threads must settle about in the order asked (one
    // may pass another while a thread is slowed).
    const order: number[] = [];
    await Promise.all(Array.from({ length: 12 }, (_, i) => pool.analyse(photos[0]!).then(() => order.push(i))));
    order.forEach((task, place) =>
      expect(Math.abs(task - place), `task ${task} settled ${place}th: ${order.join(' ')}`).toBeLessThanOrEqual(2),
    );
  }, 120_000);

  it('a thread that hangs: its task fails with face_engine_timeout within its bound, the rest are done', async () => {
    const before = pool.stats();
    const t0 = performance.now();
    const hung = outcome(pool.analyse(hangs)).then((code) => ({ code, ms: performance.now() - t0 }));
    const others = photos.map((b) => outcome(pool.analyse(b)));
    // while it spins: it holds one thread, the others pass it on the other
    await new Promise((r) => setTimeout(r, HANG_BOUND_MS / 2));
    const during = pool.stats();
    expect(during.running).toBeGreaterThanOrEqual(1);
    expect(during.oldestRunningMs).toBeGreaterThanOrEqual(HANG_BOUND_MS / 2 - 200);
    const { code, ms } = await hung;
    expect(code).toBe('face_engine_timeout');
    // the bound is the spinning thread's CPU time: as much wall time when it has a core to itself,
    // more on a crowded machine, never more than wallFactor times
    expect(ms).toBeGreaterThanOrEqual(HANG_BOUND_MS);
    expect(ms).toBeLessThan(HANG_BOUND_MS * BUDGET.wallFactor);
    expect(await Promise.all(others)).toEqual(['ok', 'ok', 'ok', 'ok']);
    // the spinning thread was stopped and replaced, and the pool serves at full strength
    const again = await Promise.all(photos.map((b) => pool.analyse(b)));
    expect(again.every((a) => a.faces.length >= 1)).toBe(true);
    const after = pool.stats();
    expect(after.timedOut - before.timedOut).toBe(1);
    expect(after.ok - before.ok).toBe(8);
    expect(after.failed - before.failed).toBe(0);
    expect(after.threadsReplaced - before.threadsReplaced).toBe(1);
    expect((pool as Threads).threads).toHaveLength(2);
    expect([after.waiting, after.running, after.oldestMs]).toEqual([0, 0, null]);
  }, 120_000);

  it('a thread that dies mid-task fails that task (internal), and only that one', async () => {
    const before = pool.stats();
    const all = [photos[0]!, dies, photos[1]!, photos[2]!].map((b) => outcome(pool.analyse(b)));
    expect(await Promise.all(all)).toEqual(['ok', 'internal', 'ok', 'ok']);
    expect((await pool.analyse(photos[3]!)).faces.length).toBeGreaterThanOrEqual(1);
    const after = pool.stats();
    expect([after.ok - before.ok, after.failed - before.failed, after.timedOut - before.timedOut]).toEqual([4, 1, 0]);
    expect(after.threadsReplaced - before.threadsReplaced).toBe(1);
    expect(after.submitted - before.submitted).toBe(5);
  }, 120_000);

  it('counts every task: submitted = settled, each started on a thread', () => {
    const s = pool.stats();
    expect(s.ok + s.failed + s.timedOut).toBe(s.submitted);
    expect(s.started).toBe(s.submitted);
  });
});
