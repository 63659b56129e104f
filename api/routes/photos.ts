import { z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { correctPhoto, withdrawPhoto } from '../../src/gallery/corrections.ts';
import { listArchivePhotos } from '../../src/gallery/list.ts';
import { CATEGORIES, PHOTO_STATUSES } from '../../src/vocabulary.ts';
import { KinfinderError } from '../../src/errors.ts';
import {
  readFaceCrop,
  readPhoto,
  readPhotoImage,
  readReferenceCrop,
  readReferencePhoto,
} from '../../src/gallery/read.ts';
import { MAX_FILES_PER_UPLOAD, uploadPhotos } from '../../src/ingest/enqueue.ts';
import { checkCsvSize, DEFAULT_MAX_CSV_BYTES } from '../../src/ingest/metadata-csv-thread.ts';
import { callerOf, refuseEarly } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { readMultipart, parseJsonField } from '../multipart.ts';
import { apiRouter, declareRoute, type Access } from '../openapi.ts';
import { presentPhoto, presentPhotoListItem } from '../present.ts';
import { Photo, PhotoPage, PhotoUploadForm, UploadResult, Withdrawn } from '../schemas.ts';
import { idParams, uuid } from '../validate.ts';

export const photoListQuery = z.object({
  batch: uuid.optional().openapi({ description: 'photos named by the files of this batch (duplicates included)' }),
  status: z.enum(PHOTO_STATUSES).optional(),
  category: z.enum(CATEGORIES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  after: uuid.optional().openapi({ description: 'the `next` of the previous page' }),
});

// The reason is required, and said so by the use case in the caller's language (issue 29): zod's
// own "expected string, received undefined" told an operator nothing.
export const withdrawBody = z
  .object({ reason: z.string().max(2000).optional().openapi({ description: 'required: why the photo is withdrawn' }) })
  .openapi('WithdrawPhoto');

export const correctionBody = z
  .object({
    category: z.enum(CATEGORIES).optional(),
    metadata: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'replaces the whole metadata object' }),
    source: z
      .string()
      .trim()
      .max(200)
      .nullable()
      .optional()
      .openapi({ description: 'a source name; null or empty clears it' }),
  })
  .openapi('PhotoCorrection');

const categoryField = (raw: string | undefined) => {
  const v = raw?.trim().toLowerCase();
  if (!v) return undefined;
  if (!(CATEGORIES as readonly string[]).includes(v))
    throw new KinfinderError('invalid_input', `category must be one of ${CATEGORIES.join(', ')}`);
  return v as (typeof CATEGORIES)[number];
};

const batchField = (raw: string | undefined) => {
  const v = raw?.trim().toLowerCase();
  if (!v) return undefined;
  if (!uuid.safeParse(v).success) throw new KinfinderError('invalid_input', 'batch must be the id of a batch');
  return v;
};

/**
 * The `metadataCsv` file as text: one file at most, UTF-8 (the CLI reads its `--metadata` file so
 * too), no larger than KINFINDER_MAX_CSV_MB: refused with 413 before it is decoded or parsed.
 */
async function csvField(files: Array<{ bytes: Uint8Array }>, maxBytes: number): Promise<string | undefined> {
  if (files.length === 0) return undefined;
  if (files.length > 1) throw new KinfinderError('invalid_input', 'send at most one metadataCsv file');
  checkCsvSize(files[0]!.bytes.byteLength, maxBytes);
  return new TextDecoder('utf-8').decode(files[0]!.bytes);
}

