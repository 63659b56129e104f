import { z } from '@hono/zod-openapi';
import { issueToken, listTokens, revokeToken, tokenListItem } from '../../src/access/tokens.ts';
import { exportAuditCsv, readAuditLog } from '../../src/admin/audit-log.ts';
import { STAFF_ROLES } from '../../src/vocabulary.ts';
import { callerOf } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { apiRouter, declareRoute } from '../openapi.ts';
import { AuditPage, Token, TokenList } from '../schemas.ts';
import { idParams } from '../validate.ts';

// Family tokens are made by opening a case, never by hand: one token, one case.
export const tokenBody = z
  .object({ role: z.enum(STAFF_ROLES), name: z.string().trim().min(1).max(200) })
  .openapi('NewToken');

const auditFilter = {
  actor: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .openapi({
      description: 'a token id, a person id, or a role (admin, operator, verifier, family, anonymous, cli, jobs)',
    }),
  action: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: 'an action (photo.read), or a prefix ending in . or * (photo.)' }),
  subject: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: 'the id of a photo, case, token, batch…' }),
  since: z.iso.datetime({ offset: true }).optional().openapi({ description: 'events at or after this time' }),
  until: z.iso.datetime({ offset: true }).optional().openapi({ description: 'events before this time' }),
};

export const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z
    .string()
    .regex(/^\d{1,18}$/, 'must be an audit event id')
    .optional()
    .openapi({ description: 'the `next` of the previous page' }),
  ...auditFilter,
});

export const auditCsvQuery = z.object({
  ...auditFilter,
  limit: z.coerce.number().int().min(1).max(100_000).optional(),
});

export const tokenListQuery = z.object({
  family: z.enum(['true', 'false']).default('false').openapi({ description: "include families' case tokens" }),
  revoked: z.enum(['true', 'false']).default('true').openapi({ description: 'include revoked tokens' }),
});

const dates = <T extends { since?: string | undefined; until?: string | undefined }>(q: T) => ({
  ...q,
  since: q.since ? new Date(q.since) : undefined,
  until: q.until ? new Date(q.until) : undefined,
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
      {
        method: 'delete',
        path: '/tokens/{id}',
        tags: ['admin'],
        summary: 'Revoke an access token',
        request: { params: idParams },
        responses: { 204: { description: 'revoked' } },
      },
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
    async (c) => c.json(await readAuditLog(api, callerOf(c), dates(c.req.valid('query'))), 200),
  );

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/audit.csv',
        tags: ['admin'],
        summary: 'Audit events as CSV, newest first, with the same filters (at most 100 000 rows)',
        request: { query: auditCsvQuery },
        responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } } },
      },
      { access: { action: 'audit.read' }, errors: ['invalid_input'] },
    ),
    async (c) => {
      const csv = await exportAuditCsv(api, callerOf(c), dates(c.req.valid('query')));
      return c.body(csv, 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="audit.csv"',
      });
    },
  );

  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/tokens',
        tags: ['admin'],
        summary: 'Access tokens: name, role, person, created, last used, revoked (never the secret)',
        request: { query: tokenListQuery },
        responses: {
          200: { description: 'tokens, newest first', content: { 'application/json': { schema: TokenList } } },
        },
      },
      { access: { action: 'tokens.manage' }, errors: ['invalid_input'] },
    ),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await listTokens(api, callerOf(c), {
        includeFamily: q.family === 'true',
        includeRevoked: q.revoked === 'true',
      });
      return c.json({ items: rows.map(tokenListItem) }, 200);
    },
  );

  return app;
}
