import { Hono } from 'hono';
import { z } from 'zod';
import { createToken } from '../../src/auth/tokens.ts';
import { KinfinderError } from '../../src/errors.ts';
import { listAudit, recordAudit } from '../../src/store/audit.ts';
import { revokeToken } from '../../src/store/tokens.ts';
import { principalOf, requireRole, type Env } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { jsonBody, uuidParam } from '../validate.ts';

// Family tokens are made by opening a case, never by hand: one token, one case.
export const tokenBody = z.object({
  role: z.enum(['operator', 'verifier', 'admin']),
  name: z.string().trim().min(1).max(200),
});

export function adminRoutes(deps: AppDeps): Hono<Env> {
  const app = new Hono<Env>();
  const { db } = deps;

  app.post('/tokens', requireRole('admin'), async (c) => {
    const body = await jsonBody(c, tokenBody);
    const p = principalOf(c);
    const created = await db.transaction(async (tx) => {
      const t = await createToken(tx, { role: body.role, name: body.name, createdBy: p.id });
      await recordAudit(tx, { id: p.id, role: p.role }, { action: 'token.create', subjectType: 'token', subjectId: t.row.id, details: { role: body.role } });
      return t;
    });
    return c.json({ id: created.row.id, token: created.token, role: created.row.role, name: created.row.name }, 201);
  });

  app.delete('/tokens/:id', requireRole('admin'), async (c) => {
    const id = uuidParam(c, 'id');
    const p = principalOf(c);
    const row = await db.transaction(async (tx) => {
      const r = await revokeToken(tx, id);
      if (r) await recordAudit(tx, { id: p.id, role: p.role }, { action: 'token.revoke', subjectType: 'token', subjectId: id });
      return r;
    });
    if (!row) throw new KinfinderError('not_found', 'no such token');
    return c.body(null, 204);
  });

  app.get('/audit', requireRole('admin'), async (c) => {
    const limitRaw = c.req.query('limit') ?? '100';
    const before = c.req.query('before');
    if (!/^\d{1,4}$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > 1000) throw new KinfinderError('invalid_input', 'limit must be from 1 to 1000');
    if (before !== undefined && !/^\d{1,18}$/.test(before)) throw new KinfinderError('invalid_input', 'before must be an audit event id');
    const limit = Number(limitRaw);
    const rows = await listAudit(db, { limit: limit + 1, ...(before ? { before } : {}) });
    const page = rows.slice(0, limit);
    return c.json({ events: page, ...(rows.length > limit ? { next: page[page.length - 1]!.id } : {}) });
  });

  return app;
}
