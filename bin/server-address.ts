import fs from 'node:fs';
import path from 'node:path';
import type { ChannelAddress } from '../src/store/channel-client.ts';

/**
 * Where a running `kinfinder serve` can be reached, written into its data directory: its HTTP
 * address, and its local channel (src/store/channel-server.ts) with the channel's secret.
 * Commands that need the embedded database while the server holds it use the channel: PGlite
 * admits one process. The file is the channel's only key, so it is made readable by the server's
 * user alone (mode 0600, created under a private name and renamed into place: never readable by
 * others, not even for a moment), like the database files beside it.
 */
const FILE = 'serve.json';

export interface Announced {
  url: string;
  pid: number;
  channel?: ChannelAddress;
  /** KINFINDER_DB_SCHEMA as the server read it: its connection's search path. */
  schema?: string;
}

export function announceServer(
  dataDir: string,
  host: string,
  port: number,
  channel?: { port: number; secret: string; schema?: string | undefined },
): () => void {
  const file = path.join(dataDir, FILE);
  // A server listening on every address is reached on loopback from this machine.
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  fs.mkdirSync(dataDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(
    tmp,
    JSON.stringify({
      url: `http://${reachable}:${port}`,
      pid: process.pid,
      ...(channel ? { channel: { port: channel.port, secret: channel.secret } } : {}),
      ...(channel?.schema ? { schema: channel.schema } : {}),
    }),
    { mode: 0o600, flag: 'wx' },
  );
  fs.renameSync(tmp, file);
  return () => {
    try {
      if ((JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: number }).pid === process.pid)
        fs.rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
}

/** The server serving `dataDir`, if one announced itself and still runs. */
export function localServer(dataDir: string): Announced | undefined {
  try {
    const a = JSON.parse(fs.readFileSync(path.join(dataDir, FILE), 'utf8')) as Partial<Announced> & {
      channel?: Partial<ChannelAddress>;
    };
    if (typeof a.url !== 'string' || typeof a.pid !== 'number') return undefined;
    process.kill(a.pid, 0);
    const c = a.channel;
    return {
      url: a.url,
      pid: a.pid,
      ...(typeof a.schema === 'string' ? { schema: a.schema } : {}),
      ...(c && typeof c.port === 'number' && typeof c.secret === 'string'
        ? { channel: { port: c.port, secret: c.secret, pid: a.pid } }
        : {}),
    };
  } catch {
    return undefined;
  }
}

/** Whether a server's announcement is there but this user may not read it (another user's server). */
export function announcedToAnother(dataDir: string): boolean {
  try {
    fs.accessSync(path.join(dataDir, FILE), fs.constants.R_OK);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EACCES';
  }
}

/** The running server's HTTP address, if one announced itself and still runs. */
export function runningServer(dataDir: string): string | undefined {
  return localServer(dataDir)?.url;
}