function jpeg(bytes: Uint8Array) {
  return new Response(new Uint8Array(bytes), {
    headers: {
      'content-type': 'image/jpeg',
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}

const jpegResponse = {
  200: {
    description: 'JPEG, metadata stripped',
    content: { 'image/jpeg': { schema: { type: 'string' as const, format: 'binary' } } },
  },
};

/** The JPEG routes: one use case each, all by id. */
const images = [
  {
    path: '/photos/{id}/image',
    summary: 'Display JPEG of a photo (upright, metadata stripped)',
    read: readPhotoImage,
    access: { action: 'photos.image', note: 'A family only for its own confirmed matches.' },
  },
  {
    path: '/faces/{id}/crop',
    summary: 'JPEG crop of a gallery face',
    read: readFaceCrop,
    access: { action: 'photos.image', note: 'A family only for its own confirmed matches.' },
  },
  {
    path: '/reference-faces/{id}/crop',
    summary: "JPEG crop of a case's reference face",
    read: readReferenceCrop,
    access: { action: 'references.read', note: 'A family only for its own case.' },
  },
  {
    path: '/reference-faces/{id}/photo',
    summary: "The whole reference photo of a case's reference face (upright, at most 2048 px, no metadata)",
    read: readReferencePhoto,
    access: { action: 'references.read', note: 'A family only for its own case.' },
  },
] satisfies Array<{ path: string; summary: string; read: typeof readPhotoImage; access: Access }>;

export function photoRoutes(api: ApiDeps) {
  const app = apiRouter();

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/photos',
        tags: ['photos'],
        summary: 'Upload gallery photos (queued for processing)',
        middleware: [
          refuseEarly('photos.upload'),
          bodyLimit({
            maxSize: api.limits.maxBytes * MAX_FILES_PER_UPLOAD + 1024 * 1024,
            onError: () => {
              throw new KinfinderError(
                'file_too_large',
                `an upload may hold at most ${MAX_FILES_PER_UPLOAD} photos of ${Math.round(api.limits.maxBytes / 1024 / 1024)} MB each`,
              );
            },
          }),
        ] as const,
        request: {
          body: {
            required: true,
            content: { 'multipart/form-data': { schema: { $ref: '#/components/schemas/PhotoUploadForm' } } },
          },
        },
        responses: {
          202: {
            description: 'each file queued, known already, or refused',
            content: { 'application/json': { schema: UploadResult } },
          },
        },
      },
      {
        access: { action: 'photos.upload' },
        errors: ['invalid_input', 'file_too_large', 'empty_file', 'too_many_photos', 'not_found'],
      },
    ),
    async (c) => {
      const form = await readMultipart(c);
      const result = await uploadPhotos(api, callerOf(c), {
        files: await form.files('file'),
        source: form.text('source')?.trim() || undefined,
        metadata: parseJsonField(form.text('metadata'), 'metadata'),
        category: categoryField(form.text('category')),
        batchId: batchField(form.text('batch')),
        metadataCsv: await csvField(await form.files('metadataCsv'), api.maxCsvBytes ?? DEFAULT_MAX_CSV_BYTES),
      });
      return c.json(result, 202);
    },
  );
  app.openAPIRegistry.register('PhotoUploadForm', PhotoUploadForm);

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/photos',
        tags: ['photos'],
        summary: "The archive's photos, newest first, by batch, status and category (cursor-paginated)",
        request: { query: photoListQuery },
        responses: { 200: { description: 'a page of photos', content: { 'application/json': { schema: PhotoPage } } } },
      },
      { access: { action: 'photos.list' }, errors: ['invalid_input'] },
    ),
    async (c) => {
      const page = await listArchivePhotos(api, callerOf(c), c.req.valid('query'));
      return c.json({ items: page.items.map(presentPhotoListItem), ...(page.next ? { next: page.next } : {}) }, 200);
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/photos/{id}/withdraw',
        tags: ['photos'],
        // Who may, before the body is judged: a stranger learns nothing of what the route expects.
        middleware: [refuseEarly('photos.withdraw')] as const,
        summary:
          "Withdraw a photo: its faces and crops go; an undecided candidate moves to its man's next-best photo " +
          '(or goes when nothing else of his matches); decided ones stay on record and their cases are reviewed again',
        request: {
          params: idParams,
          body: { required: true, content: { 'application/json': { schema: withdrawBody } } },
        },
        responses: { 200: { description: 'withdrawn', content: { 'application/json': { schema: Withdrawn } } } },
      },
      { access: { action: 'photos.withdraw' }, errors: ['invalid_input', 'conflict'] },
    ),
    async (c) => {
      const id = c.req.valid('param').id;
      const r = await withdrawPhoto(api, callerOf(c), id, c.req.valid('json'));
      return c.json(
        {
          photo: { id, status: 'withdrawn' as const },
          removedCandidates: r.removedCandidates,
          rescoredCandidates: r.rescoredCandidates,
          keptCandidates: r.keptCandidates.map((k) => ({ id: k.id, searchId: k.caseId, status: k.status })),
          cases: r.cases,
        },
        200,
      );
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'patch',
        path: '/photos/{id}',
        tags: ['photos'],
        middleware: [refuseEarly('photos.correct')] as const,
        summary: "Correct a photo's category, metadata or source (audited)",
        request: {
          params: idParams,
          body: { required: true, content: { 'application/json': { schema: correctionBody } } },
        },
        responses: { 204: { description: 'changed' } },
      },
      { access: { action: 'photos.correct' }, errors: ['invalid_input', 'conflict'] },
    ),
    async (c) => {
      await correctPhoto(api, callerOf(c), c.req.valid('param').id, c.req.valid('json'));
      return c.body(null, 204);
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/photos/{id}',
        tags: ['photos'],
        summary: 'A photo with its faces',
        request: { params: idParams },
        responses: { 200: { description: 'the photo', content: { 'application/json': { schema: Photo } } } },
      },
      { access: { action: 'photos.read' } },
    ),
    async (c) => {
      const { photo, faces } = await readPhoto(api, callerOf(c), c.req.valid('param').id);
      return c.json(presentPhoto(photo, faces), 200);
    },
  );

  for (const image of images) {
    app.openapi(
      declareRoute(
        {
          method: 'get',
          path: image.path,
          tags: ['photos'],
          summary: image.summary,
          request: { params: idParams },
          responses: jpegResponse,
        },
        { access: image.access },
      ),
      async (c) => jpeg(await image.read(api, callerOf(c), c.req.valid('param').id)),
    );
  }

  return app;
}
