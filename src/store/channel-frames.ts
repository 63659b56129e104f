import type { Socket } from 'node:net';
import v8 from 'node:v8';

/**
 * The local channel's wire format (src/store/channel-server.ts, channel-client.ts): frames of a
 * 4-byte big-endian length and a body. Bodies are V8 structured clones, not JSON, so what PGlite
 * answers crosses unchanged: dates stay dates, bytea stays a Buffer, int8 stays a bigint.
 */

/** What a client asks; `tx` names a transaction it began on this connection. */
export type Request =
  | { id: number; op: 'query'; sql: string; params?: readonly unknown[]; tx?: number }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'commit' | 'rollback'; tx: number }
  | { id: number; op: 'lock'; key: number }
  | { id: number; op: 'unlock'; lock: number }
  | { id: number; op: 'snapshot' };

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

/** An error as it crosses: its message and the fields a caller may test (SQLSTATE `code`, constraint…). */
export type WireError = Record<string, unknown> & { message: string };

const ERROR_FIELDS = ['name', 'code', 'detail', 'hint', 'constraint', 'table', 'column', 'schema', 'severity'];

export function toWire(err: unknown): WireError {
  const e = (err ?? {}) as Record<string, unknown>;
  const out: WireError = { message: typeof e.message === 'string' ? e.message : String(err) };
  for (const k of ERROR_FIELDS) if (typeof e[k] === 'string' || typeof e[k] === 'number') out[k] = e[k];
  return out;
}

export function fromWire(w: WireError): Error {
  const { message, ...fields } = w;
  return Object.assign(new Error(message), fields);
}

export function encode(body: unknown): Buffer {
  const payload = v8.serialize(body);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(payload.length);
  return Buffer.concat([head, payload]);
}

/** A raw frame (the secret, sent before anything is decoded). */
export function rawFrame(bytes: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(bytes.length);
  return Buffer.concat([head, bytes]);
}

/**
 * Splits a socket's bytes into frames and hands each body on. `maxBytes()` bounds the next frame
 * (tiny until the peer has shown the secret): a larger one closes the connection unread. Chunks
 * are joined once a frame is complete (a snapshot of hundreds of MB arrives in thousands of them).
 */
export function readFrames(socket: Socket, maxBytes: () => number, onFrame: (body: Buffer) => void): void {
  let chunks: Buffer[] = [];
  let buffered = 0;
  let need: number | undefined; // the current frame's body length, once its header is in
  const take = (n: number): Buffer => {
    const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, buffered);
    chunks = all.length > n ? [all.subarray(n)] : [];
    buffered -= n;
    return all.subarray(0, n);
  };
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    for (;;) {
      if (need === undefined) {
        if (buffered < 4) return;
        need = take(4).readUInt32BE(0);
        if (need > maxBytes()) {
          socket.destroy();
          return;
        }
      }
      if (buffered < need) return;
      const body = take(need);
      need = undefined;
      onFrame(body);
      if (socket.destroyed) return;
    }
  });
}

export const decode = (body: Buffer): unknown => v8.deserialize(body);
