import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { authorize } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import { BLOB_KEY, sha256Hex, type BlobStore } from '../store/blobs.ts';
import type { Database } from '../store/database.ts';
import { schemaVersion } from '../store/migrate.ts';

/**
 * One file holds everything an embedded installation needs to come back: the database (PGlite's
 * own data-directory tarball) and every stored photo, crop and display copy. A tar archive:
 *
 *   kinfinder-backup.json   what this is, when, which schema, how many blobs (read first)
 *   database.tar.gz         PGlite's dumpDataDir, restored with loadDataDir
 *   blobs/<sha256>          each blob's bytes; the name is its hash, checked on restore
 *
 * Consistency: the database is taken in one step between two queries (PGlite runs one at a
 * time), then the blobs. Blobs are written before the rows that name them and are never
 * changed, so every blob the snapshot refers to exists when it is copied — unless garbage
 * collection removes it in between, which it does only to blobs no row has referred to for its
 * grace period (an hour by default), far longer than a backup's blob pass.
 */
export const BACKUP_FORMAT = 'kinfinder-backup';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: 1;
  createdAt: string;
  database: 'pglite';
  schemaVersion: number;
  blobs: number;
  blobBytes: number;
}

export interface BackupDeps {
  db: Database;
  blobs: BlobStore;
}

export interface PendingBackup {
  /** Writes the archive to `out` (a file, an HTTP response) and records who took it. */
  write(out: Writable): Promise<BackupManifest>;
}

/**
 * Takes the snapshot and lists the blobs; everything that can refuse (the caller, a PostgreSQL
 * installation) refuses here, before a byte is written, so a route can still answer an error.
 */
export async function startBackup(deps: BackupDeps, caller: Caller): Promise<PendingBackup> {
  authorize(caller, 'backup.create');
  if (!deps.db.snapshot) {
    throw new KinfinderError(
      'invalid_input',
      'kinfinder backup covers the embedded database; on PostgreSQL use pg_dump and copy the blob store (README, "Backups")',
    );
  }
  const snapshot = await deps.db.snapshot();
  const version = await schemaVersion(deps.db);
  const keys: string[] = [];
  for await (const entry of deps.blobs.list()) keys.push(entry.key);
  return { write: (out) => writeArchive(deps, caller, { snapshot, version, keys }, out) };
}

/** startBackup and write in one: the command line's way. */
export async function writeBackup(deps: BackupDeps, caller: Caller, out: Writable): Promise<BackupManifest> {
  return (await startBackup(deps, caller)).write(out);
}

async function writeArchive(
  deps: BackupDeps,
  caller: Caller,
  taken: { snapshot: Uint8Array; version: number; keys: string[] },
  out: Writable,
): Promise<BackupManifest> {
  const { snapshot, version, keys } = taken;
  const pack = tar.pack();
  const written = pipeline(pack, out);
  const add = async (name: string, bytes: Uint8Array) => {
    const entry = pack.entry({ name, size: bytes.length, mode: 0o600 });
    entry.end(bytes);
    await once(entry, 'finish');
  };
  let blobBytes = 0;
  let count = 0;
  const manifest = (): BackupManifest => ({
    format: BACKUP_FORMAT,
    version: 1,
    createdAt: new Date().toISOString(),
    database: 'pglite',
    schemaVersion: version,
    blobs: count,
    blobBytes,
  });
  try {
    // The manifest goes first so a restore can refuse a wrong file before reading gigabytes; its
    // counts are what was listed, and the restore checks every blob's hash, not the count.
    count = keys.length;
    await add('kinfinder-backup.json', Buffer.from(JSON.stringify(manifest())));
    await add('database.tar.gz', snapshot);
    count = 0;
    for (const key of keys) {
      let bytes: Buffer;
      try {
        bytes = await deps.blobs.get(key);
      } catch (err) {
        // Collected since it was listed: no row refers to it, so the backup needs it no more.
        if (err instanceof KinfinderError && err.code === 'not_found') continue;
        throw err;
      }
      await add(`blobs/${key}`, bytes);
      blobBytes += bytes.length;
      count++;
    }
    pack.finalize();
    await written;
  } catch (err) {
    pack.destroy(err as Error);
    await written.catch(() => undefined);
    throw err;
  }
  const result = manifest();
  await recordAudit(deps.db, auditActor(caller), {
    action: 'backup.created',
    details: {
      schemaVersion: result.schemaVersion,
      blobs: result.blobs,
      blobBytes: result.blobBytes,
      databaseBytes: snapshot.length,
    },
  });
  return result;
}

export interface RestoredBackup {
  manifest: BackupManifest;
  database: Uint8Array;
  blobs: number;
}

/**
 * Reads an archive made by writeBackup: puts every blob into `blobs` (checking that its bytes
 * hash to its name) and returns the database snapshot for the caller to load into an empty data
 * directory. Anything unexpected — another file, a bad hash, no database — refuses the archive.
 */
export async function readBackup(input: NodeJS.ReadableStream, blobs: BlobStore): Promise<RestoredBackup> {
  const extract = tar.extract();
  let manifest: BackupManifest | undefined;
  let database: Uint8Array | undefined;
  let restored = 0;
  const bad = (message: string) =>
    new KinfinderError('invalid_input', `not a kinfinder backup, or a damaged one: ${message}`);
  const reading = pipeline(input, extract).catch((err: unknown) => {
    throw err instanceof KinfinderError ? err : bad((err as Error).message);
  });
  try {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      const name = entry.header.name;
      if (!manifest) {
        if (name !== 'kinfinder-backup.json') throw bad('it does not start with kinfinder-backup.json');
        const parsed = JSON.parse(bytes.toString('utf8')) as Partial<BackupManifest>;
        if (parsed.format !== BACKUP_FORMAT || parsed.version !== 1 || parsed.database !== 'pglite')
          throw bad('unknown format');
        manifest = parsed as BackupManifest;
      } else if (name === 'database.tar.gz') {
        database = bytes;
      } else if (name.startsWith('blobs/') && BLOB_KEY.test(name.slice('blobs/'.length))) {
        const key = name.slice('blobs/'.length);
        if (sha256Hex(bytes) !== key) throw bad(`${name} does not match its hash`);
        await blobs.put(bytes);
        restored++;
      } else {
        throw bad(`unexpected entry ${JSON.stringify(name)}`);
      }
    }
    await reading;
  } catch (err) {
    extract.destroy();
    await reading.catch(() => undefined);
    if (err instanceof KinfinderError) throw err;
    throw bad((err as Error).message);
  }
  if (!manifest || !database) throw bad('it holds no database');
  return { manifest, database, blobs: restored };
}
