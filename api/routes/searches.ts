import type { Context } from 'hono';
import { z } from '@hono/zod-openapi';
import { reissueCaseCode } from '../../src/cases/case-code.ts';
import { findCases } from '../../src/cases/find.ts';
import { deleteCase } from '../../src/cases/delete.ts';
import { openCase } from '../../src/cases/open.ts';
import { viewCase } from '../../src/cases/view.ts';
import { KinfinderError } from '../../src/errors.ts';
import { callerOf, refuseEarly, type Env } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { parseJsonField, readMultipart } from '../multipart.ts';
import { familyWords } from '../family-words.ts';
import { languageOf } from '../language.ts';
import {
  presentCandidate,
  presentCase,
  presentFamilyCase,
  presentFamilyCaseHead,
  presentReferenceFace,
  presentReviewItem,
} from '../present.ts';
import { rateLimitAnonymous, referencePhotosBodyLimit, type UploadLimits } from '../rate-limit.ts';
import { apiRouter, declareRoute } from '../openapi.ts';
import { refuseCrossSite } from '../same-origin.ts';
import { CaseCode, CaseForFamily, CaseForStaff, FoundCasePage, SearchCreated, SearchForm } from '../schemas.ts';
import { idParams } from '../validate.ts';

/** Cases an address may open in an hour when the entry point does not say (KINFINDER_RATE_CASES_PER_HOUR). */
export const DEFAULT_CASE_RATE = { max: 100, windowMs: 60 * 60 * 1000 };

/** One value per photo, as repeated fields or comma-separated; an empty entry means "the only face". */
export function parseFaceIndexes(raw: string[], photos: number): Array<number | undefined> {
  const parts = raw.flatMap((r) => r.split(',')).map((s) => s.trim());
  if (parts.length > photos) throw new KinfinderError('invalid_input', 'more faceIndex values than photos');
  return Array.from({ length: photos }, (_, i) => {
    const p = parts[i];
    if (p === undefined || p === '') return undefined;
    if (!/^\d{1,3}$/.test(p))
      throw new KinfinderError('invalid_input', 'faceIndex must be a whole number (0 = the largest face)');
    return Number(p);
  });
}

export const caseSearchQuery = z.object({
  q: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: 'a surname in any script (Коваленко finds Kovalenko), or a case id' }),
  birthDate: z
    .string()
    .max(40)
    .optional()
    .openapi({ description: 'YYYY, YYYY-MM or YYYY-MM-DD; agrees as far as both are known' }),
  idNumber: z
    .string()
    .max(100)
    .optional()
    .openapi({ description: 'a document number, spaces and look-alike letters forgiven, within one edit' }),
  code: z.string().max(64).optional().openapi({ description: 'a case code, or at least its first four characters' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().max(60).optional().openapi({ description: 'the `next` of the previous page' }),
});

