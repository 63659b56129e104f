import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lfwPeople } from '../support/fixtures.ts';
import { ADMIN_TOKEN, bearer, openApiHarness, photoForm, type ApiHarness } from '../support/api.ts';

// People with at least two photos: the first is enrolled in the gallery, the second is the
// family's reference photo.
const people = lfwPeople(2).slice(0, 12);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let h: ApiHarness;
let galleryIds: string[];
const tokens: Record<string, string> = {};
const personA = people[0]!;
const personB = people[1]!; // enrolled only after a case for B is open (standing search)

async function call(
  method: string,
  url: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; json: Json; res: Response }> {
  const init: RequestInit = { method, headers: { ...bearer(token) } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await h.app.request(`/api/v1${url}`, init);
  const text = await res.clone().text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // images and empty bodies
  }
  return { status: res.status, json, res };
}

async function makeToken(role: string, name: string): Promise<string> {
  const r = await call('POST', '/tokens', ADMIN_TOKEN, { role, name });
  expect(r.status).toBe(201);
  expect(r.json.token).toMatch(/^kf_[A-Za-z0-9_-]{43}$/);
  return r.json.token as string;
}

function openCase(files: string[], token?: string, extra: Record<string, string> = {}) {
  return call(
    'POST',
    '/searches',
    token,
    photoForm(
      files.map((f) => ({ name: path.basename(f), bytes: fs.readFileSync(f) })),
      'photo',
      extra,
    ),
  );
}

beforeAll(async () => {
  h = await openApiHarness({ rateLimit: { max: 1000, windowMs: 60_000 } });
  tokens.operator = await makeToken('operator', 'operator one');
  tokens.verifier1 = await makeToken('verifier', 'verifier one');
  tokens.verifier2 = await makeToken('verifier', 'verifier two');
  tokens.admin = await makeToken('admin', 'second admin');
  galleryIds = await h.enrol(people.filter((p) => p !== personB).map((p) => p.files[0]!));
}, 300_000);
afterAll(async () => {
  await h?.close();
});

