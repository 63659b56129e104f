import { z } from '@hono/zod-openapi';
import { decide } from '../../src/review/decide.ts';
import { holdCandidate, releaseCandidate } from '../../src/review/lease.ts';
import { caseCandidates } from '../../src/review/case-candidates.ts';
import { myReview } from '../../src/review/mine.ts';
import { readReviewQueue } from '../../src/review/queue.ts';
import { reopenCandidate } from '../../src/review/reopen.ts';
import { DECISIONS, REVIEW_QUEUES } from '../../src/vocabulary.ts';
import { callerOf } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { apiRouter, declareRoute } from '../openapi.ts';
import { presentMyReview, presentQueueCase, presentReviewItem } from '../present.ts';
import { CaseCandidates, Decided, Lease, MyReview, ReviewPage } from '../schemas.ts';
import { idParams } from '../validate.ts';

export const decisionBody = z
  .object({
    decision: z.enum(DECISIONS),
    note: z
      .string()
      .max(2000)
      .optional()
      .openapi({ description: 'kept with your decision; other verifiers read it only after deciding themselves' }),
    reason: z
      .string()
      .max(2000)
      .optional()
      .openapi({ description: 'required with `unsure` and for an admin settling a disputed candidate' }),
    familyMessage: z
      .string()
      .max(2000)
      .optional()
      .openapi({ description: 'with `confirm`: what the family reads once the match is final' }),
  })
  .openapi('Decision');

export const reopenBody = z.object({ reason: z.string().min(1).max(2000) }).openapi('Reopen');

export const reviewQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().max(400).optional().openapi({ description: 'the `next` of the previous page' }),
  queue: z
    .enum(REVIEW_QUEUES)
    .default('pending')
    .openapi({ description: '`pending` (verifiers) or `disputed` (admins)' }),
});

export const caseCandidatesQuery = z.object({
  below: z
    .enum(['0', '1'])
    .default('0')
    .openapi({ description: '`1`: the candidates under the bar (the weaker ones)' }),
});

export const myReviewQuery = z.object({
  since: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'count decisions from this moment (default: midnight UTC today)' }),
});

export function reviewRoutes(api: ApiDeps) {
  const app = apiRouter();
  const rules = {
    db: api.db,
    confirmations: api.confirmations,
    rejections: api.rejections,
    now: api.now,
    manifest: api.manifest,
    queueFpir: api.queueFpir,
    notices: api.queue,
  };

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/review',
        tags: ['review'],
        summary: 'A review queue, worked by case',
        description:
          "Blind review: an item carries `myDecision` and nothing of other reviewers' decisions until you have decided.",
        request: { query: reviewQuery },
        responses: {
          200: { description: 'a page of the queue', content: { 'application/json': { schema: ReviewPage } } },
        },
      },
      { access: { action: 'review.queue', note: 'With `queue=disputed`: admin.' }, errors: ['invalid_input'] },
    ),
    async (c) => {
      const page = await readReviewQueue(rules, callerOf(c), c.req.valid('query'));
      return c.json(
        {
          items: page.items.map(presentReviewItem),
          cases: page.cases.map(presentQueueCase),
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
        path: '/review/me',
        tags: ['review'],
        summary: 'Your decisions today and what waits in your queues',
        request: { query: myReviewQuery },
        responses: {
          200: { description: "the caller's review day", content: { 'application/json': { schema: MyReview } } },
        },
      },
      { access: { action: 'review.self' }, errors: ['invalid_input'] },
    ),
    async (c) => {
      const since = c.req.valid('query').since;
      return c.json(
        presentMyReview(await myReview(rules, callerOf(c), { since: since ? new Date(since) : undefined })),
        200,
      );
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/candidates/{id}/decisions',
        tags: ['review'],
        summary: 'Confirm, reject, say unsure, or retract your decision',
        description: 'Admins settle disputed candidates here with `confirm` or `reject` and a `reason`.',
        request: {
          params: idParams,
          body: { required: true, content: { 'application/json': { schema: decisionBody } } },
        },
        responses: {
          201: {
            description: 'the candidate after the decision',
            content: { 'application/json': { schema: Decided } },
          },
        },
      },
      { access: { action: 'review.decide' }, errors: ['invalid_input', 'already_decided', 'conflict', 'too_late'] },
    ),
    async (c) => {
      const body = c.req.valid('json');
      const candidate = await decide(rules, callerOf(c), { candidateId: c.req.valid('param').id, ...body });
      api.counters.inc(`decisions_${body.decision}`);
      return c.json({ candidate: presentReviewItem(candidate) }, 201);
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/candidates/{id}/reopen',
        tags: ['review'],
        summary: 'Reopen a confirmed or rejected candidate, with a reason',
        request: {
          params: idParams,
          body: { required: true, content: { 'application/json': { schema: reopenBody } } },
        },
        responses: {
          201: { description: 'the candidate, pending again', content: { 'application/json': { schema: Decided } } },
        },
      },
      { access: { action: 'candidates.reopen' }, errors: ['invalid_input', 'conflict'] },
    ),
    async (c) => {
      const candidate = await reopenCandidate(rules, callerOf(c), {
        candidateId: c.req.valid('param').id,
        reason: c.req.valid('json').reason,
      });
      api.counters.inc('decisions_reopen');
      return c.json({ candidate: presentReviewItem(candidate) }, 201);
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/candidates/{id}/lease',
        tags: ['review'],
        summary: 'Hold a candidate open for two minutes (renew while it is on screen)',
        description:
          'While you hold it, no other reviewer is given it. Answers 409 `leased` when someone else holds it, ' +
          '409 `too_many_leases` when you hold KINFINDER_MAX_LEASES others open already, ' +
          '409 `already_decided` when you have decided it.',
        request: { params: idParams },
        responses: { 200: { description: 'held', content: { 'application/json': { schema: Lease } } } },
      },
      { access: { action: 'review.lease' }, errors: ['leased', 'too_many_leases', 'already_decided'] },
    ),
    async (c) => {
      const lease = await holdCandidate(api, callerOf(c), c.req.valid('param').id);
      return c.json({ leasedUntil: lease.leasedUntil }, 200);
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/searches/{id}/candidates',
        tags: ['review'],
        summary: "A case's candidates at or above its bar, or with `below=1` the weaker ones the queue keeps back",
        description:
          'The bar: the evidence at which a search of the archive as it is now is expected to show fewer than ' +
          'KINFINDER_QUEUE_FPIR strangers. Blind as the queue is.',
        request: { params: idParams, query: caseCandidatesQuery },
        responses: {
          200: { description: "the case's candidates", content: { 'application/json': { schema: CaseCandidates } } },
        },
      },
      { access: { action: 'review.candidates' }, errors: ['invalid_input'] },
    ),
    async (c) => {
      const list = await caseCandidates(rules, callerOf(c), c.req.valid('param').id, {
        below: c.req.valid('query').below === '1',
      });
      return c.json(
        {
          bar: { archiveSize: list.bar.archiveSize, fpir: list.bar.fpir, maxRate: list.bar.maxRate },
          items: list.items.map(presentReviewItem),
        },
        200,
      );
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'delete',
        path: '/candidates/{id}/lease',
        tags: ['review'],
        summary: 'Give a candidate you hold back to the queue',
        request: { params: idParams },
        responses: { 204: { description: 'released (or not held)' } },
      },
      { access: { action: 'review.lease' } },
    ),
    async (c) => {
      await releaseCandidate(api, callerOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  return app;
}
