import fs from 'node:fs';
import { isKinfinderError } from '../../src/errors.ts';
import { restoreEmbedded } from '../../src/maintenance/restore.ts';
import { openBlobStore } from '../../src/store/blob-store.ts';
import { readCommandLine, type CommandSpec } from '../args.ts';
import { localServer } from '../server-address.ts';
import { EXIT, type CommandContext } from '../context.ts';

const RESTORE = {
  name: 'restore',
  description:
    'Restores an archive of `kinfinder backup` into an empty data directory (KINFINDER_DATA_DIR) and\n' +
    'blob store; it never writes over an existing database. Then start `kinfinder serve` on it.',
  args: { label: 'FILE', help: 'the archive written by kinfinder backup', min: 1, max: 1 },
  options: {},
  exits: { ok: 'restored', failed: 'nothing was restored (the reason is printed)' },
} as const satisfies CommandSpec;

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readCommandLine(RESTORE, args, ctx);
  if (cli.exit !== undefined) return cli.exit;
  const fail = (message: string) => {
    ctx.stderr.write(`kinfinder restore: ${message}\n`);
    return EXIT.failed;
  };
  if (ctx.config.databaseUrl)
    return fail(
      'this installation uses PostgreSQL: restore it with pg_restore and copy the blob store back (README, "Backups")',
    );
  // Never through the server: a restore builds a database where there is none.
  const server = localServer(ctx.config.dataDir);
  if (server)
    return fail(
      `kinfinder serve (pid ${server.pid}) is serving ${ctx.config.dataDir}: restore into an empty data directory ` +
        '(set KINFINDER_DATA_DIR to a new folder), then start the server there',
    );
  const file = cli.positionals[0]!;
  if (!fs.existsSync(file)) return fail(`${file}: no such file`);
  const blobs = await openBlobStore(ctx.config.blobs);
  try {
    const r = await restoreEmbedded(fs.createReadStream(file), { dataDir: ctx.config.dataDir, blobs });
    ctx.stdout.write(
      `restored: schema ${r.manifest.schemaVersion} from ${r.manifest.createdAt}, ${r.blobs} stored files, ${r.auditEvents} audit events\n`,
    );
    return EXIT.ok;
  } catch (err) {
    return fail(isKinfinderError(err) ? err.message : `the restore failed: ${(err as Error).message}`);
  } finally {
    blobs.close();
  }
}
