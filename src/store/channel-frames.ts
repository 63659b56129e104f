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
 * (tiny until the peer has shown the secret): a larger one closes the connection unread.
 */
export function readFrames(socket: Socket, maxBytes: () => number, onFrame: (body: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const length = pending.readUInt32BE(0);
      if (length > maxBytes()) {
        socket.destroy();
        return;
      }
      if (pending.length < 4 + length) break;
      const body = pending.subarray(4, 4 + length);
      pending = pending.subarray(4 + length);
      onFrame(body);
      if (socket.destroyed) return;
    }
  });
}

export const decode = (body: Buffer): unknown => v8.deserialize(body);
