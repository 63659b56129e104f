import { Hono } from 'hono';
import { z } from 'zod';
import { decide } from '../../src/cases/service.ts';
import { KinfinderError } from '../../src/errors.ts';
import { recordAudit } from '../../src/store/audit.ts';
import { reviewQueue } from '../../src/store/candidates.ts';
import { principalOf, requireRole, type Env } from '../auth.ts';
import type { ApiDeps, AppDeps } from '../deps.ts';
import { presentCandidate } from '../present.ts';
import { jsonBody, uuidParam } from '../validate.ts';

export const decisionBody = z.object({
  decision: z.enum(['confirm', 'reject']),
  note: z.string().max(2000).optional(),
});

function encodeCursor(c: { similarity: number; id: string }): string {
  return Buffer.from(JSON.stringify([c.similarity, c.id])).toString('base64url');
}

function decodeCursor(raw: string | undefined): { similarity: number; id: string } | undefined {
  if (!raw) return undefined;
  try {
    const [similarity, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof similarity === 'number' && typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id)) return { similarity, id };
  } catch {
    // fall through
  }
  throw new KinfinderError('invalid_input', 'the "after" cursor is not valid');
}

export function reviewRoutes(deps: AppDeps, api: ApiDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.get('/review', requireRole('verifier'), async (c) => {
    const p = principalOf(c);
    const limitRaw = c.req.query('limit') ?? '20';
    if (!/^\d{1,3}$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > 100) {
      throw new KinfinderError('invalid_input', 'limit must be a whole number from 1 to 100');
    }
    const limit = Number(limitRaw);
    const after = decodeCursor(c.req.query('after'));
    const rows = await reviewQueue(deps.db, { verifierId: p.id, limit: limit + 1, ...(after ? { after } : {}) });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    await recordAudit(deps.db, { id: p.id, role: p.role }, { action: 'review.read', details: { items: page.length } });
    return c.json({
      items: page.map(presentCandidate),
      ...(rows.length > limit && last ? { next: encodeCursor({ similarity: last.similarity, id: last.id }) } : {}),
    });
  });

  app.post('/candidates/:id/decisions', requireRole('verifier'), async (c) => {
    const id = uuidParam(c, 'id');
    const body = await jsonBody(c, decisionBody);
    const candidate = await decide({ db: deps.db, confirmations: api.confirmations }, { candidateId: id, principal: principalOf(c), decision: body.decision, note: body.note });
    api.counters.inc(`decisions_${body.decision}`);
    return c.json({ candidate: presentCandidate(candidate) }, 201);
  });

  return app;
}
