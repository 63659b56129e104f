import fs from 'node:fs';
import path from 'node:path';
import { KinfinderError } from '../errors.ts';

/**
 * PGlite is one process's database: a second process writing the same directory corrupts it.
 * A lock file holding the owner's pid keeps a second opener out; a lock left by a process that
 * died (kill -9, power loss) is recognised by its dead pid and taken over.
 */
export interface DirLock {
  release(): void;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDirectory(dir: string): DirLock {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'kinfinder.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
          } catch {
            // already gone: nothing to release
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
      if (Number.isInteger(owner) && pidAlive(owner)) {
        throw new KinfinderError(
          'store_locked',
          `the embedded database in ${dir} is in use by another kinfinder process or connection (pid ${owner}); stop it first, or set DATABASE_URL to use a PostgreSQL server that several processes can share`,
          { pid: owner },
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new KinfinderError('store_locked', `could not lock the embedded database in ${dir}`);
}
