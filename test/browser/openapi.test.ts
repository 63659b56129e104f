import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_CSP } from '../../api/pages/index.ts';
import { POLICY, type Action } from '../../src/access/policy.ts';
import { ADMIN_TOKEN, bearer, openApiHarness, requestJson, type ApiHarness } from '../support/api.ts';
import { launchBrowser, serveApp } from '../support/browser.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** The web pages and their static files: served by the app, deliberately not API operations. */
const PAGES = new Set([
  'GET /',
  'GET /case',
  'GET /case/{id}',
  'GET /review',
  'GET /ingest',
  'GET /hotline',
  'GET /admin',
  'GET /assets/{name}',
  'GET /api/docs',
  'GET /api/docs/{name}',
]);

let h: ApiHarness;
let doc: Json;
const tok: Record<'operator' | 'verifier' | 'admin' | 'hotline', string> = {
  operator: '',
  verifier: '',
  admin: '',
  hotline: '',
};

function call(method: string, url: string, token?: string, body?: Json | FormData) {
  return requestJson(h.app, method, url, { token, body, headers: { 'x-test-client': `openapi-${randomUUID()}` } });
}

/** Every documented operation as "METHOD /path" with its operation object. */
function operations(): Array<{ key: string; path: string; method: string; op: Json }> {
  return Object.entries(doc.paths as Json).flatMap(([p, item]) =>
    METHODS.filter((m) => (item as Json)[m]).map((m) => ({
      key: `${m.toUpperCase()} ${p}`,
      path: p,
      method: m,
      op: (item as Json)[m] as Json,
    })),
  );
}

function resolve(schema: Json): Json {
  const ref = schema.$ref as string | undefined;
  return ref ? (doc.components.schemas[ref.replace('#/components/schemas/', '')] as Json) : schema;
}

/** The required properties of a component, through `allOf` (an extended schema). */
function requiredOf(name: string): string[] {
  const walk = (s: Json): string[] => [
    ...((s.required ?? []) as string[]),
    ...((s.allOf ?? []) as Json[]).flatMap((p) => walk(resolve(p))),
  ];
  return walk(doc.components.schemas[name] as Json);
}

beforeAll(async () => {
  h = await openApiHarness();
  const r = await call('get', '/api/v1/openapi.json');
  expect(r.status).toBe(200);
  doc = r.json;
  for (const role of Object.keys(tok) as Array<keyof typeof tok>) {
    const t = await call('post', '/api/v1/tokens', ADMIN_TOKEN, { role, name: `openapi ${role}` });
    expect(t.status).toBe(201);
    tok[role] = t.json.token as string;
  }
}, 300_000);
afterAll(async () => {
  await h?.close();
});

