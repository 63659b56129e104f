import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, openApiHarness, requestJson, type ApiHarness } from '../support/api.ts';
import { DEFAULT_QUEUE_FPIR } from '../../src/match/bar.ts';
import { testDbKind } from '../support/db.ts';
import { syntheticGallery } from '../support/synthetic-gallery.ts';

/**
 * The queue's bar (issue 25, DESIGN §15) on face-like embeddings: every face shares a large
 * common direction, as face-api descriptors do (strangers at ≈ 0.865 ± 0.012), and the same
 * man's faces share their own direction too (≈ 0.99). The cases are searched by the product's
 * own search (syntheticGallery.openCase: matchCase, upsertCandidates).
 */

type Json = Record<string, unknown>;
let h: ApiHarness;
let gallery: ReturnType<typeof syntheticGallery>;
const tok: Record<string, string> = {};
const DIMS = 128;
const A = 0.93; // weight of the direction every face shares

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const next = rng(25);
function gauss(): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}
const normalise = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
/** A man's own direction (unit, apart from the shared one). */
const person = () => normalise(Array.from({ length: DIMS - 1 }, gauss));
/** A direction `cos` from `u` (unit). */
function near(u: number[], cos: number): number[] {
  const n = person();
  const along = n.reduce((s, x, i) => s + x * u[i]!, 0);
  const perp = normalise(n.map((x, i) => x - along * u[i]!));
  return u.map((x, i) => cos * x + Math.sqrt(1 - cos * cos) * perp[i]!);
}
/** A face of the man whose direction is `u`. */
const face = (u: number[]) => [A, ...u.map((x) => x * Math.sqrt(1 - A * A))];

const call = (method: string, url: string, token: string | undefined, body?: Json) =>
  requestJson(h.app, method, `/api/v1${url}`, { token, body });
async function queueIds(who: string): Promise<string[]> {
  const r = await call('GET', '/review?limit=100', tok[who]);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return (r.json.items as Json[]).map((i) => i.id as string);
}
async function candidatesOf(caseId: string, below: boolean): Promise<Json[]> {
  const r = await call('GET', `/searches/${caseId}/candidates${below ? '?below=1' : ''}`, tok.v1);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.items as Json[];
}
async function candidateOfPhoto(caseId: string, photoId: string): Promise<Json | undefined> {
  const r = await call('GET', `/searches/${caseId}`, tok.v1);
  return (r.json.candidates as Json[]).find((c) => c.photoId === photoId);
}

const him = person();
let mate: { photoId: string; faceId: string };
let mateAgain: { photoId: string; faceId: string };
let namesake: { photoId: string; faceId: string };
let weakWithRecord: { photoId: string; faceId: string };
const weakMan = person();

beforeAll(async () => {
  h = await openApiHarness();
  gallery = syntheticGallery(h.t.db, h.manifest);
  const mk = async (role: string, name: string) => {
    const r = await call('POST', '/tokens', ADMIN_TOKEN, { role, name });
    expect(r.status).toBe(201);
    return r.json.token as string;
  };
  tok.v1 = await mk('verifier', 'Olena Verifier');
  tok.v2 = await mk('verifier', 'Taras Verifier');
  tok.v3 = await mk('verifier', 'Iryna Verifier');
  // an archive of strangers, half with records; two of them (and the namesake below) Kovalenko
  const surnames = ['Bondarenko', 'Tkachenko', 'Shevchenko'];
  for (let i = 0; i < 80; i++)
    await gallery.photo(
      face(person()),
      undefined,
      i % 2 ? { names: [`${i < 4 ? 'Kovalenko' : surnames[i % 3]} Petro`], birthDate: String(1960 + (i % 40)) } : {},
    );
  mate = await gallery.photo(face(near(him, 0.99)));
  mateAgain = await gallery.photo(face(near(him, 0.985)));
  // what the family would be told: the verifier sees it with the candidate
  await h.t.db.query(`UPDATE photos SET category = 'prisoner' WHERE id = $1`, [mate.photoId]);
  // the weak face of a man whose record agrees on every field the family gave
  weakWithRecord = await gallery.photo(face(near(weakMan, 0.3)), undefined, {
    names: ['Hrytsenko Mykola'],
    birthDate: '1983-05-17',
  });
  // a stranger whose record only shares the surname, with a common face
  namesake = await gallery.photo(face(person()), undefined, { names: ['Kovalenko Ivan'], birthDate: '1990' });
}, 180_000);
afterAll(async () => {
  await h?.close();
});

