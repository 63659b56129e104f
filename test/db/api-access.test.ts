import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lfwPeople } from '../support/fixtures.ts';
import { ADMIN_TOKEN, openApiHarness, photoForm, requestJson, type ApiHarness } from '../support/api.ts';

const people = lfwPeople(2);
const photoOf = (i: number, j = 0) => people[i]!.files[j]!;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Who = 'none' | 'familyOwn' | 'familyOther' | 'operator' | 'verifier' | 'admin';
const WHO: Who[] = ['none', 'familyOwn', 'familyOther', 'operator', 'verifier', 'admin'];

let h: ApiHarness;
const tok: Partial<Record<Who, string>> = {};
let caseId: string;
let galleryPhoto: string;
let galleryFace: string;
let referenceFace: string;
let candidateId: string;

function req(
  method: string,
  url: string,
  token?: string,
  body?: FormData | string | Json,
  headers: Record<string, string> = {},
) {
  return requestJson(h.app, method, url, { token, body, headers: { 'x-test-client': 'matrix', ...headers } });
}

const formWith = (file: string, field: string) =>
  photoForm([{ name: path.basename(file), bytes: fs.readFileSync(file) }], field);

beforeAll(async () => {
  h = await openApiHarness({ rateLimit: { max: 3, windowMs: 60_000 } });
  const mk = async (role: string) =>
    (await req('POST', '/api/v1/tokens', ADMIN_TOKEN, { role, name: role })).json.token as string;
  tok.operator = await mk('operator');
  tok.verifier = await mk('verifier');
  tok.admin = await mk('admin');
  galleryPhoto = (await h.enrol([photoOf(0, 0)]))[0]!;
  galleryFace = (await h.t.db.query<{ id: string }>(`SELECT id FROM faces WHERE photo_id = $1`, [galleryPhoto]))
    .rows[0]!.id;
  const own = await req('POST', '/api/v1/searches', undefined, formWith(photoOf(0, 1), 'photo'), {
    'x-test-client': 'setup',
  });
  const other = await req('POST', '/api/v1/searches', undefined, formWith(photoOf(1, 1), 'photo'), {
    'x-test-client': 'setup2',
  });
  expect(own.status).toBe(201);
  caseId = own.json.search.id as string;
  tok.familyOwn = own.json.accessToken as string;
  tok.familyOther = other.json.accessToken as string;
  referenceFace = own.json.referenceFaces[0].id as string;
  candidateId = (
    await h.t.db.query<{ id: string }>(
      `SELECT id FROM candidates WHERE search_id = $1 ORDER BY similarity DESC LIMIT 1`,
      [caseId],
    )
  ).rows[0]!.id;
}, 300_000);
afterAll(async () => {
  await h?.close();
});

