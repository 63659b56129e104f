import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CLI } from '../../src/access/principal.ts';
import { isKinfinderError } from '../../src/errors.ts';
import { writeBackup } from '../../src/maintenance/backup.ts';
import { openBlobStore } from '../../src/store/blob-store.ts';
import { openStore } from '../store.ts';
import { readCommandLine, type CommandSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';

const BACKUP = {
  name: 'backup',
  description:
    'Writes one archive of the embedded database and every stored photo, crop and display copy.\n' +
    'While `kinfinder serve` runs on the same data directory, the database is read through it (it alone may\n' +
    'open it). On PostgreSQL, use pg_dump and copy the blob store (README).',
  args: { label: 'FILE', help: 'the archive to write (a tar file; not overwritten)', min: 1, max: 1 },
  options: {
    server: {
      type: 'string',
      value: 'URL',
      help: 'ask the server at URL over HTTP instead (set KINFINDER_ADMIN_TOKEN)',
    },
  },
  exits: { ok: 'the archive is complete', failed: 'no archive was written (the reason is printed)' },
} as const satisfies CommandSpec;

/** kinfinder backup FILE: written to FILE.partial first, renamed only when complete. */
export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readCommandLine(BACKUP, args, ctx);
  if (cli.exit !== undefined) return cli.exit;
  const file = path.resolve(cli.positionals[0]!);
  const fail = (message: string) => {
    ctx.stderr.write(`kinfinder backup: ${message}\n`);
    return EXIT.failed;
  };
  if (ctx.config.databaseUrl)
    return fail(
      'this installation uses PostgreSQL: back it up with pg_dump and copy the blob store (README, "Backups")',
    );
  if (fs.existsSync(file)) return fail(`${cli.positionals[0]} exists already; name a new file`);
  const partial = `${file}.partial-${process.pid}`;
  try {
    const server = cli.values.server;
    const summary = server ? await fromServer(server, ctx, partial) : await locally(ctx, partial);
    fs.renameSync(partial, file);
    ctx.stdout.write(`${summary}\n`);
    return EXIT.ok;
  } catch (err) {
    fs.rmSync(partial, { force: true });
    return fail(
      isKinfinderError(err) || err instanceof BackupRefused
        ? err.message
        : `the backup failed: ${(err as Error).message}`,
    );
  }
}

class BackupRefused extends Error {}

async function locally(ctx: CommandContext, partial: string): Promise<string> {
  const db = await openStore(ctx.config);
  try {
    const blobs = await openBlobStore(ctx.config.blobs);
    try {
      const m = await writeBackup({ db, blobs }, CLI, fs.createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
      return `backup written: schema ${m.schemaVersion}, ${m.blobs} stored files (${(m.blobBytes / 1024 / 1024).toFixed(1)} MB)`;
    } finally {
      blobs.close();
    }
  } finally {
    await db.close();
  }
}

async function fromServer(server: string, ctx: CommandContext, partial: string): Promise<string> {
  const token = ctx.config.adminToken;
  if (!token)
    throw new BackupRefused(
      `--server ${server} asks that server over HTTP: set KINFINDER_ADMIN_TOKEN (an admin's token)`,
    );
  let res: Response;
  try {
    res = await fetch(new URL('/api/v1/backup', server), { headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    throw new BackupRefused(`could not reach the server at ${server}: ${(err as Error).message}`);
  }
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new BackupRefused(`the server refused: ${body?.error?.message ?? res.statusText}`);
  }
  await pipeline(
    Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
    fs.createWriteStream(partial, { flags: 'wx', mode: 0o600 }),
  );
  return `backup written by the server at ${server} (${(fs.statSync(partial).size / 1024 / 1024).toFixed(1)} MB)`;
}
