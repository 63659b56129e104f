import type { Config } from '../src/config.ts';
import { isKinfinderError, KinfinderError } from '../src/errors.ts';
import { connectChannel } from '../src/store/channel-client.ts';
import type { Database } from '../src/store/database.ts';
import { openDatabase } from '../src/store/open.ts';
import { announcedToAnother, localServer } from './server-address.ts';

/** Databases reached through a running server's local channel (see `served`). */
const throughServer = new WeakSet<Database>();

/**
 * The database a command works on. PostgreSQL: directly, always. The embedded database: directly
 * when no other process holds it; while `kinfinder serve` holds it, through that server's local
 * channel (src/store/channel-server.ts), so the command runs exactly as it would alone, audited
 * as the command line. `alone` commands (serve, worker: they would run a second set of workers
 * on it) are told instead that the server holds it.
 */
export async function openStore(config: Config, opts: { alone?: string; again?: boolean } = {}): Promise<Database> {
  if (config.databaseUrl) return openDatabase(config);
  const announced = localServer(config.dataDir);
  if (announced?.channel && !opts.alone) {
    let db: Database | undefined;
    try {
      db = await connectChannel(announced.channel);
    } catch (err) {
      // A server restarted since serve.json was read has another secret: read it again, once.
      if (isKinfinderError(err) && err.code === 'unauthorized' && !opts.again)
        return openStore(config, { ...opts, again: true });
      // A server killed without cleaning up whose pid now names another process: nobody listens.
      if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw err;
    }
    if (db) {
      // The server's connection keeps the search path the server was started with.
      if ((announced.schema ?? '') !== (config.dbSchema ?? '')) {
        await db.close();
        throw new KinfinderError(
          'invalid_config',
          `kinfinder serve (pid ${announced.pid}) serves this data directory with ` +
            `KINFINDER_DB_SCHEMA=${announced.schema ?? '(unset)'}: run the command with the same setting`,
        );
      }
      throughServer.add(db);
      return db;
    }
  }
  if (!announced && announcedToAnother(config.dataDir))
    throw new KinfinderError(
      'forbidden',
      `kinfinder serve runs on ${config.dataDir} as another user: run this command as that user ` +
        '(only it may use the database)',
    );
  try {
    return await openDatabase(config);
  } catch (err) {
    if (!isKinfinderError(err) || err.code !== 'store_locked') throw err;
    // The server may have announced itself meanwhile (it does so once it listens).
    const now = localServer(config.dataDir);
    if (now && opts.alone)
      throw new KinfinderError(
        'store_locked',
        `kinfinder serve (pid ${now.pid}, ${now.url}) holds the embedded database in ${config.dataDir}: ${opts.alone}`,
      );
    if (now?.channel) return openStore(config, opts);
    throw err;
  }
}

/** Whether `db` is a running server's, reached through its local channel. */
export function served(db: Database): boolean {
  return throughServer.has(db);
}
