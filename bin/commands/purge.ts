import { CLI } from '../../src/access/principal.ts';
import { purgeExpiredCases } from '../../src/maintenance/purge.ts';
import { openBlobStore } from '../../src/store/blob-store.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openStore } from '../store.ts';
import { readCommandLine, runFailed, type CommandSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';

const PURGE = {
  name: 'purge',
  description:
    'Erases the personal data of cases deleted, or closed, more than KINFINDER_CASE_RETENTION_DAYS ago:\n' +
    "the families' reference photos, crops and embeddings, what they told us, the verifiers' notes and\n" +
    "the case codes. Kept: the case's id, status and dates, the decisions on archive photos and the\n" +
    'audit log (ids and counts only). Run it daily (cron or a timer); --dry-run lists what would go.',
  options: {
    'dry-run': { type: 'boolean', help: 'report what would be erased, erase nothing' },
    days: {
      type: 'string',
      value: 'N',
      help: 'retention period in days',
      defaultText: 'KINFINDER_CASE_RETENTION_DAYS',
    },
    json: { type: 'boolean', help: 'print the report as one JSON line' },
  },
  exits: {
    ok: 'purged (or, with --dry-run, listed)',
    failed: 'no retention period is set, or the database or blob store could not be used',
  },
} as const satisfies CommandSpec;

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readCommandLine(PURGE, args, ctx, (c) => ({ days: c.wholeNumber('days', { min: 1, max: 36500 }) }));
  if (cli.exit !== undefined) return cli.exit;
  const days = cli.days ?? ctx.config.caseRetentionDays;
  if (days === undefined)
    return runFailed(PURGE, ctx, 'no retention period: set KINFINDER_CASE_RETENTION_DAYS or give --days N');
  const db = await openStore(ctx.config);
  try {
    await migrate(db);
    const blobs = await openBlobStore(ctx.config.blobs);
    try {
      const r = await purgeExpiredCases({ db, blobs }, CLI, { retentionDays: days, dryRun: cli.values['dry-run'] });
      if (cli.values.json) ctx.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        const t = r.totals;
        ctx.stdout.write(
          `${r.dryRun ? 'would purge' : 'purged'} ${t.cases} cases deleted or closed before ${r.cutoff}: ${t.referenceFaces} reference faces, ` +
            `${t.subjects} subjects, ${t.notes} notes, ${t.familyTokens} case codes, ${t.blobs} files\n`,
        );
        for (const c of r.cases) ctx.stdout.write(`  case ${c.id} (${c.reason} ${c.since})\n`);
      }
      return EXIT.ok;
    } finally {
      blobs.close();
    }
  } finally {
    await db.close();
  }
}
