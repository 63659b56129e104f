import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/access/credentials.ts';
import { upsertCandidates } from '../../src/store/candidates.ts';
import { familyMessageOf } from '../../src/store/decisions.ts';
import { ADMIN_TOKEN, openApiHarness, requestJson, type ApiHarness } from '../support/api.ts';
import { testDbKind } from '../support/db.ts';
import { at, axis, syntheticGallery } from '../support/synthetic-gallery.ts';

// Review through the API (DESIGN §10): blind double review, the decision rules with
// KINFINDER_CONFIRMATIONS = KINFINDER_REJECTIONS = 2, disputes settled by an admin, corrections
// (retract within 15 minutes, reopen by an admin), work by case and the short lease. Cases are
// written straight into the database with embeddings at chosen similarities (the face engine
// has no part in these rules); every decision goes through HTTP.

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let h: ApiHarness;
/** The review rules' clock: moved forward to test the retract window without waiting. */
let clockOffsetMs = 0;
const tok: Record<string, string> = {};
let nextAxis = 0;
// One gallery for the file: its photos are numbered (and their sha256 made) by it, so two cases'
// photos are never one photo.
let gallery: ReturnType<typeof syntheticGallery>;

const call = (method: string, url: string, token: string | undefined, body?: Json) =>
  requestJson(h.app, method, `/api/v1${url}`, { token, body });
const decideAs = (who: string, candidateId: string, body: Json) =>
  call('POST', `/candidates/${candidateId}/decisions`, tok[who], body);
async function queueOf(who: string, query = 'limit=100'): Promise<Json> {
  const r = await call('GET', `/review?${query}`, tok[who]);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json;
}

/** A case with `n` candidates (similarity 0.99, 0.98, …) and a family token for it. */
async function caseWith(n: number): Promise<{ caseId: string; candidates: string[]; familyToken: string }> {
  const k = nextAxis++;
  const faces: string[] = [];
  const photos: string[] = [];
  for (let i = 0; i < n; i++) {
    const g = await gallery.photo(at(k, 64 + k, 0.99 - i * 0.01));
    faces.push(g.faceId);
    photos.push(g.photoId);
  }
  const { caseId, referenceFaceId } = await gallery.openCase(axis(k));
  // stated rather than searched: an HNSW graph of mutually orthogonal test vectors need not find them all
  await upsertCandidates(
    h.t.db,
    caseId,
    faces.map((faceId, i) => ({
      faceId,
      photoId: photos[i]!,
      referenceFaceId,
      similarity: 0.99 - i * 0.01,
      band: 'strong' as const,
      evidence: [],
      matchWeight: 9.644,
      matchProbability: null,
    })),
  );
  await h.t.db.query(`UPDATE searches SET status = 'under_review' WHERE id = $1`, [caseId]);
  const rows = await h.t.db.query<{ id: string }>(
    `SELECT id FROM candidates WHERE search_id = $1 ORDER BY similarity DESC`,
    [caseId],
  );
  expect(rows.rows).toHaveLength(n);
  const { token } = await createToken(h.t.db, { role: 'family', name: 'case access', caseId });
  return { caseId, candidates: rows.rows.map((r) => r.id), familyToken: token };
}

