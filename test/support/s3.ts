import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { S3BlobOptions } from '../../src/store/blob-store.ts';

/**
 * s3rver's built-in account. It refuses an unknown access key id as S3 would, but does not
 * verify SigV4 signatures, so a wrong secret alone goes unnoticed: tests use a wrong key id.
 */
export const S3_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const S3_BUCKET = 'kinfinder-test';

/**
 * A local S3-compatible server for tests and benches: s3rver on loopback, its objects in a
 * temporary directory, one bucket made at start. stop() and start() again keep the objects
 * and the port, so a test can stage an outage.
 */
export interface TestS3 {
  endpoint: string;
  port: number;
  dir: string;
  /** Store options for a bucket (default: the test bucket) and prefix on this server. */
  options(prefix?: string, bucket?: string): S3BlobOptions;
  /** The variables a child kinfinder needs to use this server. */
  env(prefix?: string): Record<string, string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startTestS3(): Promise<TestS3> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-s3-'));
  let port = 0;
  let server: S3rver | undefined;
  const start = async () => {
    server = new S3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: S3_BUCKET, configs: [] }],
    });
    port = (await server.run()).port;
  };
  const stop = async () => {
    if (!server) return;
    const s = server;
    server = undefined;
    // The SDK keeps connections alive: end them, or close() waits for them to idle out.
    const closing = s.close();
    s.httpServer?.closeAllConnections();
    await closing;
  };
  await start();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    dir,
    options: (prefix = '', bucket = S3_BUCKET) => ({
      kind: 's3',
      bucket,
      prefix,
      endpoint,
      region: 'us-east-1',
      credentials: { ...S3_KEYS },
    }),
    env: (prefix = '') => ({
      KINFINDER_BLOBS: `s3://${S3_BUCKET}${prefix ? `/${prefix}` : ''}`,
      KINFINDER_S3_ENDPOINT: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_KEYS.secretAccessKey,
    }),
    stop,
    start,
    async destroy() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
