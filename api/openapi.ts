import { createRoute, OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import { tokenRolesFor, type Action } from '../src/access/policy.ts';
import type { ErrorCode } from '../src/errors.ts';
import type { Env } from './auth.ts';
import { statusOf } from './error-status.ts';
import { ErrorBody } from './schemas.ts';
import { validationHook } from './validate.ts';

export const DOCUMENT_PATH = '/api/v1/openapi.json';

/** A router whose declared request schemas answer like every other bad request (validate.ts). */
export function apiRouter(): OpenAPIHono<Env> {
  return new OpenAPIHono<Env>({ defaultHook: validationHook });
}

/**
 * Who may call a route. `action` is the one its use case authorizes: the document's security
 * and role list are read from the same POLICY table that decides, so they cannot drift apart.
 * `public` is for the service's own endpoints that no use case guards (health, this document);
 * `tokenWhen` for one that asks for a token of its own only in some deployments (metrics).
 */
export type Access = { action: Action; note?: string } | 'public' | { tokenWhen: string };

/** Error answers a route may give, grouped by status through the one code → status table. */
function errorResponses(codes: readonly ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = statusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, cs]) => [
      status,
      { description: `error: ${cs.join(', ')}`, content: { 'application/json': { schema: ErrorBody } } },
    ]),
  );
}

// An empty requirement makes the token optional: anonymous callers are served too.
const OPTIONAL_TOKEN = [{}, { bearer: [] }];

function accessOf(access: Access) {
  if (access === 'public') {
    return { security: [], description: 'Open to anyone, no token needed.', errors: [] as ErrorCode[], extensions: {} };
  }
  if ('tokenWhen' in access) {
    return {
      security: OPTIONAL_TOKEN,
      description: `A token is needed ${access.tokenWhen}.`,
      errors: ['unauthorized', 'forbidden'] as ErrorCode[],
      extensions: {},
    };
  }
  const roles = tokenRolesFor(access.action);
  const anonymous = (roles as readonly string[]).includes('anonymous');
  const staff = roles.filter((r) => r !== 'anonymous');
  const note = access.note ? ` ${access.note}` : '';
  return {
    security: anonymous ? OPTIONAL_TOKEN : [{ bearer: [] }],
    description: `${anonymous ? `Open to anonymous callers; with a token: ${staff.join(', ')}.` : `Allowed: ${roles.join(', ')}.`}${note}`,
    // A bad or revoked token is refused even where no token is needed, and an address that
    // keeps presenting bad ones is made to wait (api/auth.ts).
    errors: ['unauthorized', 'forbidden', 'rate_limited'] as ErrorCode[],
    extensions: { 'x-kinfinder-action': access.action, 'x-kinfinder-roles': roles },
  };
}

/**
 * A route declaration: the route config of @hono/zod-openapi, plus who may call it and which
 * error codes it may answer. The errors go into the document only: they are thrown and answered
 * by the error handler, so the handler's type lists just the success answers.
 */
export function declareRoute<const R extends RouteConfig>(
  config: R,
  opts: { access: Access; errors?: readonly ErrorCode[] },
) {
  const a = accessOf(opts.access);
  const errors = [...a.errors, ...(opts.errors ?? []), ...(config.request?.params ? (['not_found'] as const) : [])];
  return createRoute({
    ...config,
    ...a.extensions,
    security: a.security,
    description: [a.description, config.description].filter(Boolean).join('\n\n'),
    responses: { ...errorResponses(errors), ...config.responses },
  } as R);
}

/**
 * Serves the document of every route declared on `app` (and on the routers mounted in it
 * before the first request). Built once: the routes do not change while the process runs.
 */
export function serveOpenApiDocument(app: OpenAPIHono<Env>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'an access token: staff tokens are issued by an admin, a family gets one when it opens a case',
  });
  let document: unknown;
  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: DOCUMENT_PATH,
        summary: 'This document',
        tags: ['service'],
        responses: { 200: { description: 'OpenAPI 3.1' } },
      },
      { access: 'public' },
    ),
    (c) => {
      document ??= app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'kinfinder',
          version: '1',
          description: 'Face matching with human verification for families of missing soldiers.',
        },
      });
      return c.json(document as object, 200);
    },
  );
}
