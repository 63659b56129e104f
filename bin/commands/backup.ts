import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CLI } from '../../src/access/principal.ts';
import { isKinfinderError } from '../../src/errors.ts';
import { restoreBackup, writeBackup, type BackupInfo } from '../../src/maintenance/backup.ts';
import { openBlobStore } from '../../src/store/blob-store.ts';
import { openDatabase } from '../../src/store/open.ts';
import { readCommandLine, runFailed, type CommandSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';

const BACKUP = {
  name: 'backup',
  description:
    'Writes one archive (tar) of the embedded database and the blob store. While `kinfinder serve`\nholds the data directory, the running server writes it (asked over HTTP with\nKINFINDER_ADMIN_TOKEN): the copy is consistent either way. On PostgreSQL, use pg_dump and copy\nthe blob store instead (README, "Backups").',
  args: { label: 'FILE', help: 'the archive to write (written beside it first, then renamed)', min: 1, max: 1 },
  options: {
    server: { type: 'string', value: 'URL', help: 'the running server to ask', defaultText: 'http://127.0.0.1:PORT' },
    json: { type: 'boolean', help: 'print what was written as one JSON line' },
  },
  exits: { ok: 'the archive is complete', failed: 'the archive could not be made (nothing is left at FILE)' },
} as const satisfies CommandSpec;

const RESTORE = {
  name: 'restore',
  description: 'Restores an archive made by `kinfinder backup` into an empty KINFINDER_DATA_DIR (database and\nblob store). Stop any server first; start it on the restored directory afterwards.',
  args: { label: 'FILE', help: 'the archive to restore', min: 1, max: 1 },
  options: { json: { type: 'boolean', help: 'print what was restored as one JSON line' } },
  exits: { ok: 'restored', failed: 'the archive is not a complete kinfinder backup, or the data directory is not empty' },
} as const satisfies CommandSpec;

export async function runBackup(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readCommandLine(BACKUP, args, ctx);
  if (cli.exit !== undefined) return cli.exit;
  const file = cli.positionals[0]!;
  if (ctx.config.databaseUrl) return runFailed(BACKUP, ctx, 'this installation uses PostgreSQL: back it up with pg_dump and copy the blob store (README, "Backups")');
  const partial = `${file}.partial`;
  try {
    let info: BackupInfo | undefined;
    try {
      const db = await openDatabase(ctx.config);
      try {
        const blobs = await openBlobStore(ctx.config.blobs);
        try {
          info = await writeBackup({ db, blobs }, CLI, fs.createWriteStream(partial));
        } finally {
          blobs.close();
        }
      } finally {
        await db.close();
      }
    } catch (err) {
      if (!isKinfinderError(err) || err.code !== 'store_locked') throw err;
      // The server holds the embedded database: it writes the copy, between its transactions.
      const token = ctx.config.adminToken;
      if (!token) return runFailed(BACKUP, ctx, 'the server is running and holds the database: set KINFINDER_ADMIN_TOKEN so it can be asked for the backup');
      const base = (cli.values.server ?? `http://127.0.0.1:${ctx.config.port}`).replace(/\/+$/, '');
      const res = await fetch(`${base}/api/v1/backup`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok || !res.body) return runFailed(BACKUP, ctx, `the server at ${base} refused the backup (HTTP ${res.status})`);
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), fs.createWriteStream(partial));
    }
    fs.renameSync(partial, file);
    const size = fs.statSync(file).size;
    if (cli.values.json) ctx.stdout.write(`${JSON.stringify({ file, bytes: size, ...(info ? { blobs: info.blobs, schemaVersion: info.schemaVersion } : {}) })}\n`);
    else ctx.stdout.write(`backup written to ${file} (${(size / 1024 / 1024).toFixed(1)} MB)\n`);
    return EXIT.ok;
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err;
  }
}

export async function runRestore(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readCommandLine(RESTORE, args, ctx);
  if (cli.exit !== undefined) return cli.exit;
  if (ctx.config.databaseUrl) return runFailed(RESTORE, ctx, 'this installation uses PostgreSQL: restore it with pg_restore (README, "Backups")');
  if (ctx.config.blobs.kind !== 'fs') return runFailed(RESTORE, ctx, 'restore writes the files into the data directory\'s blob store; unset KINFINDER_BLOBS');
  const info = await restoreBackup(CLI, cli.positionals[0]!, ctx.config.dataDir);
  if (cli.values.json) ctx.stdout.write(`${JSON.stringify(info)}\n`);
  else ctx.stdout.write(`restored the backup of ${info.createdAt} (${info.blobs} files) into ${ctx.config.dataDir}\n`);
  return EXIT.ok;
}
