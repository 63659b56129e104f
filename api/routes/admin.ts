import { z } from '@hono/zod-openapi';
import { issueToken, revokeToken } from '../../src/access/tokens.ts';
import { readAuditLog } from '../../src/admin/audit-log.ts';
import { STAFF_ROLES } from '../../src/vocabulary.ts';
import { callerOf } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { apiRouter, declareRoute } from '../openapi.ts';
import { AuditPage, Token } from '../schemas.ts';
import { idParams } from '../validate.ts';

// Family tokens are made by opening a case, never by hand: one token, one case.
export const tokenBody = z.object({
  role: z.enum(STAFF_ROLES),
  name: z.string().trim().min(1).max(200),
}).openapi('NewToken');

export const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.string().regex(/^\d{1,18}$/, 'must be an audit event id').optional().openapi({ description: 'the `next` of the previous page' }),
});

export function adminRoutes(api: ApiDeps) {
  const app = apiRouter();

  app.openapi(
    declareRoute(
      {
        method: 'post',
        path: '/tokens',
        tags: ['admin'],
        summary: 'Create a staff access token (the secret is shown once)',
        request: { body: { required: true, content: { 'application/json': { schema: tokenBody } } } },
        responses: { 201: { description: 'the new token', content: { 'application/json': { schema: Token } } } },
      },
      { access: { action: 'tokens.manage' }, errors: ['invalid_input'] },
    ),
    async (c) => c.json(await issueToken(api, callerOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    declareRoute(
      { method: 'delete', path: '/tokens/{id}', tags: ['admin'], summary: 'Revoke an access token', request: { params: idParams }, responses: { 204: { description: 'revoked' } } },
      { access: { action: 'tokens.manage' } },
    ),
    async (c) => {
      await revokeToken(api, callerOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/audit',
        tags: ['admin'],
        summary: 'Audit events, newest first',
        request: { query: auditQuery },
        responses: { 200: { description: 'a page of events', content: { 'application/json': { schema: AuditPage } } } },
      },
      { access: { action: 'audit.read' }, errors: ['invalid_input'] },
    ),
    async (c) => c.json(await readAuditLog(api, callerOf(c), c.req.valid('query')), 200),
  );

  return app;
}
