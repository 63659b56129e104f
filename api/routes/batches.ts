import { z } from '@hono/zod-openapi';
import { batchFailuresCsv, createBatch, readBatch, readBatches, type BatchView } from '../../src/ingest/batches.ts';
import { CATEGORIES } from '../../src/vocabulary.ts';
import { callerOf, refuseEarly } from '../auth.ts';
import { languageOf } from '../language.ts';
import type { ApiDeps } from '../deps.ts';
import { apiRouter, declareRoute } from '../openapi.ts';
import { Batch, BatchPage } from '../schemas.ts';
import { idParams, uuid } from '../validate.ts';

export const batchBody = z
  .object({
    source: z.string().trim().max(200).optional(),
    category: z.enum(CATEGORIES).optional(),
    channel: z.enum(['api', 'page']).default('api').openapi({ description: 'page: made by the operator page' }),
  })
  .openapi('NewBatch');

export const batchListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  before: uuid.optional().openapi({ description: 'the `next` of the previous page' }),
});

export function presentBatch(b: BatchView) {
  return { ...b, createdAt: new Date(b.createdAt).toISOString() };
}

/** Batches (DESIGN §12): what every ingest did, file by file. */
export function batchRoutes(api: ApiDeps) {
  const app = apiRouter();

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/batches',
        tags: ['photos'],
        middleware: [refuseEarly('photos.upload')] as const,
        summary: 'Start a batch that several uploads (POST /photos with `batch`) add to',
        request: { body: { required: true, content: { 'application/json': { schema: batchBody } } } },
        responses: { 201: { description: 'the new batch', content: { 'application/json': { schema: Batch } } } },
      },
      { access: { action: 'photos.upload' }, errors: ['invalid_input'] },
    ),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(
        presentBatch(
          await createBatch(api, callerOf(c), {
            channel: body.channel,
            source: body.source || undefined,
            category: body.category,
          }),
        ),
        201,
      );
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/batches',
        tags: ['photos'],
        summary: 'Batches, newest first, with counts by status',
        request: { query: batchListQuery },
        responses: {
          200: { description: 'a page of batches', content: { 'application/json': { schema: BatchPage } } },
        },
      },
      { access: { action: 'batches.read' }, errors: ['invalid_input'] },
    ),
    async (c) => {
      const page = await readBatches(api, callerOf(c), c.req.valid('query'));
      return c.json({ items: page.items.map(presentBatch), ...(page.next ? { next: page.next } : {}) }, 200);
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/batches/{id}',
        tags: ['photos'],
        summary: 'One batch: who, when, source, category and counts by status (not a photo read)',
        request: { params: idParams },
        responses: { 200: { description: 'the batch', content: { 'application/json': { schema: Batch } } } },
      },
      { access: { action: 'batches.read' } },
    ),
    async (c) => c.json(presentBatch(await readBatch(api, callerOf(c), c.req.valid('param').id)), 200),
  );

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/batches/{id}/failures.csv',
        tags: ['photos'],
        summary: "The batch's refused and failed files with their codes, as CSV in the caller's language",
        request: { params: idParams },
        responses: {
          200: {
            description: 'CSV: file, status, code, message, photo_id',
            content: { 'text/csv': { schema: z.string() } },
          },
        },
      },
      { access: { action: 'batches.read' } },
    ),
    async (c) => {
      const id = c.req.valid('param').id;
      // In the operator's language (?lang=, the pages' cookie, Accept-Language), as the pages are.
      const csv = await batchFailuresCsv(api, callerOf(c), id, languageOf(c));
      return c.body(csv, 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="batch-${id}-failures.csv"`,
      });
    },
  );

  return app;
}
