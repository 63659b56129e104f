import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { addCasePhotos } from '../../src/cases/add-photos.ts';
import { readConfirmedPhoto } from '../../src/cases/confirmed-photo.ts';
import { deleteCase } from '../../src/cases/delete.ts';
import { updateSubject } from '../../src/cases/subject.ts';
import { SUBJECT_FIELDS, SUBJECT_SHAPE_REFUSAL, type SubjectField } from '../../src/records/record.ts';
import { viewOwnCase } from '../../src/cases/view.ts';
import { removeNotifyAddresses, setNotifyAddress } from '../../src/cases/notify.ts';
import { authorizePrincipal } from '../../src/access/policy.ts';
import { KinfinderError } from '../../src/errors.ts';
import { callerOf, refuseEarly, type Env } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { familyWords } from '../family-words.ts';
import { readMultipart } from '../multipart.ts';
import { apiRouter, declareRoute } from '../openapi.ts';
import { presentFamilyCase } from '../present.ts';
import { rateLimitAnonymous, referencePhotosBodyLimit, type UploadLimits } from '../rate-limit.ts';
import { CaseForFamily, CasePhotosForm } from '../schemas.ts';
import { idParams, validationHook } from '../validate.ts';
import { parseFaceIndexes } from './searches.ts';

const SubjectChanges = z
  .object(
    Object.fromEntries(SUBJECT_FIELDS.map((f) => [f, z.string().max(2000).nullable().optional()])) as Record<
      SubjectField,
      z.ZodOptional<z.ZodNullable<z.ZodString>>
    >,
  )
  .strict()
  .openapi('SubjectChanges', {
    description: 'each field given replaces the stored one; null or "" removes it; fields not given stay',
  });

const SubjectAnswer = z.object({ subject: z.record(z.string(), z.unknown()) }).openapi('CaseSubject');
const NotifyRequest = z
  .object({
    telegramChatId: z.union([z.string().max(24), z.number().int()]).optional(),
    email: z.string().max(254).optional(),
  })
  .strict()
  .openapi('NotifyRequest', {
    description: 'where to say that there is news: a Telegram chat (the bot) and/or an e-mail address',
  });
const NotifyAnswer = z
  .object({ channels: z.array(z.enum(['telegram', 'email'])) })
  .openapi('NotifyAnswer', { description: 'the channels now kept (the addresses themselves are never shown again)' });
const PhotosAdded = z.object({ added: z.number().int(), referencePhotos: z.number().int() }).openapi('CasePhotosAdded');

const jpegResponse = {
  200: {
    description: 'JPEG, metadata stripped',
    content: { 'image/jpeg': { schema: { type: 'string' as const, format: 'binary' } } },
  },
};

/**
 * The family's own case, opened by its case code alone (`Authorization: Bearer <caseCode>`):
 * no case id to copy, the code says which case it is (DESIGN §9).
 */
