import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KinfinderError } from '../errors.ts';

/**
 * PGlite is one process's database: a second process writing the same directory corrupts it.
 * A lock file naming the owner process keeps a second opener out; a lock left by a process that
 * died (kill -9, power loss) is recognised at once, by its owner no longer running, and taken over.
 *
 * Why not a heartbeat lock (proper-lockfile and the like): those call a lock stale when its
 * mtime has not been refreshed for a while, and PGlite runs queries on the event loop, blocking
 * it for as long as a query takes (seconds for a big index build), so the refresh would lapse
 * under a live owner and a second process would be let in. A stale threshold long enough to be
 * safe would lock people out for that long after a kill -9. Asking the OS whether the owner still
 * runs has neither problem; it needs the owner on this machine, which an embedded database is.
 *
 * The owner is named by pid plus, on Linux, the boot and the process's start time, so a pid that
 * was reused (after a reboot, or in a container where kinfinder is always pid 1) does not pass for
 * the owner. Processes in another pid namespace (another container on the same volume) cannot be
 * seen: share an embedded database directory with no one; use PostgreSQL for that.
 */
export interface DirLock {
  release(): void;
}

interface Owner {
  pid: number;
  boot?: string;
  start?: string;
}

/** Lock files this thread holds, for telling "ours" from "an earlier process's" where /proc is missing. */
const heldHere = new Set<string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOr(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

const bootId = (): string | undefined => readOr('/proc/sys/kernel/random/boot_id');

/** Start time of a process in clock ticks since boot (Linux /proc), field 22 of its stat line. */
function startTime(pid: number): string | undefined {
  const stat = readOr(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function me(): Owner {
  const boot = bootId(),
    start = startTime(process.pid);
  return { pid: process.pid, ...(boot ? { boot } : {}), ...(start ? { start } : {}) };
}

/** The owner a lock file names: JSON, or a bare pid as older versions wrote. */
function parseOwner(text: string): Owner {
  if (/^\d+$/.test(text)) return { pid: Number(text) };
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    return {
      pid: typeof o.pid === 'number' ? o.pid : NaN,
      ...(typeof o.boot === 'string' ? { boot: o.boot } : {}),
      ...(typeof o.start === 'string' ? { start: o.start } : {}),
    };
  } catch {
    return { pid: NaN }; // unreadable (a crash while writing it): nobody holds it
  }
}

function ownerRuns(o: Owner, file: string): boolean {
  if (!Number.isInteger(o.pid) || o.pid <= 0) return false;
  const boot = bootId();
  if (o.boot && boot && o.boot !== boot) return false; // written before a reboot
  if (o.pid === process.pid) {
    // This process (any of its threads), or an earlier one that had the same pid.
    const start = startTime(process.pid);
    return o.start && start ? o.start === start : heldHere.has(file);
  }
  if (!pidAlive(o.pid)) return false;
  if (o.start) {
    const start = startTime(o.pid);
    if (start && start !== o.start) return false; // the pid now belongs to another process
  }
  return true;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Removes the lock file if it still holds `judged` (the text found stale). A guard file makes
 * check-and-remove one step among openers: without it, two openers that both found the same
 * stale lock could each remove it, the second removing the lock the first had just made.
 * Returns false when another opener holds the guard (try again shortly).
 */
function removeIfStill(file: string, judged: string): boolean {
  const guard = `${file}.takeover`;
  let fd: number;
  try {
    fd = fs.openSync(guard, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A takeover takes milliseconds: a guard this old was left by a process killed during one.
    try {
      if (Date.now() - fs.statSync(guard).mtimeMs > 10_000) fs.rmSync(guard, { force: true });
    } catch {
      // gone meanwhile
    }
    return false;
  }
  try {
    fs.closeSync(fd);
    if (readOr(file) === judged) fs.rmSync(file, { force: true });
    return true;
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

/**
 * Creates the lock file holding `text`, or returns false when it exists. The file appears whole:
 * written under a name of its own, then hard-linked to the lock's name (link fails if that name
 * exists, as `open(wx)` does). Created empty and written after, as before, another opener could
 * read it in between, judge an empty file a crash's leftover, remove it and take the lock too:
 * two processes on one database (seen in CI: two of four racers locked).
 */
function createLockFile(file: string, text: string): boolean {
  const tmp = `${file}.${randomUUID()}.tmp`;
  fs.writeFileSync(tmp, text, { flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A filesystem without hard links: create-then-write, with the window above.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS')
      return createInPlace(file, text);
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function createInPlace(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

export function lockDirectory(dir: string): DirLock {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.resolve(dir, 'kinfinder.lock');
  const mine = JSON.stringify(me());
  for (let attempt = 0; attempt < 100; attempt++) {
    if (createLockFile(file, mine)) {
      heldHere.add(file);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          heldHere.delete(file);
          if (readOr(file) === mine) fs.rmSync(file, { force: true });
        },
      };
    }
    const text = readOr(file);
    if (text === undefined) continue; // released meanwhile: try again
    const owner = parseOwner(text);
    if (ownerRuns(owner, file)) {
      throw new KinfinderError(
        'store_locked',
        `the embedded database in ${dir} is in use by another kinfinder process or connection (pid ${owner.pid}); ` +
          'stop it first, or set DATABASE_URL to use a PostgreSQL server that several processes can share',
        { pid: owner.pid },
      );
    }
    if (!removeIfStill(file, text)) sleepSync(20);
  }
  throw new KinfinderError('store_locked', `could not lock the embedded database in ${dir}`);
}