describe('the OpenAPI document', () => {
  it('lists exactly the routes the app serves', () => {
    const served = new Set(
      h.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(operations().map((o) => o.key));
    const api = [...served].filter((k) => !PAGES.has(k));
    expect(
      api.filter((k) => !documented.has(k)),
      'served but not documented',
    ).toEqual([]);
    expect(
      [...documented].filter((k) => !served.has(k)),
      'documented but not served',
    ).toEqual([]);
    expect(documented).toContain('GET /healthz');
    expect(documented).toContain('GET /metrics');
    expect(documented).toContain('GET /api/v1/openapi.json');
    // A page must never shadow an API path.
    expect([...PAGES].filter((k) => documented.has(k))).toEqual([]);
  });

  it('names the main shapes as components, and every reference resolves', () => {
    expect(doc.openapi).toBe('3.1.0');
    const names = Object.keys(doc.components.schemas as Json);
    expect(names).toEqual(
      expect.arrayContaining([
        'Photo',
        'Candidate',
        'Match',
        'Search',
        'ReferenceFace',
        'Error',
        'Token',
        'AuditEvent',
        'ReviewPage',
        'UploadResult',
        'SearchCreated',
        'Health',
        'Decision',
        'NewToken',
      ]),
    );
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(20);
    expect(refs.filter((r) => !names.includes(r))).toEqual([]);
    // Shapes of DESIGN §5, as the presenters produce them.
    expect(requiredOf('Candidate')).toEqual(
      expect.arrayContaining([
        'id',
        'searchId',
        'rank',
        'similarity',
        'band',
        'status',
        'confirmations',
        'faceId',
        'photoId',
        'face',
        'photo',
        'subject',
      ]),
    );
    expect(requiredOf('Match')).not.toContain('subject');
    expect(requiredOf('Search')).toEqual(['id', 'status', 'createdAt']);
    expect(doc.components.schemas.Search.properties.status.enum).toEqual([
      'searching',
      'under_review',
      'match_confirmed',
      'closed',
    ]);
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toEqual(
      expect.arrayContaining(['invalid_input', 'not_found', 'choose_face']),
    );
    for (const { key, op } of operations()) {
      const success = Object.keys(op.responses as Json).filter((s) => s.startsWith('2'));
      expect(success.length, `${key} documents its answer`).toBe(1);
    }
  });

  it('describes the multipart uploads with binary file fields', () => {
    const form = (p: string) => resolve(doc.paths[p].post.requestBody.content['multipart/form-data'].schema as Json);
    expect(form('/api/v1/photos').properties.file.items).toEqual({ type: 'string', format: 'binary' });
    expect(form('/api/v1/photos').required).toEqual(['file']);
    expect(form('/api/v1/searches').properties.photo.items).toEqual({ type: 'string', format: 'binary' });
    expect(Object.keys(form('/api/v1/searches').properties as Json).sort()).toEqual(['faceIndex', 'photo', 'subject']);
  });

  it('documents path ids as UUIDs and the query parameters from their zod schemas', () => {
    for (const { key, path: p, op } of operations()) {
      const inPath = ((op.parameters ?? []) as Json[]).filter((x) => x.in === 'path');
      expect(
        inPath.map((x) => x.name),
        key,
      ).toEqual([...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
      for (const x of inPath) expect(x.schema, key).toMatchObject({ type: 'string', format: 'uuid' });
    }
    const query = (p: string) =>
      Object.fromEntries(
        ((doc.paths[p].get.parameters ?? []) as Json[]).filter((x) => x.in === 'query').map((x) => [x.name, x.schema]),
      );
    expect(query('/api/v1/review')).toMatchObject({
      limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
      after: { type: 'string' },
    });
    expect(query('/api/v1/audit')).toMatchObject({
      limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
      before: { type: 'string' },
    });
  });

  it('states security per route: open routes need no token, the others list the roles of their action', () => {
    const ops = Object.fromEntries(operations().map((o) => [o.key, o.op]));
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(ops['POST /api/v1/searches']!.security).toContainEqual({});
    expect(ops['GET /api/v1/review']!.security).toEqual([{ bearer: [] }]);
    for (const k of ['GET /healthz', 'GET /api/v1/openapi.json']) expect(ops[k]!.security, k).toEqual([]);
    // Metrics ask for a token of their own, off loopback only.
    expect(ops['GET /metrics']!.security).toEqual([{}, { bearer: [] }]);
    for (const { key, op } of operations()) {
      if (!key.includes('/api/v1/') || key === 'GET /api/v1/openapi.json') continue;
      const action = op['x-kinfinder-action'] as Action;
      expect(Object.keys(POLICY), key).toContain(action);
      const roles = POLICY[action].filter((r) => r !== 'system');
      expect(op['x-kinfinder-roles'], key).toEqual(roles);
      const anonymous = (roles as readonly string[]).includes('anonymous');
      expect(op.security, key).toEqual(anonymous ? [{}, { bearer: [] }] : [{ bearer: [] }]);
      for (const role of roles) expect(op.description, key).toContain(role);
    }
  });
});

// The document's roles checked against what the server does: the same request, anonymous and
// with each staff role, is refused exactly when the document says the role may not call it.
describe('the documented security is what the server enforces', () => {
  // The smallest valid body of the JSON routes, so that the refusal comes from the rule, not
  // from validation (routes with path ids get an id that names nothing: 404 once allowed).
  const BODIES: Record<string, Json> = {
    'POST /api/v1/candidates/{id}/decisions': { decision: 'confirm' },
    'POST /api/v1/candidates/{id}/reopen': { reason: 'made by the openapi test' },
    'POST /api/v1/tokens': { role: 'operator', name: 'made by the openapi test' },
    'POST /api/v1/case/notify': { email: 'family@example.org' },
  };

  it('refuses anonymous callers on every route that needs a token, and no other', async () => {
    for (const { key, path: p, method, op } of operations()) {
      const security = op.security as Json[];
      const needsToken = security.length > 0 && !security.some((s) => Object.keys(s).length === 0);
      const url = p.replace('{id}', randomUUID());
      const body = BODIES[key] ?? (method === 'post' ? new FormData() : undefined);
      const r = await call(method, url, undefined, body);
      if (needsToken)
        expect({ key, status: r.status, code: r.json.error?.code }).toEqual({ key, status: 401, code: 'unauthorized' });
      else expect({ key, status: r.status }).not.toEqual({ key, status: 401 });
    }
  });

  it('answers 403 to exactly the staff roles the document leaves out', async () => {
    for (const { key, path: p, method, op } of operations()) {
      const roles = op['x-kinfinder-roles'] as string[] | undefined;
      if (!roles) continue;
      for (const [role, token] of Object.entries(tok)) {
        const body = BODIES[key] ?? (method === 'post' ? new FormData() : undefined);
        const r = await call(method, p.replace('{id}', randomUUID()), token, body);
        const seen = { key, role, forbidden: r.status === 403 };
        expect(seen, JSON.stringify(r.json)).toEqual({ key, role, forbidden: !roles.includes(role) });
        if (roles.includes(role)) expect(r.status, `${key} as ${role}`).toBeLessThan(500);
      }
    }
  });
});

describe('input validated by the declared schemas', () => {
  it('answers a bad query or id with the usual error envelope', async () => {
    const cases: Array<[string, number, string]> = [
      ['/api/v1/review?limit=abc', 400, 'invalid_input'],
      ['/api/v1/review?limit=101', 400, 'invalid_input'],
      ['/api/v1/review?limit=1&limit=2', 400, 'invalid_input'],
      ['/api/v1/audit?limit=0', 400, 'invalid_input'],
      ['/api/v1/audit?before=12a', 400, 'invalid_input'],
      ['/api/v1/photos/not-a-uuid', 404, 'not_found'],
      ['/api/v1/searches/00000000-0000-0000-0000-00000000000g', 404, 'not_found'],
    ];
    for (const [url, status, code] of cases) {
      const r = await call(
        'get',
        url,
        url.includes('audit') ? tok.admin : url.includes('review') ? tok.verifier : tok.operator,
      );
      expect({ url, status: r.status, code: r.json.error?.code }).toEqual({ url, status, code });
      expect(typeof r.json.error.message).toBe('string');
    }
    const msg = (await call('get', '/api/v1/review?limit=101', tok.verifier)).json.error.message as string;
    expect(msg).toMatch(/^limit: /);
  });

  it('applies the query defaults and a malformed JSON body is 400', async () => {
    const r = await call('get', '/api/v1/review', tok.verifier);
    expect(r.status).toBe(200);
    expect(r.json.items).toEqual([]);
    const audit = await call('get', '/api/v1/audit?limit=2', tok.admin);
    expect(audit.status).toBe(200);
    expect(audit.json.events).toHaveLength(2);
    expect(typeof audit.json.next).toBe('string');
    const bad = await h.app.request('/api/v1/tokens', {
      method: 'POST',
      headers: { ...bearer(tok.admin), 'content-type': 'application/json' },
      body: '{"role":',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error.code).toBe('invalid_input');
  });
});

describe('the API explorer at /api/docs', () => {
  const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

  it("serves the page and its assets from this server, under the pages' strict CSP", async () => {
    const page = await h.app.request('/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(PAGE_CSP);
    const markup = await page.text();
    expect(markup).not.toMatch(/<script>|<script [^>]*>[^<]+<\/script>|https?:\/\//);
    const sources = [...markup.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
    expect(sources.sort()).toEqual(['/api/docs/init.js', '/api/docs/swagger-ui-bundle.js', '/api/docs/swagger-ui.css']);
    const types: Record<string, RegExp> = { '.css': /^text\/css/, '.js': /^text\/javascript/ };
    for (const src of sources) {
      const r = await h.app.request(src);
      expect(r.status, src).toBe(200);
      expect(r.headers.get('content-type'), src).toMatch(types[path.extname(src)]!);
      const body = await r.text();
      if (src.includes('swagger-ui'))
        expect(body, src).toBe(fs.readFileSync(path.join(dist, path.basename(src)), 'utf8'));
    }
    expect((await h.app.request('/api/docs/index.html')).status).toBe(404);
    expect((await h.app.request('/api/docs/..%2Fpackage.json')).status).toBe(404);
  });

  it('renders every documented operation in Chromium, with no CSP refusal and no request elsewhere', async () => {
    const b = await launchBrowser();
    const server = await serveApp(h.app.fetch);
    try {
      const page = await (await b.context({ width: 1280, height: 900 })).newPage();
      const violations: string[] = [];
      const foreign: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(server.url) && !r.url().startsWith('data:')) foreign.push(r.url());
      });
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(`${server.url}/api/docs`);
      await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
      expect(await page.locator('.opblock').count()).toBe(operations().length);
      // Open an operation and every schema in full: the parts Swagger UI draws with styles of its own.
      await page.locator('.opblock-summary-control').first().click();
      await page.locator('.opblock-body').first().waitFor();
      const schemas = page.locator('section.models article[data-json-schema-level="0"]');
      expect(await schemas.count()).toBe(Object.keys(doc.components.schemas as Json).length);
      const match = schemas.filter({ has: page.locator('.json-schema-2020-12__title', { hasText: /^Match$/ }) });
      await match.locator('.json-schema-2020-12-expand-deep-button').first().click();
      await expect.poll(() => match.innerText(), { timeout: 10_000 }).toContain('searchId');
      expect(violations).toEqual([]);
      expect(foreign).toEqual([]);
      expect(b.problems).toEqual([]);
    } finally {
      await server.close();
      await b.close();
    }
  }, 120_000);
});
