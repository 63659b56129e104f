import { z } from '@hono/zod-openapi';
import { decide } from '../../src/review/decide.ts';
import { readReviewQueue } from '../../src/review/queue.ts';
import { DECISIONS } from '../../src/vocabulary.ts';
import { callerOf } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { apiRouter, declareRoute } from '../openapi.ts';
import { presentCandidate } from '../present.ts';
import { Decided, ReviewPage } from '../schemas.ts';
import { idParams } from '../validate.ts';

export const decisionBody = z.object({
  decision: z.enum(DECISIONS),
  note: z.string().max(2000).optional(),
  familyMessage: z.string().max(2000).optional().openapi({ description: 'with confirm: the words the family reads beside the match (DESIGN §9)' }),
}).openapi('Decision');

export const reviewQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().max(200).optional().openapi({ description: 'the `next` of the previous page' }),
});

export function reviewRoutes(api: ApiDeps) {
  const app = apiRouter();

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/review',
        tags: ['review'],
        summary: 'Pending candidates, best first',
        request: { query: reviewQuery },
        responses: { 200: { description: 'a page of pending candidates', content: { 'application/json': { schema: ReviewPage } } } },
      },
      { access: { action: 'review.queue' }, errors: ['invalid_input'] },
    ),
    async (c) => {
      const page = await readReviewQueue(api, callerOf(c), c.req.valid('query'));
      return c.json({ items: page.items.map(presentCandidate), ...(page.next ? { next: page.next } : {}) }, 200);
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/candidates/{id}/decisions',
        tags: ['review'],
        summary: 'Confirm or reject a candidate',
        request: { params: idParams, body: { required: true, content: { 'application/json': { schema: decisionBody } } } },
        responses: { 201: { description: 'the candidate after the decision', content: { 'application/json': { schema: Decided } } } },
      },
      { access: { action: 'review.decide' }, errors: ['invalid_input', 'already_decided', 'conflict'] },
    ),
    async (c) => {
      const body = c.req.valid('json');
      const candidate = await decide(api, callerOf(c), { candidateId: c.req.valid('param').id, decision: body.decision, note: body.note, familyMessage: body.familyMessage });
      api.counters.inc(`decisions_${body.decision}`);
      return c.json({ candidate: presentCandidate(candidate) }, 201);
    },
  );

  return app;
}
