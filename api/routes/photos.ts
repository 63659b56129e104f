import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { KinfinderError } from '../../src/errors.ts';
import { readFaceCrop, readPhoto, readPhotoImage, readReferenceCrop, readReferencePhoto } from '../../src/gallery/read.ts';
import { MAX_FILES_PER_UPLOAD, uploadPhotos } from '../../src/ingest/enqueue.ts';
import { callerOf, refuseEarly, type Env } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { readMultipart, parseJsonField } from '../multipart.ts';
import { presentPhoto } from '../present.ts';
import { uuidParam } from '../validate.ts';

function jpeg(bytes: Uint8Array) {
  return new Response(new Uint8Array(bytes), {
    headers: { 'content-type': 'image/jpeg', 'cache-control': 'private, no-store', 'x-content-type-options': 'nosniff' },
  });
}

export function photoRoutes(api: ApiDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.post(
    '/photos',
    refuseEarly('photos.upload'),
    bodyLimit({
      maxSize: api.limits.maxBytes * MAX_FILES_PER_UPLOAD + 1024 * 1024,
      onError: () => {
        throw new KinfinderError('file_too_large', `an upload may hold at most ${MAX_FILES_PER_UPLOAD} photos of ${Math.round(api.limits.maxBytes / 1024 / 1024)} MB each`);
      },
    }),
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

  app.get('/photos/:id', async (c) => {
    const { photo, faces } = await readPhoto(api, callerOf(c), uuidParam(c, 'id'));
    return c.json(presentPhoto(photo, faces));
  });
  app.get('/photos/:id/image', async (c) => jpeg(await readPhotoImage(api, callerOf(c), uuidParam(c, 'id'))));
  app.get('/faces/:id/crop', async (c) => jpeg(await readFaceCrop(api, callerOf(c), uuidParam(c, 'id'))));
  app.get('/reference-faces/:id/crop', async (c) => jpeg(await readReferenceCrop(api, callerOf(c), uuidParam(c, 'id'))));
  app.get('/reference-faces/:id/photo', async (c) => jpeg(await readReferencePhoto(api, callerOf(c), uuidParam(c, 'id'))));

  return app;
}
