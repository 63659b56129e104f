import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { KinfinderError } from '../errors.ts';

/** One stored blob as a listing sees it. */
export interface BlobEntry {
  key: string;
  /** When the blob was last written (or re-put): garbage collection spares recent ones. */
  modified: Date;
}

/**
 * Content-addressed storage for photo bytes, display derivatives and face crops. The key is
 * the SHA-256 of the bytes, so writing the same content twice is harmless and a retried job
 * rewrites exactly what a crashed attempt wrote.
 *
 * Two implementations keep this contract (test/blob-store.test.ts runs both): FsBlobStore on a
 * local (or shared network) directory and S3BlobStore on any S3-compatible bucket. A store that
 * cannot be reached answers `store_unavailable`, which jobs retry and the API answers with 503.
 */
export interface BlobStore {
  /**
   * Stores the bytes and returns their key. Putting bytes that are already stored does not
   * copy them again, but leaves the blob's modified time at most a few minutes old (the file
   * store touches it; the S3 store rewrites a copy older than 5 minutes), so a blob that a new
   * row is about to reference is never old enough for garbage collection to take.
   */
  put(bytes: Uint8Array): Promise<string>;
  /** The whole blob; `not_found` if there is none. */
  get(key: string): Promise<Buffer>;
  /** The blob as a stream, for large photos; `not_found` (before any byte) if there is none. */
  stream(key: string): Promise<Readable>;
  has(key: string): Promise<boolean>;
  /** Size and modified time, or undefined when there is no such blob. */
  stat(key: string): Promise<{ size: number; modified: Date } | undefined>;
  /** Removes the blob; removing one that is not there is not an error. */
  delete(key: string): Promise<void>;
  /** Every stored blob, in key order (for consistency checks and garbage collection). */
  list(): AsyncGenerator<BlobEntry>;
  /** Releases connections; the store is not used afterwards. */
  close(): void;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export const BLOB_KEY = /^[0-9a-f]{64}$/;

/** Refuses anything that is not a SHA-256 key before it reaches a path or an object name. */
export function checkKey(key: string): string {
  if (!BLOB_KEY.test(key)) throw new KinfinderError('invalid_input', 'not a blob key');
  return key;
}

/** `ab/cd/abcd…`: two levels of 256 folders keep any one directory (or listing page) small. */
export function shardedName(key: string): string {
  return `${key.slice(0, 2)}/${key.slice(2, 4)}/${key}`;
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

export class FsBlobStore implements BlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  private pathFor(key: string): string {
    return path.join(this.root, ...shardedName(checkKey(key)).split('/'));
  }

  async put(bytes: Uint8Array): Promise<string> {
    const key = sha256Hex(bytes);
    const target = this.pathFor(key);
    try {
      const now = new Date();
      await fs.utimes(target, now, now);
      return key;
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
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
      if (isMissing(err)) throw new KinfinderError('not_found', 'blob not found');
      throw err;
    }
  }

  async stream(key: string): Promise<Readable> {
    // Opened here, not lazily by the stream, so a missing blob is an error before any byte.
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.pathFor(key), 'r');
    } catch (err) {
      if (isMissing(err)) throw new KinfinderError('not_found', 'blob not found');
      throw err;
    }
    return handle.createReadStream({ autoClose: true });
  }

  async has(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  async stat(key: string): Promise<{ size: number; modified: Date } | undefined> {
    try {
      const s = await fs.stat(this.pathFor(key));
      return { size: s.size, modified: s.mtime };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathFor(key), { force: true });
  }

  async *list(): AsyncGenerator<BlobEntry> {
    let level1: string[];
    try {
      level1 = (await fs.readdir(this.root)).sort();
    } catch {
      return;
    }
    for (const a of level1) {
      for (const b of (await fs.readdir(path.join(this.root, a)).catch(() => [] as string[])).sort()) {
        for (const name of (await fs.readdir(path.join(this.root, a, b)).catch(() => [] as string[])).sort()) {
          if (!BLOB_KEY.test(name) || name.slice(0, 2) !== a || name.slice(2, 4) !== b) continue;
          // Deleted between readdir and stat (a concurrent collection): simply not listed.
          const s = await fs.stat(path.join(this.root, a, b, name)).catch(() => undefined);
          if (s) yield { key: name, modified: s.mtime };
        }
      }
    }
  }

  close(): void {
    // Nothing held open between calls.
  }
}
