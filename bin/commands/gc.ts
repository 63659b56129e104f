import { parseArgs } from 'node:util';
import { collectGarbage } from '../../src/maintenance/gc.ts';
import { openBlobStore } from '../../src/store/blob-store.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openDatabase } from '../../src/store/open.ts';
import { EXIT, type CommandContext } from '../context.ts';

const USAGE = 'usage: kinfinder gc [--dry-run] [--grace-minutes 60] [--json]';

/** kinfinder gc: deletes stored photos, crops and derivatives that no row references any more. */
export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'dry-run': { type: 'boolean', default: false }, 'grace-minutes': { type: 'string', default: '60' }, json: { type: 'boolean', default: false } },
  });
  const graceMinutes = Number(values['grace-minutes']);
  // Shorter than a job may run, a blob written by a running job (its row not yet committed)
  // could be taken; shorter than 10 min, one re-put by an upload (put refreshes copies older
  // than 5 min) could be.
  const least = Math.max(10, Math.ceil(ctx.config.jobTimeoutSeconds / 60));
  if (!/^\d+(\.\d+)?$/.test(values['grace-minutes']) || graceMinutes < least) {
    ctx.stderr.write(`kinfinder gc: --grace-minutes must be a number ≥ ${least} (10, and the job timeout KINFINDER_JOB_TIMEOUT_SECONDS)\n${USAGE}\n`);
    return EXIT.usage;
  }
  const db = await openDatabase(ctx.config);
  try {
    await migrate(db);
    const blobs = await openBlobStore(ctx.config.blobs);
    try {
      const r = await collectGarbage({ db, blobs }, { dryRun: values['dry-run'], graceMs: graceMinutes * 60_000, actor: { id: null, role: 'cli' } });
      if (values.json) ctx.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        const what = r.dryRun ? `would delete ${r.unreferenced}` : `deleted ${r.deleted}`;
        ctx.stdout.write(
          `${r.scanned} blobs: ${r.referenced} in use, ${r.recent} unreferenced but newer than ${graceMinutes} min (kept); ${what} unreferenced (${(r.bytes / 1024 / 1024).toFixed(1)} MB)\n`,
        );
      }
      return EXIT.ok;
    } finally {
      blobs.close();
    }
  } finally {
    await db.close();
  }
}
