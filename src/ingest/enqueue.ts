import { authorize } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { describeError, isKinfinderError, KinfinderError, type ErrorCode } from '../errors.ts';
import { verifyDecodable, type ImageLimits } from '../image/index.ts';
import { QUEUES } from '../jobs.ts';
import type { JobQueue } from '../queue.ts';
import { recordAudit } from '../store/audit.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Database } from '../store/database.ts';
import { recordBatchFile } from '../store/batches.ts';
import { ensureSource, insertPhoto } from '../store/photos.ts';
import { assertValidText } from '../text.ts';
import { checkArchiveMetadata } from '../records/record.ts';
import { recordArchivePhoto } from '../store/records.ts';
import { ensurePersonByRef, personsOfPhotos } from '../store/persons.ts';
import { addEventRow, checkEvent, type EventInput } from '../persons/events.ts';
import type { Category, PhotoStatus } from '../vocabulary.ts';
import { openBatch, recordRefusal } from './batches.ts';
import { looksLikeZip } from './input.ts';
import { MetadataMatcher } from './metadata-csv.ts';
import { parseMetadataCsvOffThread } from './metadata-csv-thread.ts';
import { uploadedZipEntries } from './upload-zip.ts';

export interface EnqueueDeps {
  db: Database;
  blobs: BlobStore;
  queue: JobQueue;
  limits: ImageLimits;
}

export interface PhotoInput {
  /** What the operator recognises: a path, `archive.zip!entry`, or an upload's file name. */
  name: string;
  bytes: Uint8Array;
  source?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  /** What the photo shows (default `unknown`). */
  category?: Category | undefined;
  /** The batch the file is part of: its outcome is recorded there, in the same transaction. */
  batchId?: string | undefined;
  /** The metadata CSV's `person_ref`: the archive person (by the installation's ref) a new photo joins. */
  personRef?: string | undefined;
  /** The metadata CSV's event of the person (DESIGN §16), entered with a new photo. */
  event?: EventInput | undefined;
}

export interface EnqueuedPhoto {
  id: string;
  sha256: string;
  originalName: string;
  status: PhotoStatus;
  /** Set when these bytes were already known: the id is then the earlier photo's. */
  duplicateOf?: string;
}

/** Files one upload request may carry (each within the size cap). */
export const MAX_FILES_PER_UPLOAD = 50;

/**
 * Accepts one photo into the archive: checks it is an image within the limits that decodes without
 * damage (verifyDecodable), stores the bytes, and in one transaction records the photo, queues its processing and
 * writes its `photo.upload` audit row, so no photo is ever committed unaccounted for. Known
 * bytes are reported as a duplicate and not processed again. Throws a KinfinderError for a file
 * that is not an acceptable image; nothing is recorded then.
 */
export async function enqueuePhoto(deps: EnqueueDeps, caller: Caller, input: PhotoInput): Promise<EnqueuedPhoto> {
  authorize(caller, 'photos.upload');
  // Text the database would refuse fails here, before the blob is written (it left orphans).
  assertValidText(input.name, 'file name');
  assertValidText(input.source, 'source');
  assertValidText(input.metadata, 'metadata');
  checkArchiveMetadata(input.metadata);
  assertValidText(input.personRef, 'person_ref');
  const event = input.event ? checkEvent(input.event) : undefined;
  const header = await verifyDecodable(input.bytes, deps.limits);
  // Blob first: a crash after it leaves an unreferenced blob that the next attempt reuses,
  // never a photo row whose bytes are missing.
  const sha256 = await deps.blobs.put(input.bytes);
  return deps.db.transaction(async (tx) => {
    const sourceId = input.source ? await ensureSource(tx, input.source) : null;
    // Without a ref the photo is a person of its own (migration 0014's trigger makes him).
    const personId = input.personRef ? await ensurePersonByRef(tx, input.personRef) : undefined;
    const photo = await insertPhoto(tx, {
      personId,
      sha256,
      originalName: input.name,
      byteSize: input.bytes.byteLength,
      format: header.format,
      sourceId,
      metadata: input.metadata ?? {},
      category: input.category,
      batchId: input.batchId,
    });
    if (photo.created) await deps.queue.send(QUEUES.photoIngest, { photoId: photo.id }, { tx });
    // The person record (names, birth date, document numbers…), keyed for linkage (issue 14).
    if (photo.created) await recordArchivePhoto(tx, photo.id, input.metadata ?? {});
    // What became of him, with the photo that shows it (only once: a duplicate adds nothing).
    if (photo.created && event) {
      const actor = auditActor(caller);
      await addEventRow(
        tx,
        { tokenId: actor?.id ?? null, role: actor?.role ?? 'anonymous' },
        (await personsOfPhotos(tx, [photo.id])).get(photo.id)!,
        event,
      );
    }
    if (input.batchId)
      await recordBatchFile(tx, {
        batchId: input.batchId,
        file: input.name,
        photoId: photo.id,
        outcome: photo.created ? 'new' : 'duplicate',
      });
    await recordAudit(tx, auditActor(caller), {
      action: 'photo.upload',
      subjectType: 'photo',
      subjectId: photo.id,
      details: { duplicate: !photo.created, ...(input.batchId ? { batchId: input.batchId } : {}) },
    });
    return {
      id: photo.id,
      sha256,
      originalName: input.name,
      status: photo.status,
      ...(photo.created ? {} : { duplicateOf: photo.id }),
    };
  });
}

