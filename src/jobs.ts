import { z } from 'zod';

/** Queue names: the contract between whoever enqueues and the handlers in workers/. */
export const QUEUES = { photoIngest: 'photo.ingest', facesMatch: 'faces.match', noticeSend: 'notice.send' } as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const payloadSchemas = {
  [QUEUES.photoIngest]: z.object({ photoId: z.uuid() }),
  [QUEUES.facesMatch]: z.object({ photoId: z.uuid() }),
  // The address's id only: the job reads (and decrypts) it when it runs, so an address removed
  // or a case deleted meanwhile is sent nothing.
  [QUEUES.noticeSend]: z.object({ addressId: z.uuid() }),
} satisfies Record<QueueName, z.ZodType>;

export type Payload<Q extends QueueName> = z.infer<(typeof payloadSchemas)[Q]>;

/**
 * What a handler did, stated explicitly so logs, counters and tests can tell a real success
 * from "nothing to do". Throwing means "transient: retry me".
 */
export type JobOutcome =
  | { status: 'done'; faces?: number; candidates?: number }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; code: string; message: string };

/** Retry policy per queue: a photo that keeps failing ends `failed`, visible, after the last try. */
export const RETRY = {
  [QUEUES.photoIngest]: { retryLimit: 3, retryDelay: 5, retryBackoff: true },
  [QUEUES.facesMatch]: { retryLimit: 5, retryDelay: 5, retryBackoff: true },
  // A mail server or Telegram away for a while: tried again for about an hour and a half.
  [QUEUES.noticeSend]: { retryLimit: 8, retryDelay: 30, retryBackoff: true },
} satisfies Record<QueueName, { retryLimit: number; retryDelay: number; retryBackoff: boolean }>;
