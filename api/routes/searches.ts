import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createCase, deleteCase, MAX_REFERENCE_PHOTOS, viewCase } from '../../src/cases/service.ts';
import { KinfinderError } from '../../src/errors.ts';
import { principalOf, requireRole, type Env } from '../auth.ts';
import type { ApiDeps, AppDeps } from '../deps.ts';
import { parseJsonField, readMultipart } from '../multipart.ts';
import { presentCandidate, presentConfirmed, presentReferenceFace, presentSearch } from '../present.ts';
import { rateLimitAnonymous } from '../rate-limit.ts';
import { uuidParam } from '../validate.ts';

function parseFaceIndexes(raw: string[], photos: number): Array<number | undefined> {
  // One value per photo, as repeated fields or comma-separated; an empty entry means "the only face".
  const parts = raw.flatMap((r) => r.split(',')).map((s) => s.trim());
  if (parts.length > photos) throw new KinfinderError('invalid_input', 'more faceIndex values than photos');
  return Array.from({ length: photos }, (_, i) => {
    const p = parts[i];
    if (p === undefined || p === '') return undefined;
    if (!/^\d{1,3}$/.test(p)) throw new KinfinderError('invalid_input', 'faceIndex must be a whole number (0 = the largest face)');
    return Number(p);
  });
}

export function searchRoutes(deps: AppDeps, api: ApiDeps, clientAddress: (c: Context<Env>) => string): Hono<Env> {
  const app = new Hono<Env>();
  const caseDeps = { db: deps.db, blobs: api.blobs, faces: api.faces, manifest: api.manifest, limits: api.limits, confirmations: api.confirmations };

  app.post(
    '/searches',
    bodyLimit({
      maxSize: api.limits.maxBytes * MAX_REFERENCE_PHOTOS + 64 * 1024,
      onError: () => {
        throw new KinfinderError('file_too_large', `send at most ${MAX_REFERENCE_PHOTOS} photos of ${Math.round(api.limits.maxBytes / 1024 / 1024)} MB each`);
      },
    }),
    rateLimitAnonymous({ ...(api.rateLimit ?? { max: 20, windowMs: 60 * 60 * 1000 }), key: clientAddress }),
    async (c) => {
      const form = await readMultipart(c);
      const photos = await form.files('photo');
      if (photos.length === 0) throw new KinfinderError('invalid_input', 'attach one to five photos of the person in the "photo" field');
      if (photos.length > MAX_REFERENCE_PHOTOS) throw new KinfinderError('too_many_photos', `attach at most ${MAX_REFERENCE_PHOTOS} photos of one person`);
      const indexes = parseFaceIndexes(form.texts('faceIndex'), photos.length);
      const subject = parseJsonField(form.text('subject'), 'subject');
      const principal = c.get('principal');
      const created = await createCase(caseDeps, {
        photos: photos.map((p, i) => ({ bytes: p.bytes, faceIndex: indexes[i] })),
        subject,
        principal,
      });
      api.counters.inc('searches_created');
      return c.json(
        {
          search: presentSearch(created.search),
          ...(created.accessToken ? { accessToken: created.accessToken } : {}),
          referenceFaces: created.referenceFaces.map(presentReferenceFace),
          ...(created.candidates ? { candidates: created.candidates.map(presentCandidate) } : {}),
        },
        201,
      );
    },
  );

  app.get('/searches/:id', requireRole('verifier', 'family'), async (c) => {
    const view = await viewCase(caseDeps, uuidParam(c, 'id'), principalOf(c));
    if (view.candidates) {
      return c.json({
        search: presentSearch(view.search),
        referenceFaces: (view.referenceFaces ?? []).map(presentReferenceFace),
        candidates: view.candidates.map(presentCandidate),
      });
    }
    return c.json({ search: presentSearch(view.search), confirmed: (view.confirmed ?? []).map(presentConfirmed) });
  });

  app.delete('/searches/:id', requireRole('family', 'admin'), async (c) => {
    await deleteCase(caseDeps, uuidParam(c, 'id'), principalOf(c));
    return c.body(null, 204);
  });

  return app;
}
