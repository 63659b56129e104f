import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCase } from '../../src/cases/delete.ts';
import { openCase } from '../../src/cases/open.ts';
import { MAX_REFERENCE_PHOTOS } from '../../src/cases/reference-photos.ts';
import { viewCase } from '../../src/cases/view.ts';
import { KinfinderError } from '../../src/errors.ts';
import { callerOf, refuseEarly, type Env } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { parseJsonField, readMultipart } from '../multipart.ts';
import { presentCandidate, presentCase, presentConfirmed, presentReferenceFace } from '../present.ts';
import { rateLimitAnonymous } from '../rate-limit.ts';
import { refuseCrossSite } from '../same-origin.ts';
import { uuidParam } from '../validate.ts';

/** One value per photo, as repeated fields or comma-separated; an empty entry means "the only face". */
function parseFaceIndexes(raw: string[], photos: number): Array<number | undefined> {
  const parts = raw.flatMap((r) => r.split(',')).map((s) => s.trim());
  if (parts.length > photos) throw new KinfinderError('invalid_input', 'more faceIndex values than photos');
  return Array.from({ length: photos }, (_, i) => {
    const p = parts[i];
    if (p === undefined || p === '') return undefined;
    if (!/^\d{1,3}$/.test(p)) throw new KinfinderError('invalid_input', 'faceIndex must be a whole number (0 = the largest face)');
    return Number(p);
  });
}

export function searchRoutes(api: ApiDeps, clientAddress: (c: Context<Env>) => string): Hono<Env> {
  const app = new Hono<Env>();

  app.post(
    '/searches',
    refuseCrossSite(),
    refuseEarly('cases.open'),
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
      const indexes = parseFaceIndexes(form.texts('faceIndex'), photos.length);
      const opened = await openCase(api, callerOf(c), {
        photos: photos.map((p, i) => ({ bytes: p.bytes, faceIndex: indexes[i] })),
        subject: parseJsonField(form.text('subject'), 'subject'),
        client: clientAddress(c),
      });
      api.counters.inc('searches_created');
      return c.json(
        {
          search: presentCase(opened.case),
          ...(opened.accessToken ? { accessToken: opened.accessToken } : {}),
          referenceFaces: opened.referenceFaces.map(presentReferenceFace),
          ...(opened.candidates ? { candidates: opened.candidates.map(presentCandidate) } : {}),
        },
        201,
      );
    },
  );

  app.get('/searches/:id', async (c) => {
    const view = await viewCase(api, callerOf(c), uuidParam(c, 'id'));
    if (view.for === 'family') return c.json({ search: presentCase(view.case), confirmed: view.confirmed.map(presentConfirmed) });
    return c.json({
      search: presentCase(view.case),
      referenceFaces: view.referenceFaces.map(presentReferenceFace),
      candidates: view.candidates.map(presentCandidate),
    });
  });

  app.delete('/searches/:id', async (c) => {
    await deleteCase(api, callerOf(c), uuidParam(c, 'id'));
    return c.body(null, 204);
  });

  return app;
}