export function caseRoutes(api: ApiDeps, clientAddress: (c: Context<Env>) => string, uploads: UploadLimits) {
  const app = apiRouter();

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/case',
        tags: ['case'],
        summary: "The family's case: status and confirmed matches, as DESIGN §9 allows a family to see them",
        responses: { 200: { description: 'the case', content: { 'application/json': { schema: CaseForFamily } } } },
      },
      { access: { action: 'cases.own', note: 'With a case code.' } },
    ),
    async (c) => c.json(presentFamilyCase(await viewOwnCase(api, callerOf(c)), familyWords(c)), 200),
  );

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/case/photos',
        tags: ['case'],
        summary: 'Add 1–5 photos of the person to the case',
        middleware: [
          refuseEarly('cases.update'),
          // A family's photos cost what an anonymous case's do: the same count and the same cap.
          rateLimitAnonymous(uploads),
          referencePhotosBodyLimit(api),
        ] as const,
        request: {
          body: {
            required: true,
            content: { 'multipart/form-data': { schema: { $ref: '#/components/schemas/CasePhotosForm' } } },
          },
        },
        responses: {
          201: { description: 'the photos added', content: { 'application/json': { schema: PhotosAdded } } },
        },
      },
      {
        access: { action: 'cases.update' },
        errors: [
          'invalid_input',
          'empty_file',
          'too_many_photos',
          'file_too_large',
          'upload_too_large',
          'rate_limited',
          'too_many_pixels',
          'unsupported_format',
          'corrupt_image',
          'face_engine_timeout',
          'no_face',
          'choose_face',
          'no_such_face',
          'conflict',
        ],
      },
    ),
    async (c) => {
      const form = await readMultipart(c);
      const photos = await form.files('photo');
      const indexes = parseFaceIndexes(form.texts('faceIndex'), photos.length);
      const added = await addCasePhotos(api, callerOf(c), {
        photos: photos.map((p, i) => ({ bytes: p.bytes, faceIndex: indexes[i] })),
        client: clientAddress(c),
      });
      return c.json(added, 201);
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'patch',
        path: '/case/subject',
        tags: ['case'],
        summary: 'Correct or add to what the family told us about the person',
        description:
          'Each correction searches the archive again, so it counts against the same limits as opening a case ' +
          '(KINFINDER_RATE_CASES_PER_HOUR per address).',
        middleware: [refuseEarly('cases.update'), rateLimitAnonymous(uploads)] as const,
        request: { body: { required: true, content: { 'application/json': { schema: SubjectChanges } } } },
        responses: {
          200: { description: 'the details as now stored', content: { 'application/json': { schema: SubjectAnswer } } },
        },
      },
      { access: { action: 'cases.update' }, errors: ['invalid_input', 'invalid_subject', 'rate_limited'] },
    ),
    async (c) => {
      const body = c.req.valid('json') as Record<string, string | null | undefined>;
      const changes = Object.fromEntries(
        Object.entries(body).filter((e): e is [string, string | null] => e[1] !== undefined),
      );
      return c.json({ subject: await updateSubject(api, callerOf(c), changes) }, 200);
    },
    // A field the contract does not name, or one that is not text, is answered as when a case is
    // opened with it (src/records/record.ts checkSubjectFields): the family's message names the
    // fields they may give, in their language.
    (result, c) => {
      if (!result.success && result.target === 'json') {
        throw new KinfinderError(
          'invalid_input',
          `the "subject" was refused: ${result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`,
          { ...SUBJECT_SHAPE_REFUSAL },
        );
      }
      validationHook(result, c);
      return undefined;
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'delete',
        path: '/case',
        tags: ['case'],
        summary: "Delete the family's case: photos, face data and details",
        responses: { 204: { description: 'deleted' } },
      },
      { access: { action: 'cases.own', note: 'With a case code: that case.' } },
    ),
    async (c) => {
      const p = authorizePrincipal(callerOf(c), 'cases.own');
      if (!p.caseId) throw new KinfinderError('forbidden', 'this needs a case code');
      await deleteCase(api, p, p.caseId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/case/notify',
        tags: ['case'],
        summary: 'Be told when there is news: a message that says only that, never the result (DESIGN §20)',
        request: { body: { required: true, content: { 'application/json': { schema: NotifyRequest } } } },
        responses: { 200: { description: 'kept', content: { 'application/json': { schema: NotifyAnswer } } } },
      },
      { access: { action: 'cases.notify', note: 'With a case code: that case.' }, errors: ['invalid_input'] },
    ),
    async (c) => {
      const body = c.req.valid('json');
      const answer = await setNotifyAddress(api, callerOf(c), {
        telegramChatId: body.telegramChatId === undefined ? undefined : String(body.telegramChatId),
        email: body.email,
        language: c.get('language'),
      });
      return c.json(answer, 200);
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'delete',
        path: '/case/notify',
        tags: ['case'],
        summary: 'Stop the notices: every address left for this case is deleted',
        responses: { 204: { description: 'deleted' } },
      },
      { access: { action: 'cases.notify', note: 'With a case code: that case.' } },
    ),
    async (c) => {
      await removeNotifyAddresses(api, callerOf(c));
      return c.body(null, 204);
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/case/confirmed/{id}/photo',
        tags: ['case'],
        summary: 'The photo of a confirmed match of this case',
        request: { params: idParams },
        responses: jpegResponse,
      },
      { access: { action: 'cases.own', note: 'Only for a confirmed match of the case.' } },
    ),
    async (c) =>
      new Response(new Uint8Array(await readConfirmedPhoto(api, callerOf(c), c.req.valid('param').id)), {
        headers: {
          'content-type': 'image/jpeg',
          'cache-control': 'private, no-store',
          'x-content-type-options': 'nosniff',
        },
      }),
  );

  app.openAPIRegistry.register('CasePhotosForm', CasePhotosForm);

  return app;
}
