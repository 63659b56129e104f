import net from 'node:net';
import { KinfinderError } from '../errors.ts';
import type { Database, DatabaseKind, QueryResult, Queryable } from './database.ts';
import { decode, encode, fromWire, rawFrame, readFrames, type Reply, type Request } from './channel-frames.ts';

/** Where a serving process's local channel listens (src/store/channel-server.ts). */
export interface ChannelAddress {
  port: number;
  secret: string;
  /** The serving process, named in messages. */
  pid: number;
}

type Ask = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * The embedded database of a running `kinfinder serve`, used through its local channel: a
 * `Database` like the others, so a command runs its own code unchanged. Refused (`unauthorized`)
 * when the secret is wrong; a server that goes away fails every call with `store_locked`, never
 * as an outage to wait out (nothing would reconnect).
 */
export async function connectChannel(address: ChannelAddress): Promise<Database> {
  const socket = net.connect({ host: '127.0.0.1', port: address.port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  let nextId = 1;
  let gone: Error | undefined;
  const lost = () =>
    new KinfinderError(
      'store_locked',
      `kinfinder serve (pid ${address.pid}), which holds the embedded database, stopped while this command was using it; run the command again`,
    );
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    gone ??= lost();
    for (const p of pending.values()) p.reject(gone);
    pending.clear();
  });
  // The server's answers are trusted: no bound beyond what a Buffer holds.
  readFrames(
    socket,
    () => 2 ** 31,
    (body) => {
      const reply = decode(body) as Reply;
      const p = pending.get(reply.id);
      pending.delete(reply.id);
      if (reply.ok) p?.resolve(reply.value);
      else p?.reject(reply.error.code === 'unauthorized' ? refused() : fromWire(reply.error));
    },
  );
  const refused = () =>
    new KinfinderError('unauthorized', 'kinfinder serve refused this command: the secret it wrote has changed');

  const hello = new Promise<unknown>((resolve, reject) => pending.set(0, { resolve, reject }));
  socket.write(rawFrame(Buffer.from(address.secret, 'hex')));
  let kind: DatabaseKind;
  try {
    kind = ((await hello) as { kind: DatabaseKind }).kind;
  } catch (err) {
    socket.destroy();
    throw err;
  }

  function call<T>(ask: Ask): Promise<T> {
    if (gone) return Promise.reject(gone);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        socket.write(encode({ ...ask, id }));
      } catch (err) {
        pending.delete(id);
        reject(err);
      }
    });
  }
  const queryable = (tx?: number): Queryable => ({
    query: <T>(sql: string, params?: readonly unknown[]) =>
      call<QueryResult<T>>({ op: 'query', sql, ...(params ? { params: [...params] } : {}), ...(tx ? { tx } : {}) }),
    exec: (sql: string) => call<QueryResult<Record<string, unknown>>>({ op: 'exec', sql, ...(tx ? { tx } : {}) }),
  });
  const base = queryable();

  return {
    kind,
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const tx = await call<number>({ op: 'begin' });
      let result: T;
      try {
        result = await fn(queryable(tx));
      } catch (err) {
        await call({ op: 'rollback', tx }).catch(() => undefined);
        throw err;
      }
      await call({ op: 'commit', tx });
      return result;
    },
    async exclusively<T>(key: number, fn: () => Promise<T>): Promise<T> {
      const lock = await call<number>({ op: 'lock', key });
      try {
        return await fn();
      } finally {
        await call({ op: 'unlock', lock }).catch(() => undefined);
      }
    },
    snapshot: () => call<Uint8Array>({ op: 'snapshot' }),
    async close() {
      if (socket.destroyed) return;
      gone ??= new KinfinderError('internal', 'the database was closed');
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.end();
      });
    },
  };
}