export function searchRoutes(api: ApiDeps, clientAddress: (c: Context<Env>) => string, uploads: UploadLimits) {
  const app = apiRouter();

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/searches',
        tags: ['searches'],
        summary: 'Open a case from 1–5 photos of one person',
        description:
          'Anonymous callers are rate-limited per address (every upload counts, refused ones too), their bodies ' +
          "capped by KINFINDER_MAX_ANON_UPLOAD_MB, and get the case's access token (once) and no candidates; " +
          'a verifier gets the candidates at once.',
        middleware: [
          refuseCrossSite(),
          refuseEarly('cases.open'),
          // Counted before the body is looked at, so a body refused as too large counts too.
          rateLimitAnonymous(uploads),
          referencePhotosBodyLimit(api),
        ] as const,
        request: {
          body: {
            required: true,
            content: { 'multipart/form-data': { schema: { $ref: '#/components/schemas/SearchForm' } } },
          },
        },
        responses: {
          201: { description: 'the case opened', content: { 'application/json': { schema: SearchCreated } } },
        },
      },
      {
        access: { action: 'cases.open' },
        errors: [
          'invalid_input',
          'invalid_subject',
          'empty_file',
          'too_many_photos',
          'file_too_large',
          'upload_too_large',
          'too_many_pixels',
          'unsupported_format',
          'corrupt_image',
          'face_engine_timeout',
          'no_face',
          'choose_face',
          'no_such_face',
          'rate_limited',
        ],
      },
    ),
    async (c) => {
      const form = await readMultipart(c);
      const photos = await form.files('photo');
      const indexes = parseFaceIndexes(form.texts('faceIndex'), photos.length);
      const opened = await openCase(api, callerOf(c), {
        photos: photos.map((p, i) => ({ bytes: p.bytes, faceIndex: indexes[i] })),
        subject: parseJsonField(form.text('subject'), 'subject'),
        client: clientAddress(c),
        lang: languageOf(c),
      });
      api.counters.inc('searches_created');
      return c.json(
        {
          // A family reads `open` whether or not the archive holds candidates (DESIGN §14).
          search: opened.forFamily ? presentFamilyCaseHead(opened.forFamily) : presentCase(opened.case),
          // The case code is the family's token; `accessToken` repeats it for older clients.
          ...(opened.caseCode ? { caseCode: opened.caseCode, accessToken: opened.caseCode } : {}),
          referenceFaces: opened.referenceFaces.map(presentReferenceFace),
          ...(opened.candidates ? { candidates: opened.candidates.map(presentCandidate) } : {}),
        },
        201,
      );
    },
  );
  app.openAPIRegistry.register('SearchForm', SearchForm);

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/searches',
        tags: ['searches'],
        summary: 'Find cases by the subject: surname, birth date, document number, case code (or its start), or id',
        description:
          'Every field given must agree. Audited: which fields were searched and which cases were found, never the words typed.',
        request: { query: caseSearchQuery },
        responses: {
          200: { description: 'a page of cases', content: { 'application/json': { schema: FoundCasePage } } },
        },
      },
      { access: { action: 'cases.find' }, errors: ['invalid_input'] },
    ),
    async (c) => {
      const page = await findCases(api, callerOf(c), c.req.valid('query'));
      return c.json(
        {
          items: page.items.map((f) => ({ ...f, createdAt: new Date(f.createdAt).toISOString() })),
          ...(page.next ? { next: page.next } : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/searches/{id}',
        tags: ['searches'],
        summary: 'A case: everything for a verifier; status and confirmed matches for its family',
        request: { params: idParams },
        responses: {
          200: {
            description: 'the case as this caller may see it',
            content: { 'application/json': { schema: CaseForStaff.or(CaseForFamily) } },
          },
        },
      },
      { access: { action: 'cases.read', note: 'A family only for its own case.' } },
    ),
    async (c) => {
      const view = await viewCase(api, callerOf(c), c.req.valid('param').id);
      if (view.for === 'family') return c.json(presentFamilyCase(view, familyWords(c)), 200);
      return c.json(
        {
          search: presentCase(view.case),
          referenceFaces: view.referenceFaces.map(presentReferenceFace),
          candidates: view.candidates.map(presentReviewItem),
        },
        200,
      );
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'delete',
        path: '/searches/{id}',
        tags: ['searches'],
        summary: "Delete a case's family data and close it",
        request: { params: idParams },
        responses: { 204: { description: 'deleted' } },
      },
      { access: { action: 'cases.delete', note: 'A family only for its own case.' } },
    ),
    async (c) => {
      await deleteCase(api, callerOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/searches/{id}/case-code',
        tags: ['searches'],
        summary: 'A new case code for a family who lost theirs (the old one stops working)',
        description:
          'For a verifier or an admin who has checked who is calling. Audited; the code is shown only in this answer.',
        request: { params: idParams },
        responses: { 201: { description: 'the new code', content: { 'application/json': { schema: CaseCode } } } },
      },
      { access: { action: 'cases.reissue_code' } },
    ),
    async (c) => c.json(await reissueCaseCode(api, callerOf(c), c.req.valid('param').id), 201),
  );

  return app;
}