describe(`the queue's bar, on ${testDbKind()}`, () => {
  it("offers a mate's case its mate and a stranger's case nothing; the weaker ones show on demand", async () => {
    const mates = await gallery.openCase(face(near(him, 0.99)));
    const stranger = await gallery.openCase(face(person()));
    const queue = await queueIds('v1');
    const offered = await candidatesOf(mates.caseId, false);
    expect(offered.map((c) => c.photoId)).toEqual(expect.arrayContaining([mate.photoId, mateAgain.photoId]));
    // what is offered is what the queue holds of the case
    expect(offered.every((c) => queue.includes(c.id as string))).toBe(true);
    for (const c of offered) {
      expect(c.category).toBe(c.photoId === mate.photoId ? 'prisoner' : 'unknown');
      expect(c.strangersPerSearch as number).toBeLessThanOrEqual(DEFAULT_QUEUE_FPIR);
    }
    // the stranger's case: candidates were found above the floor and kept, none offered
    const kept = await candidatesOf(stranger.caseId, true);
    expect(kept.length).toBeGreaterThan(0);
    expect(await candidatesOf(stranger.caseId, false)).toEqual([]);
    expect(kept.some((c) => queue.includes(c.id as string))).toBe(false);
    for (const c of kept) expect(c.strangersPerSearch as number).toBeGreaterThan(DEFAULT_QUEUE_FPIR);
    // the bar as the route states it: N and the rate it allows
    const r = await call('GET', `/searches/${stranger.caseId}/candidates?below=1`, tok.v1);
    expect(r.json.bar).toMatchObject({ fpir: DEFAULT_QUEUE_FPIR });
    expect((r.json.bar as Json).archiveSize).toBe(84);
    expect((r.json.bar as Json).maxRate as number).toBeCloseTo(
      DEFAULT_QUEUE_FPIR / ((r.json.bar as Json).archiveSize as number),
      12,
    );
    // families and other roles may not list them
    expect((await call('GET', `/searches/${stranger.caseId}/candidates?below=1`, undefined)).status).toBe(401);
  });

  it('lets a record that agrees strongly carry a weak face over the bar; a shared surname alone does not', async () => {
    const subject = { surname: 'Hrytsenko', givenName: 'Mykola', birthDate: '1983-05-17' };
    const withRecord = await gallery.openCase(face(weakMan), undefined, subject);
    const lifted = await candidateOfPhoto(withRecord.caseId, weakWithRecord.photoId);
    expect(lifted).toBeDefined();
    expect(lifted!.band).not.toBe('strong');
    expect((await candidatesOf(withRecord.caseId, false)).map((c) => c.photoId)).toContain(weakWithRecord.photoId);
    // the same weak face without the record stays under the bar
    const faceOnly = await gallery.openCase(face(weakMan));
    const alone = await candidateOfPhoto(faceOnly.caseId, weakWithRecord.photoId);
    if (alone) expect((alone.strangerRate as number) > (lifted!.strangerRate as number)).toBe(true);
    expect((await candidatesOf(faceOnly.caseId, false)).map((c) => c.photoId)).not.toContain(weakWithRecord.photoId);
    // a family with no photo, only a surname three records share: the namesake is kept, not offered
    const byName = await gallery.openCase(null, undefined, { surname: 'Kovalenko' });
    const below = (await candidatesOf(byName.caseId, true)).map((c) => c.photoId);
    expect(below).toContain(namesake.photoId);
    expect((await candidatesOf(byName.caseId, false)).map((c) => c.photoId)).not.toContain(namesake.photoId);
  });

  it("takes a confirmed case's other candidates out of the queue, except the same man in another photo", async () => {
    // a face like his and a record like another man's: both offered while the case is open
    const c = await gallery.openCase(face(near(him, 0.99)), undefined, {
      surname: 'Hrytsenko',
      givenName: 'Mykola',
      birthDate: '1983-05-17',
    });
    const before = await candidatesOf(c.caseId, false);
    const byPhoto = (id: string) => before.find((x) => x.photoId === id)!;
    expect(before.map((x) => x.photoId)).toEqual(
      expect.arrayContaining([mate.photoId, mateAgain.photoId, weakWithRecord.photoId]),
    );
    const confirmedId = byPhoto(mate.photoId).id as string;
    for (const who of ['v1', 'v2'])
      expect(
        (await call('POST', `/candidates/${confirmedId}/decisions`, tok[who], { decision: 'confirm' })).status,
      ).toBe(201);
    // him in another photo stays; the other man leaves the queue and stays with the case
    const queue = await queueIds('v3');
    expect(queue).toContain(byPhoto(mateAgain.photoId).id);
    expect(queue).not.toContain(byPhoto(weakWithRecord.photoId).id);
    expect(await candidateOfPhoto(c.caseId, weakWithRecord.photoId)).toMatchObject({ status: 'pending' });
  });

  it('flags two cases that look for the same man: the same photo, or the same surname and date of birth', async () => {
    const subject = { surname: 'Marchenko', givenName: 'Oleh', birthDate: '1988-02-03' };
    const one = await gallery.openCase(face(near(him, 0.99)), undefined, subject);
    const two = await gallery.openCase(face(near(him, 0.99)), undefined, { ...subject, givenName: 'Oleg' });
    const other = await gallery.openCase(face(near(him, 0.99)), undefined, { ...subject, birthDate: '1979' });
    // the same photo sent twice (one family opening a second case)
    const shared = await h.t.db.query<{ photo_sha256: string }>(
      `SELECT photo_sha256 FROM reference_faces WHERE search_id = $1`,
      [one.caseId],
    );
    await h.t.db.query(`UPDATE reference_faces SET photo_sha256 = $2 WHERE search_id = $1`, [
      other.caseId,
      shared.rows[0]!.photo_sha256,
    ]);
    const r = await call('GET', '/review?limit=100', tok.v2);
    const related = (id: string) => (r.json.cases as Json[]).find((c) => c.id === id)?.related;
    expect(related(one.caseId)).toEqual(
      [
        { id: two.caseId, why: 'same_subject' },
        { id: other.caseId, why: 'same_photo' },
      ].sort((a, b) => a.id.localeCompare(b.id) || a.why.localeCompare(b.why)),
    );
    expect(related(two.caseId)).toEqual([{ id: one.caseId, why: 'same_subject' }]);
  });

  it('caps open leases per person, refuses a lease on a candidate one decided, and audits lease and release', async () => {
    const cases = [];
    for (let i = 0; i < 5; i++) cases.push(await gallery.openCase(face(near(him, 0.99))));
    const ids = (await Promise.all(cases.map((c) => candidatesOf(c.caseId, false)))).map((l) => l[0]!.id as string);
    for (const id of ids.slice(0, 3)) expect((await call('POST', `/candidates/${id}/lease`, tok.v3)).status).toBe(200);
    const fourth = await call('POST', `/candidates/${ids[3]}/lease`, tok.v3);
    expect([fourth.status, fourth.json.error.code]).toEqual([409, 'too_many_leases']);
    // renewing one already held is not a new lease
    expect((await call('POST', `/candidates/${ids[0]}/lease`, tok.v3)).status).toBe(200);
    // the others' queues still hold what is not leased
    const others = await queueIds('v1');
    expect(others).toContain(ids[3]);
    expect(others).not.toContain(ids[0]);
    // releasing one frees a place
    expect((await call('DELETE', `/candidates/${ids[0]}/lease`, tok.v3)).status).toBe(204);
    expect((await call('POST', `/candidates/${ids[3]}/lease`, tok.v3)).status).toBe(200);
    // deciding ends the lease; a lease on what one decided is refused
    expect((await call('POST', `/candidates/${ids[1]}/decisions`, tok.v3, { decision: 'reject' })).status).toBe(201);
    const again = await call('POST', `/candidates/${ids[1]}/lease`, tok.v3);
    expect([again.status, again.json.error.code]).toEqual([409, 'already_decided']);
    expect((await call('POST', `/candidates/${ids[4]}/lease`, tok.v3)).status).toBe(200);
    const audit = await h.t.db.query<{ action: string; subject_id: string }>(
      `SELECT action, subject_id FROM audit_events WHERE action IN ('candidate.lease', 'candidate.release') ORDER BY at, id`,
    );
    const leases = audit.rows.filter((r) => r.action === 'candidate.lease').map((r) => r.subject_id);
    expect(leases).toEqual([ids[0], ids[1], ids[2], ids[3], ids[4]]);
    expect(audit.rows.filter((r) => r.action === 'candidate.release').map((r) => r.subject_id)).toEqual([ids[0]]);
  });
});
