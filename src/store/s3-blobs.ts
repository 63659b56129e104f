import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { KinfinderError } from '../errors.ts';
import { BLOB_KEY, checkKey, sha256Hex, shardedName, type BlobEntry, type BlobStore } from './blobs.ts';

export interface S3BlobOptions {
  kind: 's3';
  bucket: string;
  /** '' or a folder inside the bucket, without slashes at either end. */
  prefix: string;
  /** An S3-compatible server (MinIO, Garage, Ceph RGW…); unset = AWS S3 itself. */
  endpoint: string | undefined;
  region: string;
  /** Unset: the AWS SDK's own credential chain (profile files, container or instance role). */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

/** Where the store is, for messages: never the credentials. */
export function describeS3(o: Pick<S3BlobOptions, 'bucket' | 'prefix' | 'endpoint' | 'region'>): string {
  return `s3://${o.bucket}${o.prefix ? `/${o.prefix}` : ''} at ${o.endpoint ?? `AWS S3 (${o.region})`}`;
}

interface SdkError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
}

const statusOf = (err: unknown) => (err as SdkError).$metadata?.httpStatusCode;

/**
 * Anything that goes wrong talking to the store while running: an outage for the caller (the
 * job is retried, the API answers 503), never a reason to mark a photo as bad. What exactly
 * happened stays in the cause, for the logs.
 */
function unavailable(err: unknown): KinfinderError {
  if (err instanceof KinfinderError) return err;
  return new KinfinderError('store_unavailable', 'the photo store is unavailable; try again shortly', undefined, {
    cause: err,
  });
}

/**
 * Blobs as objects `<prefix>/ab/cd/<sha256>` in one bucket that every kinfinder process (the
 * server and any number of workers, on any machines) shares. Objects are written whole by one
 * PutObject, so a reader never sees a half-written blob.
 */
export class S3BlobStore implements BlobStore {
  readonly options: S3BlobOptions;
  private readonly client: S3Client;
  private readonly keyPrefix: string;
  private readonly refreshAfterMs: number;

  /**
   * `refreshAfterMs`: a put of bytes stored longer ago than this rewrites them (see put). It
   * must stay below garbage collection's grace period, which `kinfinder gc` makes ≥ 10 min.
   */
  constructor(options: S3BlobOptions, tuning: { refreshAfterMs?: number } = {}) {
    this.options = options;
    this.refreshAfterMs = tuning.refreshAfterMs ?? 5 * 60_000;
    this.keyPrefix = options.prefix ? `${options.prefix}/` : '';
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      // MinIO, s3rver and most self-hosted stores serve buckets as paths, not as host names.
      forcePathStyle: options.endpoint !== undefined,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Newer SDKs add CRC checksums (and chunked uploads) that several S3-compatible servers
      // reject; content addressing already verifies what we read back.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      // A store that does not answer must fail the request (and so the job, for a retry)
      // rather than hang it until the job's own timeout.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000, throwOnRequestTimeout: true },
    });
  }

  private objectKey(key: string): string {
    return `${this.keyPrefix}${shardedName(checkKey(key))}`;
  }

  /**
   * Start-up check: the bucket exists and these credentials may use it. Every failure is a
   * configuration error naming the bucket and endpoint, so the process stops with a message an
   * operator can act on instead of failing every job later.
   */
  async verify(): Promise<void> {
    const where = describeS3(this.options);
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
    } catch (err) {
      const e = err as SdkError;
      const status = statusOf(err);
      let reason: string;
      if (status === 404 || e.name === 'NotFound' || e.name === 'NoSuchBucket')
        reason = `bucket '${this.options.bucket}' does not exist`;
      else if (status === 403 || status === 401)
        reason = `access to bucket '${this.options.bucket}' was refused: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`;
      else if (status === 301 || status === 400)
        reason = `the store refused the request (HTTP ${status}): check AWS_REGION (now ${this.options.region}) and the endpoint`;
      else if (e.name === 'CredentialsProviderError')
        reason = 'no S3 credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
      else if (status !== undefined) reason = `the store answered HTTP ${status}`;
      else reason = `the store could not be reached (${e.code ?? e.name ?? 'network error'})`;
      throw new KinfinderError('invalid_config', `photo store ${where}: ${reason}`, undefined, { cause: err });
    }
  }

  async put(bytes: Uint8Array): Promise<string> {
    const key = sha256Hex(bytes);
    const Key = this.objectKey(key);
    const Bucket = this.options.bucket;
    try {
      const existing = await this.stat(key);
      // Already stored: the same bytes, by construction, so a recent copy is left alone. An old
      // one is written again to refresh its modified time, which keeps garbage collection off
      // a blob that a row is about to reference (CopyObject onto itself would do on AWS, but
      // not every S3-compatible server updates the time for it).
      if (existing && Date.now() - existing.modified.getTime() < this.refreshAfterMs) return key;
      await this.client.send(
        new PutObjectCommand({
          Bucket,
          Key,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: 'application/octet-stream',
        }),
      );
      return key;
    } catch (err) {
      throw unavailable(err);
    }
  }

  private async getObject(key: string) {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
      if (!r.Body) throw new KinfinderError('store_unavailable', 'the photo store returned no body');
      return r.Body;
    } catch (err) {
      if (statusOf(err) === 404 || (err as SdkError).name === 'NoSuchKey')
        throw new KinfinderError('not_found', 'blob not found');
      throw unavailable(err);
    }
  }

  async get(key: string): Promise<Buffer> {
    const body = await this.getObject(key);
    try {
      return Buffer.from(await body.transformToByteArray());
    } catch (err) {
      throw unavailable(err);
    }
  }

  async stream(key: string): Promise<Readable> {
    // In Node the SDK's body is the HTTP response itself: bytes flow as they arrive.
    return (await this.getObject(key)) as unknown as Readable;
  }

  async has(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  async stat(key: string): Promise<{ size: number; modified: Date } | undefined> {
    try {
      const r = await this.client.send(
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }),
      );
      // A store that gives no time gets "now": unknown age must never look old enough to collect.
      return { size: r.ContentLength ?? 0, modified: r.LastModified ?? new Date() };
    } catch (err) {
      if (statusOf(err) === 404 || (err as SdkError).name === 'NotFound') return undefined;
      throw unavailable(err);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw unavailable(err);
    }
  }

  async *list(): AsyncGenerator<BlobEntry> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: this.keyPrefix,
            ContinuationToken: token,
            MaxKeys: 1000,
          }),
        );
      } catch (err) {
        throw unavailable(err);
      }
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        const rest = o.Key.slice(this.keyPrefix.length);
        const key = rest.slice(6);
        // Only our own layout: anything else in the bucket (another tool's files) is not ours to list or collect.
        if (!BLOB_KEY.test(key) || rest !== shardedName(key)) continue;
        yield { key, modified: o.LastModified ?? new Date() };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  close(): void {
    this.client.destroy();
  }
}
