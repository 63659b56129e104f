import { z } from '@hono/zod-openapi';
import { withdrawPerson } from '../../src/gallery/corrections.ts';
import { addPersonEvent, decidePersonEvent } from '../../src/persons/events.ts';
import {
  addPhotosToPerson,
  createPerson,
  personsOfBatchFor,
  readPerson,
  removePhotoFromPerson,
} from '../../src/persons/group.ts';
import { decideSuggestion, listSuggestions } from '../../src/persons/suggestions.ts';
import { PERSON_EVENT_KINDS } from '../../src/vocabulary.ts';
import { callerOf, refuseEarly } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { apiRouter, declareRoute } from '../openapi.ts';
import { presentPersonPhoto } from '../present.ts';
import { MergeSuggestionPage, Person, PersonEvent, PersonRegrouped, PersonWithdrawn } from '../schemas.ts';
import { idParams, uuid } from '../validate.ts';

export const newPersonBody = z
  .object({
    photoIds: z.array(uuid).max(200).optional(),
    ref: z.string().trim().max(200).optional().openapi({ description: "the archive's own reference for him" }),
  })
  .openapi('NewPerson');

export const personPhotosBody = z.object({ photoIds: z.array(uuid).min(1).max(200) }).openapi('PersonPhotos');

export const personEventBody = z
  .object({
    kind: z.enum(PERSON_EVENT_KINDS),
    date: z.string().trim().max(10).openapi({ description: 'YYYY, YYYY-MM or YYYY-MM-DD' }),
    place: z.string().trim().max(500).optional(),
    source: z.string().trim().max(500).optional(),
  })
  .openapi('NewPersonEvent');

export const eventDecisionBody = z.object({ decision: z.enum(['approve', 'reject']) }).openapi('PersonEventDecision');
export const suggestionDecisionBody = z.object({ decision: z.enum(['accept', 'refuse']) }).openapi('MergeDecision');
const withdrawPersonBody = z.object({ reason: z.string().trim().min(1).max(2000) }).openapi('WithdrawPerson');

const personPhotoParams = z.object({ id: uuid, photoId: uuid });
const eventParams = z.object({ id: uuid, eventId: uuid });
const suggestionsQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

const RECORD_FIELDS = ['names', 'birthDate', 'idNumbers', 'unit', 'marks'] as const;

const iso = (d: Date) => new Date(d).toISOString();

function presentEvent(e: Awaited<ReturnType<typeof decidePersonEvent>>) {
  return { ...e, createdAt: iso(e.createdAt) };
}

