import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { KinfinderError } from '../errors.ts';

/**
 * Content-addressed storage for photo bytes, display derivatives and face crops. The key is
 * the SHA-256 of the bytes, so writing the same content twice is harmless and a retried job
 * rewrites exactly what a crashed attempt wrote.
 */
export interface BlobStore {
  put(bytes: Uint8Array): Promise<string>;
  get(sha256: string): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
  delete(sha256: string): Promise<void>;
  /** Every stored key (for consistency checks and garbage collection). */
  list(): AsyncGenerator<string>;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const KEY = /^[0-9a-f]{64}$/;

export class FsBlobStore implements BlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  private pathFor(key: string): string {
    if (!KEY.test(key)) throw new KinfinderError('invalid_input', 'not a blob key');
    return path.join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }

  async put(bytes: Uint8Array): Promise<string> {
    const key = sha256Hex(bytes);
    const target = this.pathFor(key);
    if (await this.has(key)) return key;
    await fs.mkdir(path.dirname(target), { recursive: true });
    // Temp file + fsync + rename: a reader never sees a half-written blob, even after a crash.
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await fs.open(tmp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, target);
    return key;
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.pathFor(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new KinfinderError('not_found', 'blob not found');
      throw err;
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await fs.access(this.pathFor(key));
      return true;
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathFor(key), { force: true });
  }

  async *list(): AsyncGenerator<string> {
    let level1: string[];
    try {
      level1 = (await fs.readdir(this.root)).sort();
    } catch {
      return;
    }
    for (const a of level1) {
      for (const b of (await fs.readdir(path.join(this.root, a)).catch(() => [] as string[])).sort()) {
        for (const name of (await fs.readdir(path.join(this.root, a, b)).catch(() => [] as string[])).sort()) {
          if (KEY.test(name)) yield name;
        }
      }
    }
  }
}
