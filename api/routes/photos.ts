import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { describeError, isKinfinderError, KinfinderError } from '../../src/errors.ts';
import { displayJpeg } from '../../src/image/index.ts';
import { enqueuePhoto } from '../../src/ingest/service.ts';
import { recordAudit } from '../../src/store/audit.ts';
import { faceVisibleToCase, photoVisibleToCase } from '../../src/store/candidates.ts';
import { facesOfPhoto, getFace, getPhoto } from '../../src/store/photos.ts';
import { getReferenceFace } from '../../src/store/searches.ts';
import { principalOf, requireRole, type Env } from '../auth.ts';
import type { AppDeps, ApiDeps } from '../deps.ts';
import { STATUS_BY_CODE } from '../error-status.ts';
import { readMultipart, parseJsonField } from '../multipart.ts';
import { presentPhoto } from '../present.ts';
import { uuidParam } from '../validate.ts';

const MAX_FILES_PER_REQUEST = 50;

function jpeg(bytes: Buffer) {
  return new Response(new Uint8Array(bytes), {
    headers: { 'content-type': 'image/jpeg', 'cache-control': 'private, no-store', 'x-content-type-options': 'nosniff' },
  });
}

export function photoRoutes(deps: AppDeps, api: ApiDeps): Hono<Env> {
  const app = new Hono<Env>();
  const { db } = deps;

  app.post(
    '/photos',
    requireRole('operator'),
    bodyLimit({
      maxSize: api.limits.maxBytes * MAX_FILES_PER_REQUEST + 1024 * 1024,
      onError: () => {
        throw new KinfinderError('file_too_large', `an upload may hold at most ${MAX_FILES_PER_REQUEST} photos of ${Math.round(api.limits.maxBytes / 1024 / 1024)} MB each`);
      },
    }),
    async (c) => {
      const form = await readMultipart(c);
      const files = await form.files('file');
      if (files.length === 0) throw new KinfinderError('invalid_input', 'attach at least one photo in the "file" field');
      if (files.length > MAX_FILES_PER_REQUEST) throw new KinfinderError('too_many_photos', `send at most ${MAX_FILES_PER_REQUEST} photos per request`);
      const source = form.text('source')?.trim() || undefined;
      const metadata = parseJsonField(form.text('metadata'), 'metadata');
      const principal = principalOf(c);
      const results = [];
      let accepted = 0;
      let firstError: KinfinderError | undefined;
      for (const f of files) {
        try {
          const p = await enqueuePhoto({ db, blobs: api.blobs, queue: api.queue, limits: api.limits }, { name: f.name, bytes: f.bytes, source, metadata });
          accepted++;
          results.push({ id: p.id, originalName: p.originalName, sha256: p.sha256, status: p.status, ...(p.duplicateOf ? { duplicateOf: p.duplicateOf } : {}) });
        } catch (err) {
          if (!isKinfinderError(err)) throw err;
          firstError ??= err;
          results.push({ originalName: f.name, error: describeError(err) });
        }
      }
      await recordAudit(db, { id: principal.id, role: principal.role }, { action: 'photo.upload', details: { files: files.length, accepted } });
      // One bad file in a batch does not sink the others; a request with no good file is an error.
      if (accepted === 0 && firstError) {
        return c.json({ error: describeError(firstError), photos: results }, STATUS_BY_CODE[firstError.code] as 400);
      }
      return c.json({ photos: results }, 202);
    },
  );

  app.get('/photos/:id', requireRole('operator', 'verifier'), async (c) => {
    const id = uuidParam(c, 'id');
    const photo = await getPhoto(db, id);
    if (!photo) throw new KinfinderError('not_found', 'no such photo');
    const p = principalOf(c);
    await recordAudit(db, { id: p.id, role: p.role }, { action: 'photo.read', subjectType: 'photo', subjectId: id });
    return c.json(presentPhoto(photo, await facesOfPhoto(db, id)));
  });

  app.get('/photos/:id/image', requireRole('operator', 'verifier', 'family'), async (c) => {
    const id = uuidParam(c, 'id');
    const p = principalOf(c);
    const photo = await getPhoto(db, id);
    // A family sees a gallery photo only once it is a confirmed match for their case; anything
    // else answers as if the photo did not exist.
    if (!photo || (p.role === 'family' && !(await photoVisibleToCase(db, id, p.searchId!)))) throw new KinfinderError('not_found', 'no such photo');
    if (!photo.displaySha256) throw new KinfinderError('not_found', 'this photo has not been processed yet');
    await recordAudit(db, { id: p.id, role: p.role }, { action: 'photo.image.read', subjectType: 'photo', subjectId: id });
    return jpeg(await api.blobs.get(photo.displaySha256));
  });

  app.get('/faces/:id/crop', requireRole('operator', 'verifier', 'family'), async (c) => {
    const id = uuidParam(c, 'id');
    const p = principalOf(c);
    const face = await getFace(db, id);
    if (!face?.cropSha256 || (p.role === 'family' && !(await faceVisibleToCase(db, id, p.searchId!)))) throw new KinfinderError('not_found', 'no such face');
    await recordAudit(db, { id: p.id, role: p.role }, { action: 'face.crop.read', subjectType: 'face', subjectId: id });
    return jpeg(await api.blobs.get(face.cropSha256));
  });

  /** The route's reference face, if the caller may see it: any for a verifier, its own case's for a family. */
  async function visibleReference(c: Context<Env>) {
    const id = uuidParam(c, 'id');
    const p = principalOf(c);
    const ref = await getReferenceFace(db, id);
    if (!ref || (p.role === 'family' && p.searchId !== ref.searchId)) throw new KinfinderError('not_found', 'no such reference face');
    return { p, ref };
  }

  app.get('/reference-faces/:id/crop', requireRole('verifier', 'family'), async (c) => {
    const { p, ref } = await visibleReference(c);
    if (!ref.cropSha256) throw new KinfinderError('not_found', 'no such reference face');
    await recordAudit(db, { id: p.id, role: p.role }, { action: 'reference.crop.read', subjectType: 'reference_face', subjectId: ref.id });
    return jpeg(await api.blobs.get(ref.cropSha256));
  });

  // The family's whole photo, so a verifier can weigh hair, ears and build as well as the face:
  // upright, at most 2048 px, and without the upload's metadata (a phone photo's EXIF can hold
  // where the family lives). Made when the case was opened; for older cases, made here.
  app.get('/reference-faces/:id/photo', requireRole('verifier', 'family'), async (c) => {
    const { p, ref } = await visibleReference(c);
    await recordAudit(db, { id: p.id, role: p.role }, { action: 'reference.photo.read', subjectType: 'reference_face', subjectId: ref.id });
    return jpeg(ref.displaySha256 ? await api.blobs.get(ref.displaySha256) : await displayJpeg(await api.blobs.get(ref.photoSha256), api.limits));
  });

  return app;
}
