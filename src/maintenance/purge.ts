import { authorize } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Database } from '../store/database.ts';
import {
  blobsOnlyOfCases,
  casesDueForPurge,
  markCasesForPurge,
  purgeCaseRows,
  type PurgeCandidate,
} from '../store/purge.ts';

export interface PurgeReport {
  dryRun: boolean;
  retentionDays: number;
  /** Cases deleted or closed before this time are purged. */
  cutoff: string;
  cases: Array<Omit<PurgeCandidate, 'since'> & { since: string }>;
  totals: {
    cases: number;
    referenceFaces: number;
    notes: number;
    familyTokens: number;
    subjects: number;
    blobs: number;
  };
}

/**
 * Retention (KINFINDER_CASE_RETENTION_DAYS): cases deleted, or closed, longer ago than the
 * retention period lose their personal data (src/store/purge.ts says what goes and what stays).
 * A dry run reports exactly that and changes nothing.
 *
 * The order makes a crash harmless (issue 28, finding 3): the cases are marked first, then their
 * files go (only those nothing else refers to), then each case's rows in one transaction with its
 * `search.purge` audit row. Killed anywhere, a case is either untouched or marked with its rows
 * still naming its files, so the next run (which takes every marked case, whatever its cutoff)
 * finds the same files, deletes what is left and only then says the case was purged. Rows going
 * first, as before, left files no row named and an audit saying they were gone.
 */
export async function purgeExpiredCases(
  deps: { db: Database; blobs: BlobStore },
  caller: Caller,
  opts: { retentionDays: number; dryRun: boolean; now?: Date },
): Promise<PurgeReport> {
  authorize(caller, 'cases.purge');
  if (!Number.isInteger(opts.retentionDays) || opts.retentionDays < 1)
    throw new KinfinderError('invalid_input', 'the retention period must be a whole number of days, at least 1');
  const cutoff = new Date((opts.now ?? new Date()).getTime() - opts.retentionDays * 86_400_000);
  const due = await casesDueForPurge(deps.db, cutoff);
  const blobs = await blobsOnlyOfCases(
    deps.db,
    due.map((c) => c.id),
  );
  const report: PurgeReport = {
    dryRun: opts.dryRun,
    retentionDays: opts.retentionDays,
    cutoff: cutoff.toISOString(),
    cases: due.map((c) => ({ ...c, since: new Date(c.since).toISOString() })),
    totals: {
      cases: due.length,
      referenceFaces: due.reduce((a, c) => a + c.referenceFaces, 0),
      notes: due.reduce((a, c) => a + c.notes, 0),
      familyTokens: due.reduce((a, c) => a + c.familyTokens, 0),
      subjects: due.filter((c) => c.subject).length,
      blobs: blobs.length,
    },
  };
  if (!opts.dryRun && due.length > 0) {
    await markCasesForPurge(
      deps.db,
      due.map((c) => c.id),
    );
    // What was begun, so a run that never reaches its end still left a true record of it.
    await recordAudit(deps.db, auditActor(caller), {
      action: 'cases.purge.started',
      details: { retentionDays: opts.retentionDays, cases: due.length, blobs: blobs.length },
    });
    for (const k of blobs) await deps.blobs.delete(k);
    for (const c of due) {
      await deps.db.transaction(async (tx) => {
        await purgeCaseRows(tx, c.id);
        await recordAudit(tx, auditActor(caller), {
          action: 'search.purge',
          subjectType: 'search',
          subjectId: c.id,
          details: { reason: c.reason, referenceFaces: c.referenceFaces, notes: c.notes, familyTokens: c.familyTokens },
        });
      });
    }
  }
  await recordAudit(deps.db, auditActor(caller), {
    action: opts.dryRun ? 'cases.purge.dry_run' : 'cases.purge',
    details: { retentionDays: opts.retentionDays, ...report.totals },
  });
  return report;
}
