import { authorize } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Database } from '../store/database.ts';
import { blobsOnlyOfCases, casesDueForPurge, purgeCaseRows, type PurgeCandidate } from '../store/purge.ts';

export interface PurgeReport {
  dryRun: boolean;
  retentionDays: number;
  /** Cases deleted or closed before this time are purged. */
  cutoff: string;
  cases: Array<Omit<PurgeCandidate, 'since'> & { since: string }>;
  totals: { cases: number; referenceFaces: number; notes: number; familyTokens: number; subjects: number; blobs: number };
}

/**
 * Retention (KINFINDER_CASE_RETENTION_DAYS): cases deleted, or closed, longer ago than the
 * retention period lose their personal data (src/store/purge.ts says what goes and what stays).
 * A dry run reports exactly that and changes nothing. Each case is one transaction; the files
 * go after their rows, and only those nothing else refers to.
 */
export async function purgeExpiredCases(deps: { db: Database; blobs: BlobStore }, caller: Caller, opts: { retentionDays: number; dryRun: boolean; now?: Date }): Promise<PurgeReport> {
  authorize(caller, 'cases.purge');
  if (!Number.isInteger(opts.retentionDays) || opts.retentionDays < 1) throw new KinfinderError('invalid_input', 'the retention period must be a whole number of days, at least 1');
  const cutoff = new Date((opts.now ?? new Date()).getTime() - opts.retentionDays * 86_400_000);
  const due = await casesDueForPurge(deps.db, cutoff);
  const blobs = await blobsOnlyOfCases(deps.db, due.map((c) => c.id));
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
  if (!opts.dryRun) {
    for (const c of due) {
      await deps.db.transaction(async (tx) => {
        await purgeCaseRows(tx, c.id);
        await recordAudit(tx, auditActor(caller), { action: 'search.purge', subjectType: 'search', subjectId: c.id, details: { reason: c.reason, referenceFaces: c.referenceFaces, notes: c.notes, familyTokens: c.familyTokens } });
      });
    }
    for (const k of blobs) await deps.blobs.delete(k);
  }
  await recordAudit(deps.db, auditActor(caller), { action: opts.dryRun ? 'cases.purge.dry_run' : 'cases.purge', details: { retentionDays: opts.retentionDays, ...report.totals } });
  return report;
}
