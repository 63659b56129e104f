import { Hono } from 'hono';
import { z } from 'zod';
import { decide } from '../../src/review/decide.ts';
import { readReviewQueue } from '../../src/review/queue.ts';
import { DECISIONS } from '../../src/vocabulary.ts';
import { callerOf, type Env } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { presentCandidate } from '../present.ts';
import { jsonBody, queryOf, uuidParam } from '../validate.ts';

export const decisionBody = z.object({
  decision: z.enum(DECISIONS),
  note: z.string().max(2000).optional(),
});

export const reviewQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().max(200).optional(),
});

export function reviewRoutes(api: ApiDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.get('/review', async (c) => {
    const page = await readReviewQueue(api, callerOf(c), queryOf(c, reviewQuery));
    return c.json({ items: page.items.map(presentCandidate), ...(page.next ? { next: page.next } : {}) });
  });

  app.post('/candidates/:id/decisions', async (c) => {
    const id = uuidParam(c, 'id');
    const body = await jsonBody(c, decisionBody);
    const candidate = await decide(api, callerOf(c), { candidateId: id, decision: body.decision, note: body.note });
    api.counters.inc(`decisions_${body.decision}`);
    return c.json({ candidate: presentCandidate(candidate) }, 201);
  });

  return app;
}
