import { FsBlobStore, type BlobStore } from './blobs.ts';
import { S3BlobStore, type S3BlobOptions } from './s3-blobs.ts';

export type { S3BlobOptions } from './s3-blobs.ts';

/** Which blob store an installation uses: parsed from the environment by src/config.ts. */
export type BlobStoreOptions = { kind: 'fs'; dir: string } | S3BlobOptions;

/**
 * The one place entry points get a blob store from. An S3 store is checked before it is
 * returned (the bucket exists and the credentials may use it), so a wrong bucket, key or
 * endpoint stops start-up with `invalid_config` instead of failing every photo later.
 */
export async function openBlobStore(options: BlobStoreOptions): Promise<BlobStore> {
  if (options.kind === 'fs') return new FsBlobStore(options.dir);
  const store = new S3BlobStore(options);
  try {
    await store.verify();
  } catch (err) {
    store.close();
    throw err;
  }
  return store;
}