/** Archive persons (DESIGN §16): grouping photos, suggested merges, what became of him. */
export function personRoutes(api: ApiDeps) {
  const app = apiRouter();

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/persons',
        tags: ['persons'],
        middleware: [refuseEarly('persons.read')] as const,
        summary: "The persons of a batch's photos (the operator page)",
        request: { query: z.object({ batch: uuid }) },
        responses: {
          200: {
            description: 'persons, in the order their first photo came in the batch',
            content: {
              'application/json': {
                schema: z.object({
                  items: z.array(
                    z.object({
                      id: z.uuid(),
                      ref: z.string().nullable(),
                      photos: z.number().int(),
                      inBatch: z.number().int(),
                      status: z.enum(PERSON_EVENT_KINDS).nullable(),
                      events: z.number().int(),
                    }),
                  ),
                }),
              },
            },
          },
        },
      },
      { access: { action: 'persons.read' }, errors: ['invalid_input'] },
    ),
    async (c) => c.json({ items: await personsOfBatchFor(api, callerOf(c), c.req.valid('query').batch) }, 200),
  );

  // Before /persons/{id}: "suggestions" is not an id.
  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/persons/suggestions',
        tags: ['persons'],
        summary: 'Suggested merges: photos of two persons whose faces are strong and whose records do not disagree',
        request: { query: suggestionsQuery },
        responses: {
          200: {
            description: 'open suggestions, best first',
            content: { 'application/json': { schema: MergeSuggestionPage } },
          },
        },
      },
      { access: { action: 'persons.manage' }, errors: ['invalid_input'] },
    ),
    async (c) => {
      const rows = await listSuggestions(api, callerOf(c), c.req.valid('query'));
      return c.json(
        {
          items: rows.map((r) => ({
            id: r.id,
            similarity: Number(r.similarity.toFixed(4)),
            createdAt: iso(r.createdAt),
            personA: r.personA,
            personB: r.personB,
            photoA: r.photoA,
            photoB: r.photoB,
            photosA: r.photosA.map(presentPersonPhoto),
            photosB: r.photosB.map(presentPersonPhoto),
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/persons/suggestions/{id}',
        tags: ['persons'],
        middleware: [refuseEarly('persons.manage')] as const,
        summary: 'Accept (the two persons become one) or refuse a suggested merge',
        request: {
          params: idParams,
          body: { required: true, content: { 'application/json': { schema: suggestionDecisionBody } } },
        },
        responses: {
          200: {
            description: 'answered',
            content: {
              'application/json': {
                schema: z.object({
                  decision: z.enum(['accept', 'refuse']),
                  personId: z.uuid(),
                  photos: z.array(z.uuid()),
                }),
              },
            },
          },
        },
      },
      { access: { action: 'persons.manage' }, errors: ['invalid_input', 'already_decided', 'conflict'] },
    ),
    async (c) =>
      c.json(
        await decideSuggestion(api, callerOf(c), {
          suggestionId: c.req.valid('param').id,
          decision: c.req.valid('json').decision,
        }),
        200,
      ),
  );

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/persons',
        tags: ['persons'],
        middleware: [refuseEarly('persons.manage')] as const,
        summary: 'A new archive person, with the photos named (each leaves the person it was of)',
        request: { body: { required: true, content: { 'application/json': { schema: newPersonBody } } } },
        responses: {
          201: {
            description: 'the new person',
            content: { 'application/json': { schema: z.object({ id: z.uuid() }) } },
          },
        },
      },
      { access: { action: 'persons.manage' }, errors: ['invalid_input', 'conflict'] },
    ),
    async (c) => c.json(await createPerson(api, callerOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/persons/{id}',
        tags: ['persons'],
        summary: 'An archive person: his photos and records, events, how he was grouped',
        request: { params: idParams },
        responses: { 200: { description: 'the person', content: { 'application/json': { schema: Person } } } },
      },
      { access: { action: 'persons.read' } },
    ),
    async (c) => {
      const v = await readPerson(api, callerOf(c), c.req.valid('param').id);
      return c.json(
        {
          id: v.person.id,
          ref: v.person.ref,
          mergedInto: v.person.mergedInto,
          withdrawn: v.person.withdrawal !== null,
          createdAt: iso(v.person.createdAt),
          photos: v.photos.map(presentPersonPhoto),
          // His records: the person-record fields of each photo's metadata (DESIGN §11), side by side.
          records: v.photos
            .map((p) => ({
              photoId: p.id,
              ...Object.fromEntries(
                RECORD_FIELDS.filter((f) => p.metadata[f] !== undefined).map((f) => [f, p.metadata[f]]),
              ),
            }))
            .filter((r) => Object.keys(r).length > 1),
          events: v.events.map(presentEvent),
          moves: v.moves.map((m) => ({ ...m, at: iso(m.at) })),
        },
        200,
      );
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/persons/{id}/photos',
        tags: ['persons'],
        middleware: [refuseEarly('persons.manage')] as const,
        summary: 'These photos are of this man (each leaves the person it was of; cases follow)',
        request: {
          params: idParams,
          body: { required: true, content: { 'application/json': { schema: personPhotosBody } } },
        },
        responses: { 200: { description: 'moved', content: { 'application/json': { schema: PersonRegrouped } } } },
      },
      { access: { action: 'persons.manage' }, errors: ['invalid_input', 'conflict'] },
    ),
    async (c) =>
      c.json(await addPhotosToPerson(api, callerOf(c), c.req.valid('param').id, c.req.valid('json').photoIds), 200),
  );

  app.openapi(
    declareRoute(
      {
        method: 'delete',
        path: '/persons/{id}/photos/{photoId}',
        tags: ['persons'],
        middleware: [refuseEarly('persons.manage')] as const,
        summary: 'This photo is not of this man: it becomes a person of its own',
        request: { params: personPhotoParams },
        responses: { 200: { description: 'taken out', content: { 'application/json': { schema: PersonRegrouped } } } },
      },
      { access: { action: 'persons.manage' }, errors: ['conflict'] },
    ),
    async (c) => {
      const { id, photoId } = c.req.valid('param');
      return c.json(await removePhotoFromPerson(api, callerOf(c), id, photoId), 200);
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/persons/{id}/events',
        tags: ['persons'],
        middleware: [refuseEarly('persons.manage')] as const,
        summary: 'What became of him (reaches families only once verifiers approve it)',
        request: {
          params: idParams,
          body: { required: true, content: { 'application/json': { schema: personEventBody } } },
        },
        responses: { 201: { description: 'entered', content: { 'application/json': { schema: PersonEvent } } } },
      },
      { access: { action: 'persons.manage' }, errors: ['invalid_input', 'conflict'] },
    ),
    async (c) =>
      c.json(presentEvent(await addPersonEvent(api, callerOf(c), c.req.valid('param').id, c.req.valid('json'))), 201),
  );

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/persons/{id}/events/{eventId}/decisions',
        tags: ['persons'],
        middleware: [refuseEarly('persons.events.decide')] as const,
        summary: 'Approve an event for families (one verifier; died: two people) or reject it',
        request: {
          params: eventParams,
          body: { required: true, content: { 'application/json': { schema: eventDecisionBody } } },
        },
        responses: { 201: { description: 'decided', content: { 'application/json': { schema: PersonEvent } } } },
      },
      { access: { action: 'persons.events.decide' }, errors: ['invalid_input', 'already_decided', 'conflict'] },
    ),
    async (c) => {
      const { id, eventId } = c.req.valid('param');
      return c.json(
        presentEvent(
          await decidePersonEvent(api, callerOf(c), { personId: id, eventId, decision: c.req.valid('json').decision }),
        ),
        201,
      );
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/persons/{id}/withdraw',
        tags: ['persons'],
        middleware: [refuseEarly('persons.withdraw')] as const,
        summary: 'Withdraw a person: every photo of his, as a photo is withdrawn',
        request: {
          params: idParams,
          body: { required: true, content: { 'application/json': { schema: withdrawPersonBody } } },
        },
        responses: { 200: { description: 'withdrawn', content: { 'application/json': { schema: PersonWithdrawn } } } },
      },
      { access: { action: 'persons.withdraw' }, errors: ['invalid_input', 'conflict'] },
    ),
    async (c) => {
      const id = c.req.valid('param').id;
      const r = await withdrawPerson(api, callerOf(c), id, c.req.valid('json'));
      return c.json(
        {
          person: { id, withdrawn: true as const },
          photos: r.photos,
          removedCandidates: r.removedCandidates,
          keptCandidates: r.keptCandidates.map((k) => ({ id: k.id, searchId: k.caseId, status: k.status })),
          cases: r.cases,
        },
        200,
      );
    },
  );

  return app;
}