describe('search, review and confirmation', () => {
  let caseA: { id: string; token: string };
  let mateCandidate: Json;

  it('opens a case for a family without showing them candidates', async () => {
    const r = await openCase([personA.files[1]!], undefined, {
      subject: JSON.stringify({ name: 'A. Person', details: 'scar over the left eye' }),
    });
    expect(r.status).toBe(201);
    expect(r.json.caseCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}$/);
    expect(r.json.accessToken).toBe(r.json.caseCode);
    expect(r.json.candidates).toBeUndefined();
    expect(r.json.referenceFaces).toHaveLength(1);
    // the archive holds his mate, but a family is told nothing of it before a verifier has spoken
    expect(r.json.search.status).toBe('open');
    expect((await call('GET', `/searches/${r.json.search.id}`, tokens.verifier1)).json.search.status).toBe(
      'under_review',
    );
    caseA = { id: r.json.search.id as string, token: r.json.accessToken as string };
  });

  it('puts the enrolled mate in the review queue, best first', async () => {
    const r = await call('GET', '/review?limit=100', tokens.verifier1);
    expect(r.status).toBe(200);
    const items = (r.json.items as Json[]).filter((i) => i.searchId === caseA.id);
    expect(items.length).toBeGreaterThan(0);
    const sims = (r.json.items as Json[]).map((i) => i.similarity as number);
    expect([...sims].sort((a, b) => b - a)).toEqual(sims);
    mateCandidate = items.find((i) => i.photoId === galleryIds[0])!;
    expect(mateCandidate, 'the mate is proposed').toBeDefined();
    expect(mateCandidate.rank).toBe(1);
    expect(['strong', 'possible']).toContain(mateCandidate.band);
    expect(mateCandidate.face.cropUrl).toBe(`/api/v1/faces/${mateCandidate.faceId}/crop`);
    expect(mateCandidate.referenceFace.cropUrl).toMatch(/^\/api\/v1\/reference-faces\//);
    expect(mateCandidate.referenceFace).toMatchObject({
      photoUrl: `/api/v1/reference-faces/${mateCandidate.referenceFace.id}/photo`,
      photoWidth: 250,
      photoHeight: 250,
      box: { x: expect.any(Number), y: expect.any(Number), width: expect.any(Number), height: expect.any(Number) },
    });
    expect(mateCandidate.photo.source).toBe('test archive');
    // the face box is in the original's pixels, so the console needs the original's size (LFW: 250²)
    expect(mateCandidate.photo).toMatchObject({ width: 250, height: 250 });
    // verifiers see what the family said about the person, beside every candidate
    expect(mateCandidate.subject).toEqual({ name: 'A. Person', details: 'scar over the left eye' });
  });

  it('needs two different verifiers to confirm', async () => {
    const first = await call('POST', `/candidates/${mateCandidate.id}/decisions`, tokens.verifier1, {
      decision: 'confirm',
      note: 'same scar',
    });
    expect(first.status).toBe(201);
    expect(first.json.candidate).toMatchObject({ status: 'pending', confirmations: 1 });

    const family = await call('GET', `/searches/${caseA.id}`, caseA.token);
    expect(family.json.search.status).toBe('open');
    expect(family.json.confirmed).toEqual([]);

    const again = await call('POST', `/candidates/${mateCandidate.id}/decisions`, tokens.verifier1, {
      decision: 'confirm',
    });
    expect(again.status).toBe(409);
    // the queue no longer offers it to the verifier who already confirmed
    const q1 = await call('GET', '/review?limit=100', tokens.verifier1);
    expect((q1.json.items as Json[]).some((i) => i.id === mateCandidate.id)).toBe(false);
    // blind review: the second verifier is given it with nothing of the first decision
    const q2 = await call('GET', '/review?limit=100', tokens.verifier2);
    const blind = (q2.json.items as Json[]).find((i) => i.id === mateCandidate.id)!;
    expect(blind.myDecision).toBeNull();
    expect(blind).not.toHaveProperty('confirmations');
    expect(JSON.stringify(blind)).not.toContain('same scar');

    const second = await call('POST', `/candidates/${mateCandidate.id}/decisions`, tokens.verifier2, {
      decision: 'confirm',
    });
    expect(second.status).toBe(201);
    expect(second.json.candidate).toMatchObject({ status: 'confirmed', confirmations: 2 });

    const late = await call('POST', `/candidates/${mateCandidate.id}/decisions`, tokens.verifier2, {
      decision: 'reject',
    });
    expect(late.status).toBe(409);
  });

  it('shows the family the confirmed match and only that', async () => {
    const r = await call('GET', `/searches/${caseA.id}`, caseA.token);
    expect(r.status).toBe(200);
    expect(r.json.search.status).toBe('answered');
    expect(r.json.candidates).toBeUndefined();
    expect(r.json.confirmed).toHaveLength(1);
    expect(r.json.confirmed[0].photoUrl).toBe(`/api/v1/case/confirmed/${mateCandidate.id}/photo`);
    expect(r.json.confirmed[0].subject).toBeUndefined();
    expect((await h.app.request(r.json.confirmed[0].photoUrl as string, { headers: bearer(caseA.token) })).status).toBe(
      200,
    );
    const image = await call('GET', `/photos/${galleryIds[0]}/image`, caseA.token);
    expect(image.status).toBe(200);
    expect(image.res.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(await image.res.arrayBuffer())).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.exif).toBeUndefined();
    // any other gallery photo stays hidden from the family
    expect((await call('GET', `/photos/${galleryIds[1]}/image`, caseA.token)).status).toBe(404);
  });

  it('rejects with two verifiers and never proposes a rejected pair again', async () => {
    const opened = await openCase([people[3]!.files[1]!], tokens.verifier1);
    expect(opened.status).toBe(201);
    const top = (opened.json.candidates as Json[])[0]!;
    expect(top.photoId).toBe(galleryIds[people.filter((p) => p !== personB).indexOf(people[3]!)]);
    const one = await call('POST', `/candidates/${top.id}/decisions`, tokens.verifier1, { decision: 'reject' });
    expect(one.json.candidate.status).toBe('pending');
    const rej = await call('POST', `/candidates/${top.id}/decisions`, tokens.verifier2, {
      decision: 'reject',
      note: 'different ears',
    });
    expect(rej.status).toBe(201);
    expect(rej.json.candidate.status).toBe('rejected');
    // the gallery photo is matched again (as standing search would on a re-run): the pair stays rejected
    await h.process(top.photoId as string);
    const after = await call('GET', `/searches/${opened.json.search.id}`, tokens.verifier1);
    expect((after.json.candidates as Json[]).filter((c) => c.faceId === top.faceId).map((c) => c.status)).toEqual([
      'rejected',
    ]);
    expect(
      (await call('GET', '/review?limit=100', tokens.verifier1)).json.items.some((i: Json) => i.id === top.id),
    ).toBe(false);
  });

  it('finds a match ingested after the case was opened (standing search)', async () => {
    const opened = await openCase([personB.files[1]!], tokens.verifier1);
    expect(opened.status).toBe(201);
    const caseId = opened.json.search.id as string;
    const photo = await call(
      'POST',
      '/photos',
      tokens.operator,
      photoForm([{ name: 'late.jpg', bytes: fs.readFileSync(personB.files[0]!) }], 'file', {
        source: 'late batch',
        metadata: '{"location":"field hospital"}',
      }),
    );
    expect(photo.status).toBe(202);
    const photoId = photo.json.photos[0].id as string;
    expect(photo.json.photos[0]).toMatchObject({ originalName: 'late.jpg', status: 'queued' });
    expect(photo.json.photos[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    await h.process(photoId);
    const view = await call('GET', `/searches/${caseId}`, tokens.verifier1);
    const found = (view.json.candidates as Json[]).find((c) => c.photoId === photoId);
    expect(found, 'the late photo became a candidate').toBeDefined();
    expect(found!.rank).toBe(1);
    expect(found!.photo.metadata).toEqual({ location: 'field hospital' });
    expect(view.json.search.status).toBe('under_review');

    const dup = await call(
      'POST',
      '/photos',
      tokens.operator,
      photoForm([{ name: 'again.jpg', bytes: fs.readFileSync(personB.files[0]!) }], 'file'),
    );
    expect(dup.status).toBe(202);
    expect(dup.json.photos[0].duplicateOf).toBe(photoId);

    const detail = await call('GET', `/photos/${photoId}`, tokens.operator);
    expect(detail.json).toMatchObject({ id: photoId, originalName: 'late.jpg', status: 'done' });
    expect(detail.json.faces.length).toBeGreaterThanOrEqual(1);
  });

  it('asks which face when a reference photo shows several', async () => {
    const tiles = await Promise.all(people.slice(2, 5).map((p) => sharp(p.files[1]!).resize(250, 250).toBuffer()));
    const group = await sharp({ create: { width: 800, height: 300, channels: 3, background: '#808080' } })
      .composite(tiles.map((input, i) => ({ input, left: 10 + i * 265, top: 25 })))
      .jpeg()
      .toBuffer();
    const r = await call('POST', '/searches', undefined, photoForm([{ name: 'group.jpg', bytes: group }], 'photo'));
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe('choose_face');
    expect(r.json.faces.length).toBeGreaterThanOrEqual(3);
    expect(r.json.faces[0]).toMatchObject({ index: 0, box: { x: expect.any(Number), width: expect.any(Number) } });
    const chosen = await call(
      'POST',
      '/searches',
      undefined,
      photoForm([{ name: 'group.jpg', bytes: group }], 'photo', { faceIndex: '1' }),
    );
    expect(chosen.status).toBe(201);
  });

  it("shows verifiers the family's whole photo upright, scaled down and without its metadata", async () => {
    // A phone photo: 2600×1800 pixels stored sideways with EXIF orientation 6 and a description
    // that must not travel further than the upload.
    const upright = await sharp(people[4]!.files[1]!)
      .extend({ left: 1100, top: 1500, right: 450, bottom: 850, background: '#6f6f6f' })
      .toBuffer();
    const stored = await sharp(upright)
      .rotate(270)
      .withMetadata({ orientation: 6 })
      .withExif({ IFD0: { ImageDescription: 'taken at our home, 12 River Street' } })
      .jpeg({ quality: 92 })
      .toBuffer();
    const opened = await call(
      'POST',
      '/searches',
      undefined,
      photoForm([{ name: 'phone.jpg', bytes: stored }], 'photo'),
    );
    expect(opened.status).toBe(201);
    const ref = opened.json.referenceFaces[0] as Json;
    // the box and the size are the upright photo's: 1800 wide, 2600 high, the face where it was put
    expect(ref).toMatchObject({ photoWidth: 1800, photoHeight: 2600 });
    expect(ref.box.x + ref.box.width / 2).toBeGreaterThan(1100);
    expect(ref.box.x + ref.box.width / 2).toBeLessThan(1350);
    expect(ref.box.y + ref.box.height / 2).toBeGreaterThan(1500);
    expect(ref.box.y + ref.box.height / 2).toBeLessThan(1750);

    const photo = await call('GET', `/reference-faces/${ref.id}/photo`, tokens.verifier1);
    expect(photo.status).toBe(200);
    expect(photo.res.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await photo.res.arrayBuffer());
    const meta = await sharp(bytes).metadata();
    expect([meta.width, meta.height]).toEqual([Math.round((2048 * 1800) / 2600), 2048]);
    expect(meta.orientation ?? 1).toBe(1);
    expect(meta.exif).toBeUndefined();
    expect(bytes.includes(Buffer.from('River Street'))).toBe(false);
    // a case opened before the display copy existed gets the same picture, made on request
    await h.t.db.query(`UPDATE reference_faces SET display_sha256 = NULL WHERE id = $1`, [ref.id]);
    const remade = await call('GET', `/reference-faces/${ref.id}/photo`, tokens.verifier1);
    expect(remade.status).toBe(200);
    const remadeMeta = await sharp(Buffer.from(await remade.res.arrayBuffer())).metadata();
    expect([remadeMeta.width, remadeMeta.height, remadeMeta.exif]).toEqual([meta.width, meta.height, undefined]);
    // the case's own family may see it too; nobody else
    expect((await call('GET', `/reference-faces/${ref.id}/photo`, opened.json.accessToken as string)).status).toBe(200);
    expect((await call('GET', `/reference-faces/${ref.id}/photo`, caseA.token)).status).toBe(404);
    expect((await call('GET', `/reference-faces/${ref.id}/photo`, tokens.operator)).status).toBe(403);
  });

  it('records every search, decision, read and token change in the audit log', async () => {
    const r = await call('GET', '/audit?limit=1000', tokens.admin);
    expect(r.status).toBe(200);
    const actions = new Set((r.json.events as Json[]).map((e) => e.action));
    for (const a of [
      'token.create',
      'search.create',
      'search.read',
      'candidate.confirm',
      'candidate.reject',
      'photo.image.read',
      'photo.upload',
      'photo.read',
      'candidate.read',
      'reference.photo.read',
    ]) {
      expect(actions, a).toContain(a);
    }
    const page = await call('GET', '/audit?limit=2', tokens.admin);
    expect(page.json.events).toHaveLength(2);
    const next = await call('GET', `/audit?limit=2&before=${page.json.next}`, tokens.admin);
    expect(Number(next.json.events[0].id)).toBeLessThan(Number(page.json.events[1].id));
    expect(await h.t.db.query(`DELETE FROM audit_events`).catch((e: Error) => e.message)).toMatch(/append-only/);
  });

  it('deletes a family case with its reference photos, crops and embeddings', async () => {
    const r = await openCase([people[5]!.files[1]!]);
    const id = r.json.search.id as string;
    const token = r.json.accessToken as string;
    const refs = await h.t.db.query<{ photo_sha256: string; crop_sha256: string; display_sha256: string }>(
      `SELECT photo_sha256, crop_sha256, display_sha256 FROM reference_faces WHERE search_id = $1`,
      [id],
    );
    expect(refs.rows).toHaveLength(1);
    expect(await h.blobs.has(refs.rows[0]!.display_sha256)).toBe(true);
    const del = await call('DELETE', `/searches/${id}`, token);
    expect(del.status).toBe(204);
    expect((await h.t.db.query(`SELECT 1 FROM reference_faces WHERE search_id = $1`, [id])).rows).toHaveLength(0);
    expect(await h.blobs.has(refs.rows[0]!.crop_sha256)).toBe(false);
    expect(await h.blobs.has(refs.rows[0]!.photo_sha256)).toBe(false);
    expect(await h.blobs.has(refs.rows[0]!.display_sha256)).toBe(false);
    expect((await call('GET', `/searches/${id}`, token)).status).toBe(401);
    expect((await call('GET', `/searches/${id}`, tokens.verifier1)).status).toBe(404);
  });
});