describe('authorisation matrix', () => {
  // Expected status per caller. Nothing is open by accident: every cell is asserted.
  const matrix: Array<[string, string, () => string, () => FormData | string | Json | undefined, Record<Who, number>]> =
    [
      [
        'POST',
        '/photos',
        () => '/api/v1/photos',
        () => formWith(photoOf(2, 0), 'file'),
        { none: 401, familyOwn: 403, familyOther: 403, operator: 202, verifier: 403, admin: 403 },
      ],
      [
        'GET',
        '/photos/:id',
        () => `/api/v1/photos/${galleryPhoto}`,
        () => undefined,
        { none: 401, familyOwn: 403, familyOther: 403, operator: 200, verifier: 200, admin: 403 },
      ],
      [
        'GET',
        '/photos/:id/image (unconfirmed)',
        () => `/api/v1/photos/${galleryPhoto}/image`,
        () => undefined,
        { none: 401, familyOwn: 404, familyOther: 404, operator: 200, verifier: 200, admin: 200 },
      ],
      [
        'GET',
        '/faces/:id/crop (unconfirmed)',
        () => `/api/v1/faces/${galleryFace}/crop`,
        () => undefined,
        { none: 401, familyOwn: 404, familyOther: 404, operator: 200, verifier: 200, admin: 200 },
      ],
      [
        'GET',
        '/reference-faces/:id/crop',
        () => `/api/v1/reference-faces/${referenceFace}/crop`,
        () => undefined,
        { none: 401, familyOwn: 200, familyOther: 404, operator: 403, verifier: 200, admin: 200 },
      ],
      [
        'GET',
        '/reference-faces/:id/photo',
        () => `/api/v1/reference-faces/${referenceFace}/photo`,
        () => undefined,
        { none: 401, familyOwn: 200, familyOther: 404, operator: 403, verifier: 200, admin: 200 },
      ],
      [
        'GET',
        '/searches/:id',
        () => `/api/v1/searches/${caseId}`,
        () => undefined,
        // Admins open a case to re-issue its code and reopen its final candidates (issue 29).
        { none: 401, familyOwn: 200, familyOther: 403, operator: 403, verifier: 200, admin: 200 },
      ],
      [
        'GET',
        '/searches',
        () => `/api/v1/searches?q=${caseId}`,
        () => undefined,
        { none: 401, familyOwn: 403, familyOther: 403, operator: 403, verifier: 200, admin: 200 },
      ],
      [
        'GET',
        '/review',
        () => '/api/v1/review',
        () => undefined,
        { none: 401, familyOwn: 403, familyOther: 403, operator: 403, verifier: 200, admin: 403 },
      ],
      [
        'GET',
        '/audit',
        () => '/api/v1/audit',
        () => undefined,
        { none: 401, familyOwn: 403, familyOther: 403, operator: 403, verifier: 403, admin: 200 },
      ],
      [
        'POST',
        '/tokens',
        () => '/api/v1/tokens',
        () => ({ role: 'operator', name: 'matrix' }),
        { none: 401, familyOwn: 403, familyOther: 403, operator: 403, verifier: 403, admin: 201 },
      ],
      // (admins read images and reference faces: they settle disputed candidates)
      // an admin settles only disputed candidates, and always with a reason: 400 without one
      [
        'POST',
        '/candidates/:id/decisions (non-verifiers)',
        () => `/api/v1/candidates/${candidateId}/decisions`,
        () => ({ decision: 'reject' }),
        { none: 401, familyOwn: 403, familyOther: 403, operator: 403, verifier: -1, admin: 400 },
      ],
      [
        'GET',
        '/review?queue=disputed',
        () => '/api/v1/review?queue=disputed',
        () => undefined,
        { none: 401, familyOwn: 403, familyOther: 403, operator: 403, verifier: 403, admin: 200 },
      ],
      [
        'GET',
        '/review/me',
        () => '/api/v1/review/me',
        () => undefined,
        { none: 401, familyOwn: 403, familyOther: 403, operator: 403, verifier: 200, admin: 200 },
      ],
      // a pending candidate cannot be reopened: 409 once allowed
      [
        'POST',
        '/candidates/:id/reopen',
        () => `/api/v1/candidates/${candidateId}/reopen`,
        () => ({ reason: 'matrix' }),
        { none: 401, familyOwn: 403, familyOther: 403, operator: 403, verifier: 403, admin: 409 },
      ],
      [
        'DELETE',
        '/searches/:id (others)',
        () => `/api/v1/searches/${caseId}`,
        () => undefined,
        { none: 401, familyOwn: -1, familyOther: 403, operator: 403, verifier: 403, admin: -1 },
      ],
      [
        'DELETE',
        '/tokens/:id (unknown)',
        () => `/api/v1/tokens/${randomUUID()}`,
        () => undefined,
        { none: 401, familyOwn: 403, familyOther: 403, operator: 403, verifier: 403, admin: 404 },
      ],
      [
        'GET',
        '/healthz',
        () => '/healthz',
        () => undefined,
        { none: 200, familyOwn: 200, familyOther: 200, operator: 200, verifier: 200, admin: 200 },
      ],
      [
        'GET',
        '/metrics',
        () => '/metrics',
        () => undefined,
        { none: 200, familyOwn: 200, familyOther: 200, operator: 200, verifier: 200, admin: 200 },
      ],
    ];

  for (const [method, label, url, body, expected] of matrix) {
    it(`${method} ${label}`, async () => {
      const got: Partial<Record<Who, number>> = {};
      const want: Partial<Record<Who, number>> = {};
      for (const who of WHO) {
        if (expected[who] < 0) continue; // exercised by its own test below (it changes state)
        got[who] = (await req(method, url(), tok[who], body())).status;
        want[who] = expected[who];
      }
      expect(got).toEqual(want);
    });
  }

  it('lets anyone but a family code open a case, and shows candidates to verifiers only', async () => {
    for (const who of WHO) {
      const r = await req('POST', '/api/v1/searches', tok[who], formWith(photoOf(0, 1), 'photo'), {
        'x-test-client': `open-${who}`,
      });
      if (who === 'familyOwn' || who === 'familyOther') {
        // a case code opens its own case, not new ones (it would bypass the anonymous limit)
        expect(r.status, who).toBe(403);
        continue;
      }
      expect(r.status, who).toBe(201);
      expect(r.json.candidates !== undefined, who).toBe(who === 'verifier');
      expect(r.json.accessToken !== undefined, who).toBe(who !== 'verifier');
    }
  });

  it("keeps a keyed hash of an anonymous caller's address in the audit, never the address", async () => {
    const rows = await h.t.db.query<{ details: { client?: string } }>(
      `SELECT details FROM audit_events WHERE action = 'search.create' AND actor_role = 'anonymous' ORDER BY id`,
    );
    const tags = rows.rows.map((r) => r.details.client);
    expect(tags.length).toBeGreaterThanOrEqual(2);
    for (const t of tags) expect(t).toMatch(/^[0-9a-f]{16}$/);
    // 'setup' and 'setup2' opened the first two cases: different addresses, different tags
    expect(tags[0]).not.toBe(tags[1]);
    const all = JSON.stringify((await h.t.db.query(`SELECT details FROM audit_events`)).rows);
    expect(all).not.toContain('setup2');
  });

  it('refuses a cross-site post of a case, and takes one from its own page or a non-browser client', async () => {
    const foreign = await req('POST', '/api/v1/searches', undefined, formWith(photoOf(0, 1), 'photo'), {
      'x-test-client': 'csrf',
      origin: 'https://evil.example',
    });
    expect(foreign.status).toBe(403);
    const marked = await req('POST', '/api/v1/searches', undefined, formWith(photoOf(0, 1), 'photo'), {
      'x-test-client': 'csrf',
      'sec-fetch-site': 'cross-site',
    });
    expect(marked.status).toBe(403);
    // app.request's URL is http://localhost/…: the page's own origin
    const own = await req('POST', '/api/v1/searches', undefined, formWith(photoOf(0, 1), 'photo'), {
      'x-test-client': 'csrf2',
      origin: 'http://localhost',
      'sec-fetch-site': 'same-origin',
    });
    expect(own.status).toBe(201);
  });

  it('throttles an address that keeps presenting wrong tokens, and counts the failures', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++)
      statuses.push(
        (await req('GET', '/api/v1/review', `kf_guess_${i}`, undefined, { 'x-test-client': 'guesser' })).status,
      );
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
    // even a right token waits, from that address; another address is not affected
    const blocked = await req('GET', '/api/v1/review', tok.verifier, undefined, { 'x-test-client': 'guesser' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await req('GET', '/api/v1/review', tok.verifier, undefined, { 'x-test-client': 'colleague' })).status).toBe(
      200,
    );
    const metrics = await h.app.request('/metrics');
    expect(await metrics.text()).toMatch(/kinfinder_auth_failures_total (\d+)/);
  });

  it('refuses an unknown or malformed token with 401, never as anonymous', async () => {
    expect((await req('GET', '/api/v1/review', 'kf_not-a-real-token')).status).toBe(401);
    const r = await h.app.request('/api/v1/review', { headers: { authorization: 'Basic abc' } });
    expect(r.status).toBe(401);
  });

  it('stops a revoked token at once', async () => {
    const created = await req('POST', '/api/v1/tokens', tok.admin, { role: 'verifier', name: 'leaver' });
    expect((await req('GET', '/api/v1/review', created.json.token as string)).status).toBe(200);
    expect((await req('DELETE', `/api/v1/tokens/${created.json.id}`, tok.admin)).status).toBe(204);
    expect((await req('GET', '/api/v1/review', created.json.token as string)).status).toBe(401);
  });

  it('lets the family delete their own case and an admin delete any', async () => {
    const a = await req('POST', '/api/v1/searches', undefined, formWith(photoOf(3, 1), 'photo'), {
      'x-test-client': 'del1',
    });
    const b = await req('POST', '/api/v1/searches', undefined, formWith(photoOf(4, 1), 'photo'), {
      'x-test-client': 'del2',
    });
    expect((await req('DELETE', `/api/v1/searches/${a.json.search.id}`, a.json.accessToken as string)).status).toBe(
      204,
    );
    expect((await req('DELETE', `/api/v1/searches/${b.json.search.id}`, tok.admin)).status).toBe(204);
    expect((await req('GET', `/api/v1/searches/${b.json.search.id}`, tok.verifier)).status).toBe(404);
  });
});

