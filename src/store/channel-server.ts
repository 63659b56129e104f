import { randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import type { Database, Queryable } from './database.ts';
import { decode, encode, readFrames, toWire, type Reply, type Request } from './channel-frames.ts';

/**
 * The local channel: how `kinfinder` commands on this machine use the embedded database while
 * `kinfinder serve` holds it (PGlite admits one process; DESIGN §18). The serving process
 * answers the same database calls its own code makes (query, exec, a transaction, an advisory
 * lock, the backup snapshot) for a command that runs its own code — the same use cases, the same
 * output, audited as the command line — as a PostgreSQL server would for a second process.
 *
 * Who may use it: it listens on loopback only, and a connection must first show a 256-bit
 * secret that the server writes, with its port, to a file only the server's user can read
 * (bin/server-address.ts: `serve.json`, mode 0600, in the data directory). Whoever can read that
 * file can read the database files themselves; nobody else gets past the first frame, and
 * nothing is decoded before it (the first frame is raw bytes, at most 64 of them).
 *
 * A transaction a command holds blocks the server's own queries (PGlite runs one at a time), as
 * a transaction of the server's own does; one left idle for TX_IDLE_MS is rolled back and its
 * connection closed, and a connection that drops has its transactions rolled back and its locks
 * released.
 */
export interface Channel {
  port: number;
  /** Hex: what a client sends first. */
  secret: string;
  close(): Promise<void>;
}

const SECRET_BYTES = 32;
const HELLO_TIMEOUT_MS = 5_000;
const TX_IDLE_MS = 60_000;
/** A command's frame (a query's parameters): generous, but bounded. */
const MAX_FRAME_BYTES = 256 * 1024 * 1024;

export async function serveChannel(
  db: Database,
  opts: { onError?: (err: unknown) => void; txIdleMs?: number } = {},
): Promise<Channel> {
  const secret = randomBytes(SECRET_BYTES);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    serveConnection(db, socket, secret, opts.txIdleMs ?? TX_IDLE_MS, opts.onError);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback only, whatever address the HTTP server listens on.
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    secret: secret.toString('hex'),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

class RolledBack extends Error {}

function serveConnection(
  db: Database,
  socket: net.Socket,
  secret: Buffer,
  txIdleMs: number,
  onError?: (err: unknown) => void,
): void {
  let authed = false;
  const hello = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
  const send = (reply: Reply) => {
    if (socket.destroyed) return;
    try {
      socket.write(encode(reply));
    } catch (err) {
      // An answer that cannot be cloned (it should not happen: rows are plain data).
      socket.write(encode({ id: reply.id, ok: false, error: toWire(err) }));
    }
  };
  const ok = (id: number, value: unknown) => send({ id, ok: true, value });
  const fail = (id: number, err: unknown) => send({ id, ok: false, error: toWire(err) });

  /** Open transactions: each takes its requests in order from its inbox. */
  const txs = new Map<number, { push(r: Request): void; abort(): void }>();
  const locks = new Map<number, () => void>();
  let nextId = 1;

  socket.on('close', () => {
    clearTimeout(hello);
    for (const t of txs.values()) t.abort();
    for (const release of locks.values()) release();
    locks.clear();
  });

  readFrames(
    socket,
    () => (authed ? MAX_FRAME_BYTES : 64),
    (body) => {
      if (!authed) {
        clearTimeout(hello);
        if (body.length !== secret.length || !timingSafeEqual(body, secret)) {
          socket.end(encode({ id: 0, ok: false, error: { message: 'wrong secret', code: 'unauthorized' } }));
          return;
        }
        authed = true;
        ok(0, { kind: db.kind, pid: process.pid });
        return;
      }
      let req: Request;
      try {
        req = decode(body) as Request;
      } catch {
        socket.destroy();
        return;
      }
      handle(req);
    },
  );

  function handle(req: Request): void {
    switch (req.op) {
      case 'query':
      case 'exec':
        if (req.tx !== undefined) {
          const t = txs.get(req.tx);
          if (!t) return fail(req.id, new Error('no such transaction on this connection'));
          return t.push(req);
        }
        return void run(db, req).then(
          (v) => ok(req.id, v),
          (err: unknown) => fail(req.id, err),
        );
      case 'begin':
        return begin(req.id);
      case 'commit':
      case 'rollback': {
        const t = txs.get(req.tx);
        if (!t) return fail(req.id, new Error('no such transaction on this connection'));
        return t.push(req);
      }
      case 'lock': {
        const lockId = nextId++;
        void db
          .exclusively(
            req.key,
            () =>
              new Promise<void>((release) => {
                if (socket.destroyed) return release();
                locks.set(lockId, release);
                ok(req.id, lockId);
              }),
          )
          .catch((err: unknown) => fail(req.id, err));
        return;
      }
      case 'unlock': {
        const release = locks.get(req.lock);
        locks.delete(req.lock);
        release?.();
        return ok(req.id, null);
      }
      case 'snapshot':
        if (!db.snapshot) return fail(req.id, new Error('this database has no snapshot'));
        return void db.snapshot().then(
          (v) => ok(req.id, v),
          (err: unknown) => fail(req.id, err),
        );
      default:
        socket.destroy();
    }
  }

  function begin(beginId: number): void {
    const txId = nextId++;
    const inbox: Request[] = [];
    let wake: (() => void) | undefined;
    let aborted = false;
    let begun = false;
    let end: Request | undefined;
    txs.set(txId, {
      push(r) {
        inbox.push(r);
        wake?.();
      },
      abort() {
        aborted = true;
        wake?.();
      },
    });
    db.transaction(async (tx) => {
      begun = true;
      ok(beginId, txId);
      for (;;) {
        if (inbox.length === 0 && !aborted) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            wake = resolve;
            timer = setTimeout(() => {
              // A command that holds a transaction this long holds up the whole server.
              aborted = true;
              socket.destroy();
              resolve();
            }, txIdleMs);
          });
          clearTimeout(timer);
          wake = undefined;
        }
        if (aborted) throw new RolledBack('the connection closed');
        const r = inbox.shift()!;
        if (r.op === 'commit') {
          end = r;
          return;
        }
        if (r.op === 'rollback') {
          end = r;
          throw new RolledBack('rolled back');
        }
        if (r.op === 'query' || r.op === 'exec') {
          try {
            ok(r.id, await run(tx, r));
          } catch (err) {
            fail(r.id, err);
          }
        }
      }
    })
      .then(
        () => end && ok(end.id, null),
        (err: unknown) => {
          if (!begun) fail(beginId, err);
          else if (end?.op === 'rollback' && err instanceof RolledBack) ok(end.id, null);
          else if (end) fail(end.id, err);
          else if (!(err instanceof RolledBack)) onError?.(err);
        },
      )
      .finally(() => txs.delete(txId));
  }
}

async function run(q: Queryable, r: Extract<Request, { op: 'query' | 'exec' }>): Promise<unknown> {
  return r.op === 'query' ? q.query(r.sql, r.params) : q.exec(r.sql);
}
