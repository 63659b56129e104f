import { CLI } from '../../src/access/principal.ts';
import { collectGarbage } from '../../src/maintenance/gc.ts';
import { openBlobStore } from '../../src/store/blob-store.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openStore } from '../store.ts';
import { readCommandLine, type CommandSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';

const GC = {
  name: 'gc',
  description:
    'Deletes stored photos, crops and display copies that no row refers to any more (left by a\n' +
    'crash between a file and its row, or by deleted cases). Files newer than the grace period are\n' +
    'kept: a running job may not have committed the row that refers to them yet.',
  options: {
    'dry-run': { type: 'boolean', help: 'report what would be deleted, delete nothing' },
    'grace-minutes': {
      type: 'string',
      value: 'N',
      help: 'keep unreferenced files younger than this (at least 10 and the job timeout)',
      default: '60',
    },
    json: { type: 'boolean', help: 'print the report as one JSON line' },
  },
  exits: { ok: 'collected (or, with --dry-run, counted)', failed: 'the database or the blob store could not be used' },
} as const satisfies CommandSpec;

/** kinfinder gc: deletes stored photos, crops and derivatives that no row references any more. */
export async function run(args: string[], ctx: CommandContext): Promise<number> {
  // Shorter than a job may run, a blob written by a running job (its row not yet committed)
  // could be taken; shorter than 10 min, one re-put by an upload (put refreshes copies older
  // than 5 min) could be.
  const least = () => Math.max(10, Math.ceil(ctx.config.jobTimeoutSeconds / 60));
  const cli = readCommandLine(GC, args, ctx, (c) => ({ grace: c.wholeNumber('grace-minutes', { min: least() }) }));
  if (cli.exit !== undefined) return cli.exit;
  const { values } = cli;
  const graceMinutes = cli.grace ?? 60;
  const db = await openStore(ctx.config);
  try {
    await migrate(db);
    const blobs = await openBlobStore(ctx.config.blobs);
    try {
      const r = await collectGarbage({ db, blobs }, CLI, {
        dryRun: values['dry-run'] ?? false,
        graceMs: graceMinutes * 60_000,
      });
      if (values.json) ctx.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        const what = r.dryRun ? `would delete ${r.unreferenced}` : `deleted ${r.deleted}`;
        ctx.stdout.write(
          `${r.scanned} blobs: ${r.referenced} in use, ${r.recent} unreferenced but newer than ${graceMinutes} min (kept); ` +
            `${what} unreferenced (${(r.bytes / 1024 / 1024).toFixed(1)} MB)\n`,
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
