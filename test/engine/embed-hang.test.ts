import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lfwImagePath } from '../../src/eval/pairs.ts';
import { childEnv, runCli } from '../support/cli.ts';

// Issue 32: `kinfinder embed` over a folder in which one photo makes the engine hang. The real
// command, engine and fixture photos; the hang is the pool worker's test hook
// (KINFINDER_TEST_FACE_HANG, src/face/pool-test-hooks.ts), which spins that photo's thread for
// ever before the engine sees it. The run must finish, report that photo, and do the others.

const IMAGES = path.join(import.meta.dirname, '..', 'fixtures', 'lfw', 'images');
// Each photo's bound's floor, in its thread's CPU time: short so the test is quick, long enough
// for an ordinary photo (≈ 1 s of CPU; the first on a fresh thread costs a few times that).
const FLOOR_SECONDS = 8;

let dir: string;
let files: string[];
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kf-embed-hang-'));
  const pick = [
    ['Gary_Locke', 1],
    ['Juanes', 3],
    ['Laura_Bush', 4],
  ] as const;
  files = [];
  for (const [name, n] of pick) {
    const to = path.join(dir, `${name}.jpg`);
    await copyFile(lfwImagePath(IMAGES, { name, n }), to);
    files.push(to);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kinfinder embed with a photo that hangs the engine', () => {
  it('finishes: the others are printed as they are done, that photo gets a face_engine_timeout line', async () => {
    const hanging = files[0]!; // first in the input: in-order printing would have held every line
    const sha = createHash('sha256')
      .update(await readFile(hanging))
      .digest('hex');
    const t0 = performance.now();
    const r = await runCli(
      ['embed', ...files, '--json', '--concurrency', '2'],
      childEnv({ KINFINDER_TEST_FACE_HANG: `${sha}:spin`, KINFINDER_FACE_TIMEOUT_SECONDS: String(FLOOR_SECONDS) }),
      { timeoutMs: 150_000 },
    );
    const seconds = (performance.now() - t0) / 1000;
    expect(r.code, r.stderr).toBe(0);
    const printed = r.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            file: string;
            index: number;
            faces?: unknown[];
            error?: { code: string; message: string };
          },
      );
    expect(printed).toHaveLength(3);
    // printed as done: the other thread's photo came before the stuck one, first in the input
    expect(printed[0]!.index).not.toBe(0);
    const lines = [...printed].sort((p, q) => p.index - q.index);
    expect(lines.map((l) => l.file)).toEqual(files);
    expect(lines[0]).toMatchObject({ file: hanging, index: 0, error: { code: 'face_engine_timeout' } });
    expect(lines[0]!.error!.message).toMatch(/did not finish this photo within 8(\.\d)? s/);
    for (const l of lines.slice(1)) expect(l.faces?.length).toBeGreaterThanOrEqual(1);
    // stderr says what happened: the task, and the pool's accounting at the end
    expect(r.stderr).toMatch(
      /timed out \(\d+(\.\d)? s of its thread's CPU in \d+(\.\d)? s\); its thread is stopped and replaced/,
    );
    expect(r.stderr).toMatch(/face pool: submitted 5, started 5, settled 5 \(ok 4, failed 0, timed out 1\)/);
    expect(seconds).toBeLessThan(120);
  }, 180_000);
});