describe('bad input', () => {
  it('answers every bad request with a 4xx JSON error and a code', async () => {
    const text = photoForm(
      [{ name: 'letter.jpg', bytes: Buffer.from('Dear family, ...'), type: 'image/jpeg' }],
      'photo',
    );
    const six = photoForm(
      Array.from({ length: 6 }, () => ({ name: 'p.jpg', bytes: fs.readFileSync(photoOf(0, 1)) })),
      'photo',
    );
    const cases: Array<[string, string, string | undefined, FormData | string | Json | undefined, number, string]> = [
      ['POST', '/api/v1/searches', tok.verifier, text, 415, 'unsupported_format'],
      ['POST', '/api/v1/searches', tok.verifier, new FormData(), 400, 'invalid_input'],
      ['POST', '/api/v1/searches', tok.verifier, { photo: 'not multipart' }, 400, 'invalid_input'],
      ['POST', '/api/v1/searches', tok.verifier, six, 400, 'too_many_photos'],
      [
        'POST',
        '/api/v1/searches',
        tok.verifier,
        (() => {
          const f = formWith(photoOf(0, 1), 'photo');
          f.append('faceIndex', 'first');
          return f;
        })(),
        400,
        'invalid_input',
      ],
      [
        'POST',
        '/api/v1/searches',
        tok.verifier,
        (() => {
          const f = formWith(photoOf(0, 1), 'photo');
          f.append('subject', '[1,2');
          return f;
        })(),
        400,
        'invalid_input',
      ],
      [
        'POST',
        '/api/v1/searches',
        tok.verifier,
        (() => {
          const f = formWith(photoOf(0, 1), 'photo');
          f.append('subject', JSON.stringify({ details: 'x'.repeat(17_000) }));
          return f;
        })(),
        400,
        'invalid_input',
      ],
      ['POST', '/api/v1/photos', tok.operator, new FormData(), 400, 'invalid_input'],
      [
        'POST',
        '/api/v1/photos',
        tok.operator,
        photoForm([{ name: 'x.jpg', bytes: Buffer.alloc(0) }], 'file'),
        400,
        'empty_file',
      ],
      ['GET', `/api/v1/photos/${randomUUID()}`, tok.operator, undefined, 404, 'not_found'],
      ['GET', '/api/v1/photos/12345', tok.operator, undefined, 404, 'not_found'],
      ['GET', `/api/v1/searches/${randomUUID()}`, tok.verifier, undefined, 404, 'not_found'],
      ['POST', `/api/v1/candidates/${randomUUID()}/decisions`, tok.verifier, { decision: 'confirm' }, 404, 'not_found'],
      [
        'POST',
        `/api/v1/candidates/${candidateId}/decisions`,
        tok.verifier,
        { decision: 'maybe' },
        400,
        'invalid_input',
      ],
      ['POST', `/api/v1/candidates/${candidateId}/decisions`, tok.verifier, '{not json', 400, 'invalid_input'],
      ['POST', '/api/v1/tokens', tok.admin, { role: 'family', name: 'x' }, 400, 'invalid_input'],
      ['POST', '/api/v1/tokens', tok.admin, { role: 'verifier' }, 400, 'invalid_input'],
      ['GET', '/api/v1/review?limit=0', tok.verifier, undefined, 400, 'invalid_input'],
      ['GET', '/api/v1/review?after=garbage', tok.verifier, undefined, 400, 'invalid_input'],
      ['GET', '/api/v1/audit?before=x', tok.admin, undefined, 400, 'invalid_input'],
    ];
    for (const [method, url, token, body, status, code] of cases) {
      const r = await req(method, url, token, body);
      expect({ url, status: r.status, code: r.json.error?.code }).toEqual({ url, status, code });
      expect(typeof r.json.error.message).toBe('string');
    }
  });

  it('refuses an oversized upload before reading it', async () => {
    const big = photoForm([{ name: 'huge.jpg', bytes: Buffer.alloc(11 * 1024 * 1024, 1) }], 'photo');
    const r = await req('POST', '/api/v1/searches', tok.verifier, big);
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('upload_too_large');
  });

  it('rate-limits anonymous uploads per client address, counting every request', async () => {
    // refused requests count too (issue 28: counting only created cases let failures be replayed for free)
    expect(
      (await req('POST', '/api/v1/searches', undefined, new FormData(), { 'x-test-client': 'flood' })).status,
    ).toBe(400);
    for (let i = 0; i < 2; i++)
      expect(
        (
          await req('POST', '/api/v1/searches', undefined, formWith(photoOf(2, 1), 'photo'), {
            'x-test-client': 'flood',
          })
        ).status,
      ).toBe(201);
    expect(
      (await req('POST', '/api/v1/searches', undefined, formWith(photoOf(2, 1), 'photo'), { 'x-test-client': 'flood' }))
        .status,
    ).toBe(429);
    const r = await req('POST', '/api/v1/searches', undefined, new FormData(), { 'x-test-client': 'flood' });
    expect(r.json.error.code).toBe('rate_limited');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    // another address and a signed-in verifier are not affected
    expect((await req('POST', '/api/v1/searches', undefined, new FormData(), { 'x-test-client': 'calm' })).status).toBe(
      400,
    );
    expect(
      (await req('POST', '/api/v1/searches', tok.verifier, new FormData(), { 'x-test-client': 'flood' })).status,
    ).toBe(400);
  });

  it('publishes an OpenAPI document of the routes', async () => {
    const r = await req('GET', '/api/v1/openapi.json');
    expect(r.status).toBe(200);
    expect(r.json.openapi).toBe('3.1.0');
    expect(Object.keys(r.json.paths)).toEqual(
      expect.arrayContaining(['/api/v1/searches', '/api/v1/review', '/api/v1/candidates/{id}/decisions']),
    );
    const ref = r.json.paths['/api/v1/candidates/{id}/decisions'].post.requestBody.content['application/json'].schema
      .$ref as string;
    expect(r.json.components.schemas[ref.replace('#/components/schemas/', '')].properties.decision.enum).toEqual([
      'confirm',
      'reject',
      'unsure',
      'retract',
    ]);
  });

  it('exposes counts in Prometheus text', async () => {
    const res = await h.app.request('/metrics');
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(text).toMatch(/^kinfinder_photos\{status="done"\} [1-9]\d*$/m);
    expect(text).toMatch(/^kinfinder_searches\{status="under_review"\} \d+$/m);
    expect(text).toMatch(/^kinfinder_faces [1-9]\d*$/m);
  });
});
