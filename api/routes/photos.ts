import { bodyLimit } from 'hono/body-limit';
import { KinfinderError } from '../../src/errors.ts';
import { readFaceCrop, readPhoto, readPhotoImage, readReferenceCrop, readReferencePhoto } from '../../src/gallery/read.ts';
import { MAX_FILES_PER_UPLOAD, uploadPhotos } from '../../src/ingest/enqueue.ts';
import { callerOf, refuseEarly } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { readMultipart, parseJsonField } from '../multipart.ts';
import { apiRouter, declareRoute, type Access } from '../openapi.ts';
import { presentPhoto } from '../present.ts';
import { Photo, PhotoUploadForm, UploadResult } from '../schemas.ts';
import { idParams } from '../validate.ts';

function jpeg(bytes: Uint8Array) {
  return new Response(new Uint8Array(bytes), {
    headers: { 'content-type': 'image/jpeg', 'cache-control': 'private, no-store', 'x-content-type-options': 'nosniff' },
  });
}

const jpegResponse = { 200: { description: 'JPEG, metadata stripped', content: { 'image/jpeg': { schema: { type: 'string' as const, format: 'binary' } } } } };

/** The JPEG routes: one use case each, all by id. */
const images = [
  { path: '/photos/{id}/image', summary: 'Display JPEG of a photo (upright, metadata stripped)', read: readPhotoImage, access: { action: 'photos.image', note: 'A family only for its own confirmed matches.' } },
  { path: '/faces/{id}/crop', summary: 'JPEG crop of a gallery face', read: readFaceCrop, access: { action: 'photos.image', note: 'A family only for its own confirmed matches.' } },
  { path: '/reference-faces/{id}/crop', summary: "JPEG crop of a case's reference face", read: readReferenceCrop, access: { action: 'references.read', note: 'A family only for its own case.' } },
  { path: '/reference-faces/{id}/photo', summary: "The whole reference photo of a case's reference face (upright, at most 2048 px, no metadata)", read: readReferencePhoto, access: { action: 'references.read', note: 'A family only for its own case.' } },
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
              throw new KinfinderError('file_too_large', `an upload may hold at most ${MAX_FILES_PER_UPLOAD} photos of ${Math.round(api.limits.maxBytes / 1024 / 1024)} MB each`);
            },
          }),
        ] as const,
        request: { body: { required: true, content: { 'multipart/form-data': { schema: { $ref: '#/components/schemas/PhotoUploadForm' } } } } },
        responses: { 202: { description: 'each file queued, known already, or refused', content: { 'application/json': { schema: UploadResult } } } },
      },
      { access: { action: 'photos.upload' }, errors: ['invalid_input', 'file_too_large', 'empty_file', 'too_many_photos'] },
    ),
    async (c) => {
      const form = await readMultipart(c);
      const result = await uploadPhotos(api, callerOf(c), {
        files: await form.files('file'),
        source: form.text('source')?.trim() || undefined,
        metadata: parseJsonField(form.text('metadata'), 'metadata'),
      });
      return c.json(result, 202);
    },
  );
  app.openAPIRegistry.register('PhotoUploadForm', PhotoUploadForm);

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
        { method: 'get', path: image.path, tags: ['photos'], summary: image.summary, request: { params: idParams }, responses: jpegResponse },
        { access: image.access },
      ),
      async (c) => jpeg(await image.read(api, callerOf(c), c.req.valid('param').id)),
    );
  }

  return app;
}
