import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KinfinderError } from '../../src/errors.ts';
import { lockDirectory } from '../../src/store/dir-lock.ts';

const LOCK_MODULE = path.join(import.meta.dirname, '..', '..', 'src', 'store', 'dir-lock.ts');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-lock-'));
let n = 0;
const freshDir = () => path.join(root, `d${++n}`);
const lockFile = (dir: string) => path.join(dir, 'kinfinder.lock');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function refusal(fn: () => unknown): KinfinderError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KinfinderError) return err;
    throw err;
  }
  throw new Error('expected the lock to be refused');
}

/** Another process that takes the lock on `dir` with lockDirectory, says so, then holds it. */
function lockInChild(dir: string, holdMs = 60_000): { child: ChildProcess; said: Promise<string> } {
  const code = `import { lockDirectory } from ${JSON.stringify(LOCK_MODULE)};
try { lockDirectory(${JSON.stringify(dir)}); console.log('locked'); setTimeout(() => {}, ${holdMs}); }
catch (err) { console.log(err.code); }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const said = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => resolve(out.trim() || `exit ${code}`));
    child.once('error', reject);
  });
  return { child, said };
}

/** What this process writes into a lock file it takes. */
function ownEntry(): { pid: number; boot: string; start: string } {
  const dir = freshDir();
  const lock = lockDirectory(dir);
  try {
    return JSON.parse(fs.readFileSync(lockFile(dir), 'utf8')) as { pid: number; boot: string; start: string };
  } finally {
    lock.release();
  }
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );

describe('lockDirectory', () => {
  it('refuses a second open in the same process, and frees the directory on release', () => {
    const dir = freshDir();
    const lock = lockDirectory(dir);
    const err = refusal(() => lockDirectory(dir));
    expect(err.code).toBe('store_locked');
    expect(err.message).toContain(`(pid ${process.pid})`);
    expect(err.message).toMatch(/DATABASE_URL/);
    lock.release();
    lock.release(); // twice is harmless
    expect(fs.existsSync(lockFile(dir))).toBe(false);
    lockDirectory(dir).release();
  });

  it('refuses while another process holds the lock, and takes over at once when that process is killed with SIGKILL', async () => {
    const dir = freshDir();
    const { child, said } = lockInChild(dir);
    expect(await said).toBe('locked');
    const err = refusal(() => lockDirectory(dir));
    expect(err.code).toBe('store_locked');
    expect(err.details).toEqual({ pid: child.pid });
    child.kill('SIGKILL');
    await exited(child);
    // no stale period to wait out: the owner is gone, so the lock is free now
    const lock = lockDirectory(dir);
    expect(JSON.parse(fs.readFileSync(lockFile(dir), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('takes over locks whose owner cannot be running: dead pid, reused pid, earlier boot, our own pid from an earlier process, garbage', () => {
    const me = ownEntry();
    expect(me.boot && me.start).toBeTruthy(); // Linux: the owner is named by boot and start time too
    const leftovers = [
      '4194999', // older bare-pid format; above Linux's default pid_max, so no live process has it
      JSON.stringify({ pid: 4194999, boot: me.boot, start: '1' }),
      JSON.stringify({ pid: process.ppid, boot: me.boot, start: '1' }), // a live pid, but another process started at that time
      JSON.stringify({ pid: process.ppid, boot: 'another-boot', start: me.start }),
      JSON.stringify({ pid: process.pid, boot: me.boot, start: String(Number(me.start) - 1) }), // container: kinfinder is pid 1 every time
      '{"pid": 12', // cut short by a crash while writing
      '',
    ];
    for (const text of leftovers) {
      const dir = freshDir();
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(lockFile(dir), text);
      const l = lockDirectory(dir);
      expect(JSON.parse(fs.readFileSync(lockFile(dir), 'utf8')), text).toEqual(me);
      l.release();
    }
  });

  it('still refuses a lock naming a live process with matching start time', () => {
    const dir = freshDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(lockFile(dir), JSON.stringify(ownEntry())); // as another thread of this process would have written it
    expect(refusal(() => lockDirectory(dir)).code).toBe('store_locked');
    expect(fs.existsSync(lockFile(dir))).toBe(true);
  });

  it('clears a takeover guard left by an opener killed mid-takeover', () => {
    const dir = freshDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(lockFile(dir), '4194999');
    const guard = `${lockFile(dir)}.takeover`;
    fs.writeFileSync(guard, '');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(guard, old, old);
    const lock = lockDirectory(dir);
    expect(fs.existsSync(guard)).toBe(false);
    lock.release();
  });

  it('lets exactly one of several processes racing for a stale lock have it', async () => {
    const dir = freshDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(lockFile(dir), '4194999');
    const racers = Array.from({ length: 4 }, () => lockInChild(dir, 5_000));
    const said = await Promise.all(racers.map((r) => r.said));
    expect(said.filter((s) => s === 'locked')).toHaveLength(1);
    expect(said.filter((s) => s === 'store_locked')).toHaveLength(3);
  }, 60_000);
});
