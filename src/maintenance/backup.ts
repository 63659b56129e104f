import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { authorize } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import type { BlobStore } from '../store/blobs.ts';
import { FsBlobStore } from '../store/blobs.ts';
import type { Database } from '../store/database.ts';
import { schemaVersion } from '../store/migrate.ts';
import { restorePglite } from '../store/pglite.ts';

/**
 * `kinfinder backup FILE` / `restore FILE` for the embedded installation: one tar holding
 *   kinfinder-backup.json  what it is (format, time, schema version, counts)
 *   db.tar.gz              PGlite's data directory (dumpDataDir: taken between transactions)
 *   blobs/<sha256>         every stored file: photos, display copies, crops, families' photos
 * The database is copied first, then the files: a file is always written before the row that
 * names it, so every file a copied row names is already there (a file deleted in between, by a
 * withdrawal or purge running at that very moment, is the only gap; the check at restore says so).
 * PostgreSQL installations use pg_dump and copy the blob store (README, "Backups").
 */

export const BACKUP_FORMAT = 'kinfinder-backup/1';

export interface BackupInfo {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  schemaVersion: number | null;
  blobs: number;
  bytes: number;
}

/** Streams a backup of the running installation into `out` (a file, an HTTP answer). */
export async function writeBackup(deps: { db: Database; blobs: BlobStore }, caller: Caller, out: NodeJS.WritableStream): Promise<BackupInfo> {
  authorize(caller, 'backup.create');
  if (!deps.db.dumpDataDir) {
    throw new KinfinderError('invalid_config', 'kinfinder backup copies the embedded database; on PostgreSQL use pg_dump and copy the blob store (README, "Backups")');
  }
  const dump = Buffer.from(await (await deps.db.dumpDataDir()).arrayBuffer());
  const keys: string[] = [];
  for await (const b of deps.blobs.list()) keys.push(b.key);
  keys.sort();
  const pack = tar.pack();
  const done = pipeline(pack as unknown as Readable, out);
  let bytes = dump.length;
  const entry = (name: string, data: Buffer) =>
    new Promise<void>((resolve, reject) => pack.entry({ name, size: data.length, mtime: new Date() }, data, (err) => (err ? reject(err) : resolve())));
  await entry('db.tar.gz', dump);
  let copied = 0;
  for (const key of keys) {
    let data: Buffer;
    try {
      data = Buffer.from(await deps.blobs.get(key));
    } catch (err) {
      // Deleted since the listing (nothing referred to it any more, or a collection ran).
      if (err instanceof KinfinderError && err.code === 'not_found') continue;
      throw err;
    }
    await entry(`blobs/${key}`, data);
    bytes += data.length;
    copied++;
  }
  const info: BackupInfo = { format: BACKUP_FORMAT, createdAt: new Date().toISOString(), schemaVersion: await schemaVersion(deps.db), blobs: copied, bytes };
  await entry('kinfinder-backup.json', Buffer.from(JSON.stringify(info)));
  pack.finalize();
  await done;
  await recordAudit(deps.db, auditActor(caller), { action: 'backup.create', details: { blobs: copied, bytes } });
  return info;
}

/**
 * Restores a backup into an empty data directory: the database into `<dataDir>/db`, the files
 * into `<dataDir>/blobs` (each checked against its name, the SHA-256 of its bytes). Refuses a
 * directory that already holds a database or files: a restore never mixes two installations.
 */
export async function restoreBackup(caller: Caller, file: string, dataDir: string): Promise<BackupInfo> {
  authorize(caller, 'backup.restore');
  const dbDir = path.join(dataDir, 'db');
  const blobDir = path.join(dataDir, 'blobs');
  for (const d of [dbDir, blobDir]) {
    if (fs.existsSync(d) && fs.readdirSync(d).length > 0) throw new KinfinderError('conflict', `${d} is not empty: restore into an empty data directory`);
  }
  const blobs = new FsBlobStore(blobDir);
  let dump: Buffer | undefined;
  let info: BackupInfo | undefined;
  let count = 0;
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('error', next);
    stream.on('end', () => {
      const data = Buffer.concat(chunks);
      void (async () => {
        if (header.name === 'db.tar.gz') dump = data;
        else if (header.name === 'kinfinder-backup.json') info = JSON.parse(data.toString('utf8')) as BackupInfo;
        else if (header.name.startsWith('blobs/')) {
          const key = header.name.slice('blobs/'.length);
          if (createHash('sha256').update(data).digest('hex') !== key) throw new KinfinderError('invalid_input', `the backup is damaged: ${header.name} does not match its content`);
          await blobs.put(data);
          count++;
        }
      })().then(() => next(), next);
    });
  });
  try {
    await pipeline(fs.createReadStream(file), extract);
  } catch (err) {
    if (err instanceof KinfinderError) throw err;
    throw new KinfinderError('invalid_input', 'not a kinfinder backup (not a readable tar archive)', undefined, { cause: err });
  } finally {
    blobs.close();
  }
  if (!info || info.format !== BACKUP_FORMAT || !dump) throw new KinfinderError('invalid_input', 'not a kinfinder backup (its description or database is missing)');
  if (count !== info.blobs) throw new KinfinderError('invalid_input', `the backup is incomplete: ${count} of ${info.blobs} files`);
  await restorePglite(dbDir, new Blob([new Uint8Array(dump)]));
  return info;
}
