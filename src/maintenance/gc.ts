import { authorize } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { recordAudit } from '../store/audit.ts';
import { referencedBlobKeys } from '../store/blob-refs.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Database } from '../store/database.ts';

export interface GcOptions {
  /** Report what would go, delete nothing. */
  dryRun: boolean;
  /**
   * Blobs written (or re-put) less than this long ago are never collected: a job or upload
   * writes its blobs before the transaction that references them commits, and must not find
   * them gone. Keep it well above the longest job (KINFINDER_JOB_TIMEOUT_SECONDS). Blob times
   * come from the store's clock and are compared with this machine's: the grace period also
   * absorbs a few minutes of difference between the two.
   */
  graceMs: number;
  now?: Date;
}

export interface GcReport {
  dryRun: boolean;
  graceSeconds: number;
  /** Blobs in the store. */
  scanned: number;
  /** Referenced by a row. */
  referenced: number;
  /** Unreferenced but newer than the grace period (kept). */
  recent: number;
  /** Unreferenced and old: deleted, or would be on a dry run. */
  unreferenced: number;
  deleted: number;
  /** Total size of the unreferenced blobs. */
  bytes: number;
}

/**
 * Deletes blobs that no row references and that are older than the grace period, then records
 * what it did in the audit log. The referenced keys are read before the listing, so a row
 * committed later references a blob written after the read, which is recent; and each blob's
 * time is read again just before it is deleted, so one that an upload re-put meanwhile (the
 * same bytes arriving again) survives.
 */
export async function collectGarbage(
  deps: { db: Database; blobs: BlobStore },
  caller: Caller,
  opts: GcOptions,
): Promise<GcReport> {
  authorize(caller, 'blobs.collect');
  const now = opts.now ?? new Date();
  const cutoff = now.getTime() - opts.graceMs;
  const referenced = await referencedBlobKeys(deps.db);
  const report: GcReport = {
    dryRun: opts.dryRun,
    graceSeconds: Math.round(opts.graceMs / 1000),
    scanned: 0,
    referenced: 0,
    recent: 0,
    unreferenced: 0,
    deleted: 0,
    bytes: 0,
  };
  const old: string[] = [];
  for await (const b of deps.blobs.list()) {
    report.scanned++;
    if (referenced.has(b.key)) report.referenced++;
    else if (b.modified.getTime() >= cutoff) report.recent++;
    else old.push(b.key);
  }
  for (const key of old) {
    const s = await deps.blobs.stat(key);
    if (!s) continue; // already gone (another collection)
    if (s.modified.getTime() >= cutoff) {
      report.recent++;
      continue;
    }
    report.unreferenced++;
    report.bytes += s.size;
    if (!opts.dryRun) {
      await deps.blobs.delete(key);
      report.deleted++;
    }
  }
  await recordAudit(deps.db, auditActor(caller), {
    action: opts.dryRun ? 'blobs.gc.dry_run' : 'blobs.gc',
    details: { ...report },
  });
  return report;
}