export type UploadResult = EnqueuedPhoto | { originalName: string; error: { code: ErrorCode; message: string } };

/**
 * An operator's upload of several files: each is accepted or refused on its own, so one bad
 * file does not sink the others. A request in which no file was accepted is itself an error
 * (the first file's), carrying every file's result.
 */
export async function uploadPhotos(
  deps: EnqueueDeps,
  caller: Caller,
  input: {
    files: Array<{ name: string; bytes: Uint8Array }>;
    source?: string | undefined;
    metadata?: Record<string, unknown> | undefined;
    category?: Category | undefined;
    /** An open batch to add these files to (the operator page's upload spans many requests); else a new one. */
    batchId?: string | undefined;
    /**
     * The text of a metadata CSV, the very format of `kinfinder ingest --metadata` (metadata-csv.ts):
     * each file (or zip entry) takes the row its name matches, over `metadata`; a row's
     * `category` over `category`. The operator page sends it beside the photos.
     */
    metadataCsv?: string | undefined;
  },
): Promise<{ batchId: string; photos: UploadResult[] }> {
  authorize(caller, 'photos.upload');
  if (input.files.length === 0)
    throw new KinfinderError('invalid_input', 'attach at least one photo in the "file" field');
  if (input.files.length > MAX_FILES_PER_UPLOAD)
    throw new KinfinderError('too_many_photos', `send at most ${MAX_FILES_PER_UPLOAD} photos per request`);
  // Shared by every file: refused for the request as a whole, not once per file.
  assertValidText(input.source, 'source');
  assertValidText(input.metadata, 'metadata');
  assertValidText(input.metadataCsv, 'metadataCsv');
  checkArchiveMetadata(input.metadata);
  // Parsed before the batch is opened: a CSV that cannot be read refuses the request, no file is half-taken.
  const matcher =
    input.metadataCsv === undefined || input.metadataCsv.trim() === ''
      ? undefined
      : new MetadataMatcher(await parseMetadataCsvOffThread(input.metadataCsv));
  const batch = await openBatch(deps, caller, {
    batchId: input.batchId,
    channel: 'api',
    source: input.source,
    category: input.category,
  });
  const photos: UploadResult[] = [];
  let firstError: KinfinderError | undefined;
  const accept = async (name: string, bytes: Uint8Array) => {
    const { category: rowCategory, personRef, event, ...row } = matcher?.match(name) ?? {};
    const metadata = Object.keys(row).length > 0 ? { ...input.metadata, ...row } : input.metadata;
    try {
      photos.push(
        await enqueuePhoto(deps, caller, {
          name,
          bytes,
          source: input.source ?? batch.source ?? undefined,
          metadata,
          category: rowCategory ?? input.category ?? batch.category,
          batchId: batch.id,
          personRef,
          event,
        }),
      );
    } catch (err) {
      if (!isKinfinderError(err)) throw err;
      firstError ??= err;
      await refuse(name, describeError(err));
    }
  };
  const refuse = async (name: string, error: { code: ErrorCode; message: string }) => {
    firstError ??= new KinfinderError(error.code, error.message);
    await recordRefusal(deps.db, batch.id, name, error);
    photos.push({ originalName: name, error });
  };
  for (const f of input.files) {
    // A zip archive (the operator page offers them, as `kinfinder ingest` takes them): each of
    // its photos is a file of the batch, named `archive.zip!inner/path.jpg`.
    if (/\.zip$/i.test(f.name) || looksLikeZip(Buffer.from(f.bytes.subarray(0, 4)))) {
      for await (const item of uploadedZipEntries(f, deps.limits.maxBytes)) {
        if ('error' in item) await refuse(item.name, item.error);
        else await accept(item.name, item.bytes);
      }
      continue;
    }
    await accept(f.name, f.bytes);
  }
  if (firstError && photos.every((p) => 'error' in p)) {
    throw new KinfinderError(firstError.code, firstError.message, firstError.details, {
      body: { batchId: batch.id, photos },
    });
  }
  return { batchId: batch.id, photos };
}
