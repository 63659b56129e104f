import { Hono } from 'hono';
import { z } from 'zod';
import { issueToken, revokeToken } from '../../src/access/tokens.ts';
import { readAuditLog } from '../../src/admin/audit-log.ts';
import { STAFF_ROLES } from '../../src/vocabulary.ts';
import { callerOf, type Env } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { jsonBody, queryOf, uuidParam } from '../validate.ts';

// Family tokens are made by opening a case, never by hand: one token, one case.
export const tokenBody = z.object({
  role: z.enum(STAFF_ROLES),
  name: z.string().trim().min(1).max(200),
});

export const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.string().regex(/^\d{1,18}$/, 'must be an audit event id').optional(),
});

export function adminRoutes(api: ApiDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.post('/tokens', async (c) => {
    const body = await jsonBody(c, tokenBody);
    return c.json(await issueToken(api, callerOf(c), body), 201);
  });

  app.delete('/tokens/:id', async (c) => {
    await revokeToken(api, callerOf(c), uuidParam(c, 'id'));
    return c.body(null, 204);
  });

  app.get('/audit', async (c) => c.json(await readAuditLog(api, callerOf(c), queryOf(c, auditQuery))));

  return app;
}
