import { createHash } from 'node:crypto';

/**
 * TEST ONLY (issue 32): make a pool worker thread misbehave on one named input, so tests can show
 * that a thread which hangs or dies takes only its own task with it, as a failure within its
 * bound. The engine itself is not changed: the thread stops before the engine sees the input.
 * `spin` keeps the thread busy for ever (what a stuck engine looks like: full CPU, no answer);
 * `exit` ends the thread mid-task (a crash).
 */
export type Misbehaviour = 'spin' | 'exit';
export interface PoolTestHooks {
  /** By the SHA-256 (hex) of the task's input: a photo's bytes, or a decoded image's pixels. */
  misbehave: Record<string, Misbehaviour>;
}

/** The environment variable a pool worker reads for hooks: `sha256[:spin|:exit],…` (default spin). */
export const TEST_HOOK_VARIABLE = 'KINFINDER_TEST_FACE_HANG';

/** Hooks from `TEST_HOOK_VARIABLE`'s value; a malformed value throws, so a test cannot pass by mistake. */
export function parseTestHooks(value: string | undefined): PoolTestHooks | undefined {
  if (!value) return undefined;
  const misbehave: Record<string, Misbehaviour> = {};
  for (const item of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([0-9a-f]{64})(?::(spin|exit))?$/i.exec(item);
    if (!m) throw new Error(`${TEST_HOOK_VARIABLE}: expected sha256[:spin|:exit], got "${item}"`);
    misbehave[m[1]!.toLowerCase()] = (m[2] ?? 'spin') as Misbehaviour;
  }
  return { misbehave };
}

export function mergeTestHooks(...all: Array<PoolTestHooks | undefined>): PoolTestHooks | undefined {
  const present = all.filter((h): h is PoolTestHooks => h !== undefined);
  return present.length === 0
    ? undefined
    : { misbehave: Object.assign({}, ...present.map((h) => h.misbehave)) as Record<string, Misbehaviour> };
}

/** Misbehaves as the hooks say for `input`; returns at once when none names it. */
export function applyTestHooks(hooks: PoolTestHooks | undefined, input: ArrayBuffer): void {
  if (!hooks) return;
  const how = hooks.misbehave[createHash('sha256').update(new Uint8Array(input)).digest('hex')];
  if (how === 'exit') process.exit(70);
  if (how === 'spin')
    for (;;) {
      /* busy for ever: only terminating the thread ends it */
    }
}
