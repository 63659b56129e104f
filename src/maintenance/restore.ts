import fs from 'node:fs';
import path from 'node:path';
import { KinfinderError } from '../errors.ts';
import { countAuditEvents } from '../store/audit.ts';
import type { BlobStore } from '../store/blobs.ts';
import { schemaVersion } from '../store/migrate.ts';
import { openPglite } from '../store/pglite.ts';
import { readBackup, type BackupManifest } from './backup.ts';

export interface RestoreResult {
  manifest: BackupManifest;
  blobs: number;
  auditEvents: number;
}

function holdsAnything(dir: string): boolean {
  try {
    return fs.readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

/**
 * `kinfinder restore FILE`: an archive of `kinfinder backup` into an empty data directory.
 * Never over anything: a restore that replaced a live database by an older one would lose every
 * case and decision since. The database is built beside its final place and moved there only
 * once it opened and answered, so a failed restore leaves no half a database behind (blobs
 * written by then are content-addressed and harmless; `kinfinder gc` removes them).
 */
export async function restoreEmbedded(
  input: NodeJS.ReadableStream,
  opts: { dataDir: string; blobs: BlobStore },
): Promise<RestoreResult> {
  const dbDir = path.join(opts.dataDir, 'db');
  if (holdsAnything(dbDir)) {
    throw new KinfinderError(
      'conflict',
      `${dbDir} already holds a database: restore into an empty data directory (set KINFINDER_DATA_DIR to a new folder)`,
    );
  }
  for await (const _ of opts.blobs.list()) {
    throw new KinfinderError(
      'conflict',
      'the blob store already holds files: restore into an empty data directory and an empty blob store',
    );
  }
  const staging = `${dbDir}.restoring-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    const backup = await readBackup(input, opts.blobs);
    const db = await openPglite({ dataDir: staging, loadDataDir: backup.database });
    let auditEvents: number;
    try {
      const version = await schemaVersion(db);
      if (version !== backup.manifest.schemaVersion) {
        throw new KinfinderError(
          'invalid_input',
          `the archive says schema ${backup.manifest.schemaVersion} but its database is at ${version}: a damaged backup`,
        );
      }
      auditEvents = await countAuditEvents(db);
    } finally {
      await db.close();
    }
    fs.mkdirSync(path.dirname(dbDir), { recursive: true });
    fs.rmSync(dbDir, { recursive: true, force: true }); // an empty folder, checked above
    fs.renameSync(staging, dbDir);
    return { manifest: backup.manifest, blobs: backup.blobs, auditEvents };
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}