beforeAll(async () => {
  h = await openApiHarness({ now: () => new Date(Date.now() + clockOffsetMs) });
  gallery = syntheticGallery(h.t.db, h.manifest);
  const mk = async (role: string, name: string) => {
    const r = await call('POST', '/tokens', ADMIN_TOKEN, { role, name });
    expect(r.status).toBe(201);
    return r.json.token as string;
  };
  tok.v1 = await mk('verifier', 'Olena Verifier');
  // a second token of the same person, typed differently: one verifier
  tok.v1b = await mk('verifier', ' olena verifier ');
  tok.v2 = await mk('verifier', 'Taras Verifier');
  tok.v3 = await mk('verifier', 'Iryna Verifier');
  tok.admin = await mk('admin', 'Admin Person');
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe(`review through the API, on ${testDbKind()}`, () => {
  it("hides the first verifier's decision from the second until the second has decided", async () => {
    const {
      caseId,
      candidates: [c],
    } = await caseWith(1);
    const first = await decideAs('v1', c!, {
      decision: 'confirm',
      note: 'same scar above the left eyebrow',
      familyMessage: 'We found him among the registered prisoners.',
    });
    expect(first.status).toBe(201);
    expect(first.json.candidate).toMatchObject({
      status: 'pending',
      confirmations: 1,
      myDecision: { decision: 'confirm', note: 'same scar above the left eyebrow' },
    });

    const item = ((await queueOf('v2')).items as Json[]).find((i) => i.id === c);
    expect(item, 'the second verifier is given the candidate').toBeDefined();
    expect(item!.myDecision).toBeNull();
    expect(item).not.toHaveProperty('confirmations');
    expect(item).not.toHaveProperty('decisions');
    expect(item).not.toHaveProperty('confirmedBy');
    // nothing of the first decision anywhere in what the second verifier is sent
    const text = JSON.stringify(item);
    for (const leak of ['scar above', 'Olena', 'We found him', 'confirm"']) expect(text).not.toContain(leak);
    // nor in the case as verifiers read it, which is blind the same way
    const asCase = (await call('GET', `/searches/${caseId}`, tok.v2)).json.candidates as Json[];
    expect(asCase[0]).toMatchObject({ id: c, myDecision: null });
    expect(asCase[0]).not.toHaveProperty('confirmations');
    expect(JSON.stringify(asCase)).not.toContain('scar above');
    expect((await call('GET', `/searches/${caseId}`, tok.v1)).json.candidates[0]).toMatchObject({
      confirmations: 1,
      myDecision: { decision: 'confirm' },
    });
    // the first verifier's queue no longer offers it to them
    expect(((await queueOf('v1')).items as Json[]).some((i) => i.id === c)).toBe(false);

    const second = await decideAs('v2', c!, { decision: 'confirm', note: 'ears match' });
    expect(second.status).toBe(201);
    const after = second.json.candidate as Json;
    expect(after).toMatchObject({
      status: 'confirmed',
      confirmations: 2,
      myDecision: { decision: 'confirm', note: 'ears match' },
    });
    // after deciding, the others' decisions are shown, with their notes and who they are
    expect((after.decisions as Json[]).map((d) => [d.decision, d.by.name, d.note])).toEqual([
      ['confirm', 'Olena Verifier', 'same scar above the left eyebrow'],
      ['confirm', 'Taras Verifier', 'ears match'],
    ]);
    // what the family reads: the latest message written with a confirmation
    expect(await familyMessageOf(h.t.db, c!)).toBe('We found him among the registered prisoners.');
  });

  it('refuses a second decision by the same verifier, with another of their tokens too', async () => {
    const {
      candidates: [c],
    } = await caseWith(1);
    expect((await decideAs('v1', c!, { decision: 'reject' })).status).toBe(201);
    const again = await decideAs('v1', c!, { decision: 'confirm' });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('conflict');
    const otherToken = await decideAs('v1b', c!, { decision: 'reject' });
    expect(otherToken.status).toBe(409);
    expect(otherToken.json.error.code).toBe('conflict');
    // still one rejection: pending
    const count = await h.t.db.query<{ status: string }>(`SELECT status FROM candidates WHERE id = $1`, [c]);
    expect(count.rows[0]!.status).toBe('pending');
    // the second token's queue leaves it out as the first's does
    expect(((await queueOf('v1b')).items as Json[]).some((i) => i.id === c)).toBe(false);
  });

  it('leaves a candidate pending after one rejection and rejects it after two', async () => {
    const {
      caseId,
      candidates: [c],
      familyToken,
    } = await caseWith(1);
    const one = await decideAs('v1', c!, { decision: 'reject', note: 'different nose' });
    expect(one.status).toBe(201);
    expect(one.json.candidate.status).toBe('pending');
    expect(((await queueOf('v2')).items as Json[]).some((i) => i.id === c)).toBe(true);
    const two = await decideAs('v2', c!, { decision: 'reject' });
    expect(two.json.candidate.status).toBe('rejected');
    // the family reads `open` before and after: nothing says candidates came and went
    expect((await call('GET', `/searches/${caseId}`, familyToken)).json.search.status).toBe('open');
    expect((await call('GET', `/searches/${caseId}`, tok.v3)).json.search.status).toBe('searching');
    expect(((await queueOf('v3')).items as Json[]).some((i) => i.id === c)).toBe(false);
  });

  it('makes a confirm and a reject a dispute that only an admin settles, with a reason', async () => {
    const {
      caseId,
      candidates: [c],
      familyToken,
    } = await caseWith(1);
    await decideAs('v1', c!, { decision: 'confirm' });
    const against = await decideAs('v2', c!, { decision: 'reject', note: 'the chin is different' });
    expect(against.json.candidate.status).toBe('disputed');
    // still open for the family (staff read it under review); gone from every verifier's queue
    expect((await call('GET', `/searches/${caseId}`, familyToken)).json.search.status).toBe('open');
    expect((await call('GET', `/searches/${caseId}`, tok.v3)).json.search.status).toBe('under_review');
    expect(((await queueOf('v3')).items as Json[]).some((i) => i.id === c)).toBe(false);
    const third = await decideAs('v3', c!, { decision: 'confirm' });
    expect([third.status, third.json.error.code]).toEqual([409, 'already_decided']);
    // the disputed queue is the admin's, and shows every decision
    expect((await call('GET', '/review?queue=disputed', tok.v3)).status).toBe(403);
    expect((await call('GET', '/review', tok.admin)).status).toBe(403);
    const disputed = ((await queueOf('admin', 'queue=disputed')).items as Json[]).find((i) => i.id === c);
    expect(disputed).toBeDefined();
    expect((disputed!.decisions as Json[]).map((d) => [d.decision, d.note])).toEqual([
      ['confirm', null],
      ['reject', 'the chin is different'],
    ]);
    // no reason: refused; the bootstrap token signs nothing
    expect((await decideAs('admin', c!, { decision: 'confirm' })).status).toBe(400);
    expect(
      (await call('POST', `/candidates/${c}/decisions`, ADMIN_TOKEN, { decision: 'confirm', reason: 'x' })).status,
    ).toBe(403);
    const settled = await decideAs('admin', c!, {
      decision: 'confirm',
      reason: 'the scar and the ears agree; the chin is a shadow',
      familyMessage: 'He is registered as a prisoner.',
    });
    expect(settled.status).toBe(201);
    expect(settled.json.candidate.status).toBe('confirmed');
    expect(((await queueOf('admin', 'queue=disputed')).items as Json[]).some((i) => i.id === c)).toBe(false);
    const family = await call('GET', `/searches/${caseId}`, familyToken);
    expect(family.json.search.status).toBe('answered');
    expect(await familyMessageOf(h.t.db, c!)).toBe('He is registered as a prisoner.');
    const audit = await h.t.db.query<{ details: Json }>(
      `SELECT details FROM audit_events WHERE action = 'candidate.settle_confirm' AND subject_id = $1`,
      [c],
    );
    expect(audit.rows[0]!.details.reason).toBe('the scar and the ears agree; the chin is a shadow');
    // an admin decides only disputes
    const {
      candidates: [pending],
    } = await caseWith(1);
    expect((await decideAs('admin', pending!, { decision: 'reject', reason: 'no' })).json.error.code).toBe('conflict');
  });

  it('counts unsure neither way, wants a reason, and passes the candidate on', async () => {
    const {
      candidates: [c],
    } = await caseWith(1);
    expect((await decideAs('v1', c!, { decision: 'unsure' })).status).toBe(400);
    const unsure = await decideAs('v1', c!, { decision: 'unsure', reason: 'the photo is too dark to see the ears' });
    expect(unsure.status).toBe(201);
    expect(unsure.json.candidate).toMatchObject({
      status: 'pending',
      confirmations: 0,
      myDecision: { decision: 'unsure', reason: 'the photo is too dark to see the ears' },
    });
    expect(((await queueOf('v1')).items as Json[]).some((i) => i.id === c)).toBe(false);
    expect(((await queueOf('v2')).items as Json[]).some((i) => i.id === c)).toBe(true);
    await decideAs('v2', c!, { decision: 'confirm' });
    const last = await decideAs('v3', c!, { decision: 'confirm' });
    expect(last.json.candidate).toMatchObject({ status: 'confirmed', confirmations: 2 });
    // a family message goes only with a confirmation
    const {
      candidates: [d],
    } = await caseWith(1);
    expect((await decideAs('v1', d!, { decision: 'reject', familyMessage: 'no' })).status).toBe(400);
  });

  it('lets a verifier retract within 15 minutes while not final, and not after', async () => {
    const {
      candidates: [c, d],
    } = await caseWith(2);
    const rejected = await decideAs('v1', c!, { decision: 'reject', note: 'pressed r by mistake' });
    expect(rejected.json.candidate.myDecision.retractableUntil).toBeTruthy();
    clockOffsetMs = 14 * 60_000;
    const retracted = await decideAs('v1', c!, { decision: 'retract' });
    expect(retracted.status).toBe(201);
    expect(retracted.json.candidate).toMatchObject({ status: 'pending', myDecision: null });
    // back in their queue, and they may answer again
    expect(((await queueOf('v1')).items as Json[]).some((i) => i.id === c)).toBe(true);
    expect((await decideAs('v1', c!, { decision: 'confirm' })).json.candidate).toMatchObject({
      status: 'pending',
      confirmations: 1,
    });
    // nothing of theirs to retract on another candidate
    expect((await decideAs('v1', d!, { decision: 'retract' })).json.error.code).toBe('conflict');
    // 16 minutes after the decision: too late
    clockOffsetMs = 0;
    await decideAs('v2', d!, { decision: 'reject' });
    clockOffsetMs = 16 * 60_000;
    const late = await decideAs('v2', d!, { decision: 'retract' });
    expect([late.status, late.json.error.code]).toEqual([409, 'too_late']);
    clockOffsetMs = 0;
    // final: not retractable even within the window
    await decideAs('v2', c!, { decision: 'confirm' });
    const final = await decideAs('v2', c!, { decision: 'retract' });
    expect([final.status, final.json.error.code]).toEqual([409, 'already_decided']);
    // the rows are all still there (append-only): reject, retract, confirm, confirm
    const rows = await h.t.db.query<{ decision: string }>(
      `SELECT decision FROM decisions WHERE candidate_id = $1 ORDER BY seq`,
      [c],
    );
    expect(rows.rows.map((r) => r.decision)).toEqual(['reject', 'retract', 'confirm', 'confirm']);
  });

  it('lets an admin reopen a final candidate with a reason, and the family sees it being checked again', async () => {
    const {
      caseId,
      candidates: [c],
      familyToken,
    } = await caseWith(1);
    await decideAs('v1', c!, { decision: 'confirm' });
    await decideAs('v2', c!, { decision: 'confirm' });
    const before = await call('GET', `/searches/${caseId}`, familyToken);
    expect(before.json.search.status).toBe('answered');
    expect(before.json.confirmed).toHaveLength(1);
    expect(before.json.notices).toEqual([]);

    expect((await call('POST', `/candidates/${c}/reopen`, tok.v1, { reason: 'x' })).status).toBe(403);
    expect((await call('POST', `/candidates/${c}/reopen`, tok.admin, { reason: '' })).status).toBe(400);
    const reopened = await call('POST', `/candidates/${c}/reopen`, tok.admin, {
      reason: 'the archive says this photo was mislabelled',
    });
    expect(reopened.status).toBe(201);
    expect(reopened.json.candidate).toMatchObject({ status: 'pending', confirmations: 0 });

    const after = await call('GET', `/searches/${caseId}`, familyToken);
    expect(after.json.search.status).toBe('open');
    expect(after.json.confirmed).toEqual([]);
    // the family is told the result they were given is being checked again (DESIGN §14)
    expect(after.json.notices).toEqual([{ kind: 'result_rechecked', at: expect.any(String) }]);
    expect((await call('GET', `/searches/${caseId}`, tok.v3)).json.search.status).toBe('under_review');
    const audit = await h.t.db.query<{ details: Json }>(
      `SELECT details FROM audit_events WHERE action = 'candidate.reopen' AND subject_id = $1`,
      [c],
    );
    expect(audit.rows[0]!.details).toMatchObject({
      reason: 'the archive says this photo was mislabelled',
      was: 'confirmed',
      status: 'pending',
      caseStatus: 'under_review',
    });
    // reviewed afresh: the earlier confirmations no longer count, the same verifiers may answer
    expect(((await queueOf('v1')).items as Json[]).some((i) => i.id === c)).toBe(true);
    expect((await decideAs('v1', c!, { decision: 'reject' })).json.candidate.status).toBe('pending');
    expect((await call('POST', `/candidates/${c}/reopen`, tok.admin, { reason: 'again' })).json.error.code).toBe(
      'conflict',
    );
  });

  it('works by case: a case with a confirmed match drops to the end, marked; the cursor pages without gaps', async () => {
    const a = await caseWith(3);
    const b = await caseWith(2);
    const mine = (items: Json[]) => items.filter((i) => i.searchId === a.caseId || i.searchId === b.caseId);
    let page = await queueOf('v3');
    let ours = mine(page.items as Json[]);
    // one case after the other (oldest first), each best first
    expect(ours.map((i) => i.id)).toEqual([...a.candidates, ...b.candidates]);
    const caseA = (page.cases as Json[]).find((x) => x.id === a.caseId)!;
    expect(caseA.referenceFaces).toHaveLength(1);
    expect(caseA).toMatchObject({ confirmedMatch: false, subject: {} });
    // case A's best is confirmed by two others: A's other two (the same man in other photos: at
    // `strong` to the confirmed face) go to the end, marked; a stranger's would leave the queue
    // (test/db/queue-bar.test.ts)
    await decideAs('v1', a.candidates[0]!, { decision: 'confirm' });
    await decideAs('v2', a.candidates[0]!, { decision: 'confirm' });
    page = await queueOf('v3');
    ours = mine(page.items as Json[]);
    expect(ours.map((i) => i.id)).toEqual([...b.candidates, a.candidates[1], a.candidates[2]]);
    expect(ours.map((i) => i.caseConfirmed)).toEqual([false, false, true, true]);
    expect((page.cases as Json[]).find((x) => x.id === a.caseId)!.confirmedMatch).toBe(true);
    // the whole queue one item at a time is the same as in one page
    const all = (page.items as Json[]).map((i) => i.id);
    const walked: string[] = [];
    let after: string | undefined;
    for (let n = 0; n < 100; n++) {
      const p = await queueOf('v3', `limit=1${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      walked.push(...(p.items as Json[]).map((i) => i.id as string));
      after = p.next as string | undefined;
      if (!after) break;
    }
    expect(walked).toEqual(all);
    expect((await call('GET', '/review?after=bm90LWEtY3Vyc29y', tok.v3)).json.error.code).toBe('invalid_input');
  });

  it('holds a candidate for the verifier who has it open, and frees it when they decide', async () => {
    const {
      candidates: [c],
    } = await caseWith(1);
    const held = await call('POST', `/candidates/${c}/lease`, tok.v1);
    expect(held.status).toBe(200);
    expect(new Date(held.json.leasedUntil as string).getTime()).toBeGreaterThan(Date.now() + 60_000);
    expect(((await queueOf('v2')).items as Json[]).some((i) => i.id === c)).toBe(false);
    const taken = await call('POST', `/candidates/${c}/lease`, tok.v2);
    expect([taken.status, taken.json.error.code]).toEqual([409, 'leased']);
    // the holder (by any of their tokens) renews it and still sees it
    expect((await call('POST', `/candidates/${c}/lease`, tok.v1b)).status).toBe(200);
    expect(((await queueOf('v1')).items as Json[]).some((i) => i.id === c)).toBe(true);
    await decideAs('v1', c!, { decision: 'confirm' });
    expect(((await queueOf('v2')).items as Json[]).some((i) => i.id === c)).toBe(true);
    expect((await call('POST', `/candidates/${c}/lease`, tok.v2)).status).toBe(200);
  });

  it("shows a reviewer their own day: today's decisions and what waits in each queue", async () => {
    const {
      candidates: [c, d],
    } = await caseWith(2);
    const before = await call('GET', '/review/me', tok.v3);
    expect(before.status).toBe(200);
    const pendingBefore = before.json.queues.pending as number;
    await decideAs('v3', c!, { decision: 'confirm' });
    await decideAs('v3', d!, { decision: 'unsure', reason: 'blurred' });
    const me = await call('GET', '/review/me', tok.v3);
    expect(me.json).toMatchObject({ role: 'verifier', name: 'Iryna Verifier' });
    expect(me.json.queues.pending).toBe(pendingBefore - 2);
    const latest = (me.json.decisions as Json[]).slice(0, 2);
    expect(latest.map((x) => [x.candidateId, x.decision, x.counts])).toEqual([
      [d, 'unsure', true],
      [c, 'confirm', true],
    ]);
    expect(latest.every((x) => typeof x.retractableUntil === 'string')).toBe(true);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    expect((await call('GET', `/review/me?since=${encodeURIComponent(tomorrow)}`, tok.v3)).json.decisions).toEqual([]);
    const admin = await call('GET', '/review/me', tok.admin);
    expect(admin.json.queues).toEqual({ disputed: expect.any(Number) });
    expect((await call('GET', '/review/me', ADMIN_TOKEN)).json.decisions).toEqual([]);
  });
});
