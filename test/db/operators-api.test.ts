// Operators and admins through the API (DESIGN §12): categories and batches at upload, the batch
// summary and its failures CSV, the photo listing, withdrawal and correction of a photo, the
// audit log's order, filters and CSV, and the token list. Real database, face engine and queue.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../src/store/audit.ts';
import type { AuditAction } from '../../src/vocabulary.ts';
import { testDbKind } from '../support/db.ts';
import { lfwPeople } from '../support/fixtures.ts';
import { ADMIN_TOKEN, openApiHarness, photoForm, requestJson, type ApiHarness } from '../support/api.ts';

const people = lfwPeople(2).slice(0, 4);
let h: ApiHarness;
const tokens: Record<string, string> = {};

const call = (method: string, url: string, token?: string, body?: unknown) =>
  requestJson(h.app, method, `/api/v1${url}`, { token, body: body as never });

const fileOf = (f: string) => ({ name: path.basename(f), bytes: fs.readFileSync(f) });

async function makeToken(role: string, name: string): Promise<string> {
  const r = await call('POST', '/tokens', ADMIN_TOKEN, { role, name });
  expect(r.status).toBe(201);
  return r.json.token as string;
}

beforeAll(async () => {
  h = await openApiHarness({ rateLimit: { max: 1000, windowMs: 60_000 } });
  tokens.operator = await makeToken('operator', 'operator one');
  tokens.verifier1 = await makeToken('verifier', 'verifier one');
  tokens.verifier2 = await makeToken('verifier', 'verifier two');
  tokens.admin = await makeToken('admin', 'admin two');
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe(`operators' batches on ${testDbKind()}`, () => {
  let batchId: string;
  const photoIds: string[] = [];

  it('a batch made up front collects several uploads, with their category, and its failures as CSV', async () => {
    const made = await call('POST', '/batches', tokens.operator, {
      source: 'Archive 17',
      category: 'prisoner',
      channel: 'page',
    });
    expect(made.status).toBe(201);
    batchId = made.json.id;
    expect(made.json).toMatchObject({ channel: 'page', source: 'Archive 17', category: 'prisoner', finished: true });

    const first = await call(
      'POST',
      '/photos',
      tokens.operator,
      photoForm([fileOf(people[0]!.files[0]!), { name: '=evil.jpg', bytes: Buffer.from('not an image') }], 'file', {
        batch: batchId,
      }),
    );
    expect(first.status).toBe(202);
    expect(first.json.batchId).toBe(batchId);
    const second = await call(
      'POST',
      '/photos',
      tokens.operator,
      photoForm(
        [fileOf(people[1]!.files[0]!), fileOf(people[0]!.files[0]!), { name: 'empty.jpg', bytes: Buffer.alloc(0) }],
        'file',
        { batch: batchId, category: 'deceased' },
      ),
    );
    expect(second.status).toBe(202);
    for (const p of [...first.json.photos, ...second.json.photos]) if (p.id && !p.duplicateOf) photoIds.push(p.id);
    expect(photoIds).toHaveLength(2);

    const before = await call('GET', `/batches/${batchId}`, tokens.operator);
    expect(before.json.counts).toMatchObject({ files: 5, queued: 2, done: 0, failed: 2, refused: 2, duplicates: 1 });
    expect(before.json.finished).toBe(false);
    for (const id of photoIds) await h.process(id);
    const after = await call('GET', `/batches/${batchId}`, tokens.operator);
    expect(after.json.counts).toMatchObject({ files: 5, queued: 0, done: 2, failed: 2, duplicates: 1 });
    expect(after.json.counts.faces).toBeGreaterThanOrEqual(2);
    expect(after.json.finished).toBe(true);

    // The category: the batch's, unless the request names another.
    const p0 = await call('GET', `/photos/${photoIds[0]}`, tokens.operator);
    const p1 = await call('GET', `/photos/${photoIds[1]}`, tokens.operator);
    expect([p0.json.category, p1.json.category]).toEqual(['prisoner', 'deceased']);
    expect(p0.json.batchId).toBe(batchId);

    const csv = await h.app.request(`/api/v1/batches/${batchId}/failures.csv`, {
      headers: { authorization: `Bearer ${tokens.operator}` },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = parse(await csv.text(), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => [r.file, r.status, r.code])).toEqual([
      ["'=evil.jpg", 'refused', 'unsupported_format'],
      ['empty.jpg', 'refused', 'empty_file'],
    ]);
  }, 120_000);

  it('an upload without a batch is a batch of its own; batches list newest first', async () => {
    const r = await call('POST', '/photos', tokens.operator, photoForm([fileOf(people[2]!.files[0]!)], 'file'));
    expect(r.status).toBe(202);
    expect(r.json.batchId).not.toBe(batchId);
    await h.process(r.json.photos[0].id);
    const list = await call('GET', '/batches?limit=1', tokens.operator);
    expect(list.json.items.map((b: { id: string }) => b.id)).toEqual([r.json.batchId]);
    expect(list.json.items[0]).toMatchObject({ channel: 'api', category: 'unknown' });
    const next = await call('GET', `/batches?limit=5&before=${list.json.next}`, tokens.operator);
    expect(next.json.items.map((b: { id: string }) => b.id)).toEqual([batchId]);
    // Batches are operators' and admins' business; a verifier reads photos, not batches.
    expect((await call('GET', '/batches', tokens.verifier1)).status).toBe(403);
    // An unknown batch in an upload is refused, nothing stored.
    const bad = await call(
      'POST',
      '/photos',
      tokens.operator,
      photoForm([fileOf(people[3]!.files[0]!)], 'file', { batch: '00000000-0000-4000-8000-000000000000' }),
    );
    expect(bad.status).toBe(404);
  }, 60_000);

  it('GET /photos lists by batch, status and category, newest first, page by page', async () => {
    const byBatch = await call('GET', `/photos?batch=${batchId}`, tokens.verifier1);
    expect(byBatch.status).toBe(200);
    expect(byBatch.json.items.map((p: { id: string }) => p.id).sort()).toEqual([...photoIds].sort());
    const deceased = await call('GET', '/photos?category=deceased', tokens.operator);
    expect(deceased.json.items.map((p: { id: string }) => p.id)).toEqual([photoIds[1]]);
    const page1 = await call('GET', '/photos?status=done&limit=2', tokens.operator);
    expect(page1.json.items).toHaveLength(2);
    expect(page1.json.next).toBeDefined();
    const page2 = await call('GET', `/photos?status=done&limit=2&after=${page1.json.next}`, tokens.operator);
    const all = [...page1.json.items, ...page2.json.items].map((p: { id: string }) => p.id);
    expect(new Set(all).size).toBe(3);
    expect(page2.json.next).toBeUndefined();
    expect(page1.json.items[0].faceCount).toBeGreaterThan(0);
    expect((await call('GET', '/photos?status=lost', tokens.operator)).status).toBe(400);
    expect((await call('GET', '/photos', tokens.admin)).status).toBe(403);
  });

  it('a category change is an audited correction', async () => {
    const r = await call('PATCH', `/photos/${photoIds[0]}`, tokens.operator, {
      category: 'deceased',
      metadata: { location: 'Field 3' },
    });
    expect(r.status).toBe(204);
    const p = await call('GET', `/photos/${photoIds[0]}`, tokens.operator);
    expect(p.json).toMatchObject({ category: 'deceased', metadata: { location: 'Field 3' } });
    const audit = await call('GET', `/audit?action=photo.correct&subject=${photoIds[0]}`, tokens.admin);
    expect(audit.json.events).toHaveLength(1);
    expect(audit.json.events[0].details).toEqual({
      fields: ['category', 'metadata'],
      category: { from: 'prisoner', to: 'deceased' },
    });
    expect((await call('PATCH', `/photos/${photoIds[0]}`, tokens.verifier1, { category: 'unknown' })).status).toBe(403);
    expect((await call('PATCH', `/photos/${photoIds[0]}`, tokens.operator, {})).status).toBe(400);
  });
});

describe(`withdrawing a photo on ${testDbKind()}`, () => {
  it('takes it out of searches and reopens the case whose confirmed match it was', async () => {
    const person = people[3]!;
    const [galleryId] = await h.enrol([person.files[0]!]);
    const opened = await call('POST', '/searches', tokens.verifier1, photoForm([fileOf(person.files[1]!)], 'photo'));
    expect(opened.status).toBe(201);
    const caseId = opened.json.search.id;
    const match = opened.json.candidates.find((c: { photoId: string }) => c.photoId === galleryId);
    expect(match).toBeDefined();
    for (const t of [tokens.verifier1, tokens.verifier2]) {
      expect((await call('POST', `/candidates/${match.id}/decisions`, t, { decision: 'confirm' })).status).toBe(201);
    }
    expect((await call('GET', `/searches/${caseId}`, tokens.verifier1)).json.search.status).toBe('match_confirmed');

    expect((await call('POST', `/photos/${galleryId}/withdraw`, tokens.operator, {})).status).toBe(400);
    const w = await call('POST', `/photos/${galleryId}/withdraw`, tokens.operator, {
      reason: 'uploaded to the wrong archive',
    });
    expect(w.status).toBe(200);
    expect(w.json.keptCandidates).toEqual([{ id: match.id, searchId: caseId, status: 'confirmed' }]);
    expect(w.json.cases).toEqual([
      { id: caseId, before: 'match_confirmed', after: expect.not.stringMatching(/match_confirmed/) },
    ]);
    expect((await call('POST', `/photos/${galleryId}/withdraw`, tokens.operator, { reason: 'again' })).status).toBe(
      409,
    );

    const photo = await call('GET', `/photos/${galleryId}`, tokens.operator);
    expect(photo.json).toMatchObject({
      status: 'withdrawn',
      faces: [],
      withdrawal: { reason: 'uploaded to the wrong archive' },
    });
    expect((await call('GET', `/searches/${caseId}`, tokens.verifier1)).json.search.status).not.toBe('match_confirmed');
    const again = await call('POST', '/searches', tokens.verifier1, photoForm([fileOf(person.files[1]!)], 'photo'));
    expect(again.json.candidates.map((c: { photoId: string }) => c.photoId)).not.toContain(galleryId);
    const reopened = await call('GET', `/audit?action=case.reopen&subject=${caseId}`, tokens.admin);
    expect(reopened.json.events).toHaveLength(1);
    expect(reopened.json.events[0].details).toMatchObject({
      cause: 'photo_withdrawn',
      photoId: galleryId,
      candidates: [match.id],
    });
    // The decisions stay on record (append-only).
    const decisions = await h.t.db.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM decisions WHERE candidate_id = $1`,
      [match.id],
    );
    expect(decisions.rows[0]!.n).toBe(2);
    const faces = await h.t.db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM faces WHERE photo_id = $1`, [
      galleryId,
    ]);
    expect(faces.rows[0]!.n).toBe(0);
    expect(
      (await call('GET', `/photos?status=withdrawn`, tokens.operator)).json.items.map((p: { id: string }) => p.id),
    ).toEqual([galleryId]);
  }, 180_000);
});

describe(`the audit log on ${testDbKind()}`, () => {
  it('puts the newest events on the first page, ordered by time then id as a number', async () => {
    // 150 events in one transaction share one time: the id (as a number) orders them.
    await h.t.db.transaction(async (tx) => {
      for (let i = 0; i < 150; i++)
        await recordAudit(tx, { id: null, role: 'cli' }, { action: 'test.bulk' as AuditAction, details: { i } });
    });
    const first = await call('GET', '/audit?limit=100', tokens.admin);
    expect(first.status).toBe(200);
    const ids = first.json.events.map((e: { id: string }) => Number(e.id));
    const max = (await h.t.db.query<{ m: string }>(`SELECT max(id)::text AS m FROM audit_events`)).rows[0]!.m;
    expect(ids[0]).toBe(Number(max));
    expect(ids).toEqual([...ids].sort((a: number, b: number) => b - a));
    const second = await call('GET', `/audit?limit=100&before=${first.json.next}`, tokens.admin);
    expect(Number(second.json.events[0].id)).toBeLessThan(ids.at(-1));
    const bulk = await call('GET', '/audit?action=test.bulk&limit=1000', tokens.admin);
    expect(bulk.json.events.map((e: { details: { i: number } }) => e.details.i)).toEqual(
      [...Array(150).keys()].reverse(),
    );
  });

  it('filters by actor, action prefix, subject and time, and exports CSV', async () => {
    const ops = await call('GET', '/audit?actor=operator&limit=1000', tokens.admin);
    expect(ops.json.events.length).toBeGreaterThan(0);
    expect(ops.json.events.every((e: { actorRole: string }) => e.actorRole === 'operator')).toBe(true);
    const photoEvents = await call('GET', '/audit?action=photo.&limit=1000', tokens.admin);
    expect(new Set(photoEvents.json.events.map((e: { action: string }) => e.action.split('.')[0]))).toEqual(
      new Set(['photo']),
    );
    const future = await call(
      'GET',
      `/audit?since=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`,
      tokens.admin,
    );
    expect(future.json.events).toEqual([]);
    const csv = await h.app.request('/api/v1/audit.csv?action=test.bulk', {
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    expect(csv.status).toBe(200);
    const rows = parse(await csv.text(), { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(150);
    expect(JSON.parse(rows[0]!.details!)).toEqual({ i: 149 });
    expect((await call('GET', '/audit', tokens.operator)).status).toBe(403);
  });

  it('GET /tokens lists tokens with when they were last used, never a secret', async () => {
    const r = await call('GET', '/tokens', tokens.admin);
    expect(r.status).toBe(200);
    const op = r.json.items.find((t: { name: string }) => t.name === 'operator one');
    expect(op).toMatchObject({ role: 'operator', revokedAt: null });
    expect(op.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(r.json)).not.toMatch(/kf_|token_hash|tokenHash/);
    expect((await call('GET', '/tokens', tokens.operator)).status).toBe(403);
  });
});

describe(`metrics for operators on ${testDbKind()}`, () => {
  it('shows photos by status and category, queue depth, ingest rate, open cases, candidates by status and photos on an older model', async () => {
    const r = await h.app.request('/metrics');
    expect(r.status).toBe(200);
    const text = await r.text();
    const value = (line: RegExp) => Number(new RegExp(`^${line.source} (\\S+)$`, 'm').exec(text)?.[1]);
    const photos = await h.t.db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::integer AS n FROM photos GROUP BY status`,
    );
    for (const p of photos.rows) expect(value(new RegExp(`kinfinder_photos\\{status="${p.status}"\\}`))).toBe(p.n);
    expect(value(/kinfinder_photos\{status="withdrawn"\}/)).toBe(1);
    expect(value(/kinfinder_photos_older_model/)).toBe(0);
    const open = await h.t.db.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM searches WHERE status <> 'closed' AND deleted_at IS NULL`,
    );
    expect(value(/kinfinder_open_cases/)).toBe(open.rows[0]!.n);
    expect(value(/kinfinder_photos_category\{category="deceased"\}/)).toBe(2);
    expect(value(/kinfinder_ingest_photos_per_second/)).toBeGreaterThan(0);
    expect(text).toMatch(/^kinfinder_candidates\{status="confirmed"\} \d+$/m);
    expect(text).toMatch(/^# TYPE kinfinder_queue_jobs gauge$/m);
    const health = await requestJson(h.app, 'GET', '/healthz');
    expect(health.json.archive).toEqual({ photosOnOlderModel: 0 });
  });
});
