import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../src/jobs.ts';
import { ADMIN_TOKEN, openApiHarness, photoForm, requestJson, type ApiHarness } from '../support/api.ts';
import { lfwPeople } from '../support/fixtures.ts';

// Archive persons through the HTTP API with the real face engine on real photos (issue 26): a
// metadata CSV's person_ref makes one man of several photos and a case gets one candidate for
// him with all of them; suggested merges are accepted and refused; what became of him reaches
// the family only once verifiers approve it (a death: two of them); a person is withdrawn.

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let h: ApiHarness;
const tok: Record<string, string> = {};
const people = lfwPeople(2);
const [manA, manB, manC] = people;

const call = (method: string, url: string, token?: string, body?: FormData | Json) =>
  requestJson(h.app, method, `/api/v1${url}`, { token, body, headers: { 'x-test-client': 'persons' } });

/** A photo of a document: no face to find. */
const documentPhoto = (shade: number) =>
  sharp({ create: { width: 400, height: 300, channels: 3, background: { r: shade, g: 120, b: 200 } } })
    .jpeg()
    .toBuffer();

/** The family's photo of a man: one of his archive photos mirrored (not the archive's bytes). */
const mirrored = (file: string) => sharp(file).flop().jpeg({ quality: 92 }).toBuffer();

/** Uploads files as an operator (with a metadata CSV) and runs their jobs as a worker would. */
async function upload(files: Array<{ name: string; bytes: Uint8Array }>, csv?: string): Promise<string[]> {
  const form = photoForm(files, 'file');
  if (csv) form.append('metadataCsv', new File([csv], 'meta.csv', { type: 'text/csv' }));
  const r = await call('POST', '/photos', tok.operator, form);
  expect(r.status, JSON.stringify(r.json)).toBe(202);
  const ids = (r.json.photos as Json[]).map((p) => p.id as string);
  for (const id of ids) await h.process(id);
  return ids;
}

const file = (f: string) => ({ name: path.basename(f), bytes: fs.readFileSync(f) });

async function openFamilyCase(bytes: Buffer): Promise<{ id: string; code: string }> {
  const r = await call('POST', '/searches', undefined, photoForm([{ name: 'family.jpg', bytes }], 'photo'));
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return { id: r.json.search.id as string, code: r.json.caseCode as string };
}

/** Notices queued for the families' addresses (each says only that there is news). */
const pendingNotices = async () => (await h.queue.pending())[QUEUES.noticeSend] ?? 0;

const staffCandidates = async (caseId: string) =>
  (await call('GET', `/searches/${caseId}`, tok.verifier1)).json.candidates as Json[];

beforeAll(async () => {
  h = await openApiHarness({ rateLimit: { max: 1000, windowMs: 60_000 } });
  for (const [name, role] of [
    ['operator', 'operator'],
    ['verifier1', 'verifier'],
    ['verifier2', 'verifier'],
  ] as const) {
    const r = await call('POST', '/tokens', ADMIN_TOKEN, { role, name: `persons ${name}` });
    tok[name] = r.json.token as string;
  }
}, 300_000);
afterAll(async () => {
  await h?.close();
});

describe('archive persons', () => {
  let manAPerson = '';
  let caseA = { id: '', code: '' };

  it(
    'a CSV person_ref makes one person of three photos; the case gets one candidate for him, with all three',
    { timeout: 180_000 },
    async () => {
      const [a1, a2] = manA!.files;
      const doc = await documentPhoto(90);
      const csv = [
        'file,person_ref,names,birth_date',
        `${path.basename(a1!)},P-17,,`,
        `${path.basename(a2!)},P-17,,`,
        'dog-tag.jpg,P-17,Serhii Koval,1990',
      ].join('\n');
      const ids = await upload([file(a1!), file(a2!), { name: 'dog-tag.jpg', bytes: doc }], csv);
      const persons = await h.t.db.query<{ person_id: string }>(
        `SELECT DISTINCT person_id FROM photos WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      expect(persons.rows).toHaveLength(1);
      manAPerson = persons.rows[0]!.person_id;

      const person = await call('GET', `/persons/${manAPerson}`, tok.operator);
      expect(person.status).toBe(200);
      expect(person.json).toMatchObject({ ref: 'P-17', withdrawn: false });
      expect((person.json.photos as Json[]).map((p) => p.id).sort()).toEqual([...ids].sort());
      expect((person.json.photos as Json[]).find((p) => p.originalName === 'dog-tag.jpg')!.metadata).toMatchObject({
        names: ['Serhii Koval'],
      });
      expect(person.json.records).toEqual([
        {
          photoId: (person.json.photos as Json[]).find((p) => p.originalName === 'dog-tag.jpg')!.id,
          names: ['Serhii Koval'],
          birthDate: '1990',
        },
      ]);

      caseA = await openFamilyCase(await mirrored(a1!));
      const cands = await staffCandidates(caseA.id);
      const his = cands.filter((c) => c.personId === manAPerson);
      expect(his).toHaveLength(1);
      expect(ids).toContain(his[0]!.photoId);
      expect(his[0]!.band).toBe('strong');
      // no other candidate on any photo of his
      expect(cands.filter((c) => ids.includes(c.photoId))).toHaveLength(1);
      // the verifier sees all three photos side by side
      const queue = await call('GET', '/review?limit=100', tok.verifier1);
      const item = (queue.json.items as Json[]).find((i) => i.personId === manAPerson)!;
      expect((item.photos as Json[]).map((p) => p.id).sort()).toEqual([...ids].sort());
      expect(item.personStatus).toBeNull();

      // the same ref in a later batch is the same man
      const later = await upload(
        [{ name: 'list-page.jpg', bytes: await documentPhoto(60) }],
        'file,person_ref\nlist-page.jpg,P-17',
      );
      expect((await h.t.db.query(`SELECT person_id FROM photos WHERE id = $1`, [later[0]])).rows[0]).toEqual({
        person_id: manAPerson,
      });
    },
  );

  it(
    'a released event approved by one verifier reaches the family; a death needs two people',
    { timeout: 60_000 },
    async () => {
      const [cand] = (await staffCandidates(caseA.id)).filter((c) => c.personId === manAPerson);
      for (const v of [tok.verifier1, tok.verifier2]) {
        const r = await call('POST', `/candidates/${cand!.id}/decisions`, v, { decision: 'confirm' });
        expect(r.status, JSON.stringify(r.json)).toBe(201);
      }
      let view = await call('GET', '/case', caseA.code);
      expect(view.json.confirmed).toHaveLength(1);
      expect(view.json.confirmed[0]).toMatchObject({ status: null, history: [] });
      expect(view.json.notices).toEqual([]);
      // the family asks to be told of news (after its result, so only his status is news from here)
      const notify = await call('POST', '/case/notify', caseA.code, { email: 'mother@family.test' });
      expect(notify.status, JSON.stringify(notify.json)).toBe(200);
      expect(await pendingNotices()).toBe(0);

      const captured = await call('POST', `/persons/${manAPerson}/events`, tok.operator, {
        kind: 'captured',
        date: '2024-03-02',
        place: 'Vovchansk',
        source: 'exchange list 12',
      });
      expect(captured.status, JSON.stringify(captured.json)).toBe(201);
      expect(captured.json.state).toBe('awaiting');
      // an operator may not approve, a family learns nothing before a verifier does
      expect(
        (
          await call('POST', `/persons/${manAPerson}/events/${captured.json.id}/decisions`, tok.operator, {
            decision: 'approve',
          })
        ).status,
      ).toBe(403);
      expect((await call('GET', '/case', caseA.code)).json.confirmed[0].history).toEqual([]);
      const ok = await call('POST', `/persons/${manAPerson}/events/${captured.json.id}/decisions`, tok.verifier1, {
        decision: 'approve',
      });
      expect(ok.status, JSON.stringify(ok.json)).toBe(201);
      expect(ok.json.state).toBe('approved');
      expect(await pendingNotices()).toBe(1);

      const released = await call('POST', `/persons/${manAPerson}/events`, tok.operator, {
        kind: 'released',
        date: '2024-05-19',
        place: 'exchange at the border',
      });
      await call('POST', `/persons/${manAPerson}/events/${released.json.id}/decisions`, tok.verifier2, {
        decision: 'approve',
      });
      view = await call('GET', '/case', caseA.code);
      expect(view.json.confirmed[0]).toMatchObject({
        status: 'released',
        history: [
          { kind: 'released', date: '2024-05-19', place: 'exchange at the border' },
          { kind: 'captured', date: '2024-03-02', place: 'Vovchansk' },
        ],
      });
      // each change of his status since the family's result was confirmed is a notice
      expect((view.json.notices as Json[]).map((n) => n.kind)).toEqual(['status_changed', 'status_changed']);
      // the source and who approved it are archive-internal
      expect(JSON.stringify(view.json)).not.toContain('exchange list 12');

      // a death needs two distinct people
      const died = await call('POST', `/persons/${manAPerson}/events`, tok.operator, {
        kind: 'died',
        date: '2024-06-01',
      });
      const first = await call('POST', `/persons/${manAPerson}/events/${died.json.id}/decisions`, tok.verifier1, {
        decision: 'approve',
      });
      expect(first.json.state).toBe('awaiting');
      // an approval short of what families may read is no news
      expect(await pendingNotices()).toBe(2);
      expect((await call('GET', '/case', caseA.code)).json.confirmed[0].status).toBe('released');
      const again = await call('POST', `/persons/${manAPerson}/events/${died.json.id}/decisions`, tok.verifier1, {
        decision: 'approve',
      });
      expect(again.status).toBe(409);
      const second = await call('POST', `/persons/${manAPerson}/events/${died.json.id}/decisions`, tok.verifier2, {
        decision: 'approve',
      });
      expect(second.json.state).toBe('approved');
      const afterDeath = await call('GET', '/case', caseA.code);
      expect(afterDeath.json.confirmed[0].status).toBe('died');
      expect(afterDeath.json.notices).toHaveLength(3);
      expect(await pendingNotices()).toBe(3);

      // the console shows it too
      const item = (await staffCandidates(caseA.id)).find((c) => c.personId === manAPerson)!;
      expect(item.personStatus).toBe('died');
      // audited
      const audit = await h.t.db.query<{ action: string }>(
        `SELECT action FROM audit_events WHERE subject_id = $1 AND action LIKE 'person.event.%' ORDER BY id`,
        [manAPerson],
      );
      expect(audit.rows.map((r) => r.action)).toEqual([
        'person.event.create',
        'person.event.approve',
        'person.event.create',
        'person.event.approve',
        'person.event.create',
        'person.event.approve',
        'person.event.approve',
      ]);
    },
  );

  it(
    'a suggested merge accepted makes one candidate of two; one refused keeps them apart',
    { timeout: 180_000 },
    async () => {
      const [b1, b2] = manB!.files;
      const [c1, c2] = manC!.files;
      const [pb1] = await upload([file(b1!)]);
      const caseB = await openFamilyCase(await mirrored(b2!));
      const [pb2] = await upload([file(b2!)]);
      const [pc1, pc2] = await upload([file(c1!), file(c2!)]);
      const list = await call('GET', '/persons/suggestions', tok.operator);
      expect(list.status).toBe(200);
      const pairOf = (x: string, y: string) =>
        (list.json.items as Json[]).find((s) => [s.photoA, s.photoB].sort().join() === [x, y].sort().join());
      const sb = pairOf(pb1!, pb2!);
      const sc = pairOf(pc1!, pc2!);
      expect(sb, JSON.stringify(list.json.items)).toBeDefined();
      expect(sc).toBeDefined();
      expect(sb!.similarity).toBeGreaterThanOrEqual(h.manifest.calibration.strong.threshold);
      // a verifier does not group the archive
      expect((await call('GET', '/persons/suggestions', tok.verifier1)).status).toBe(403);

      // before: the case has one candidate on each photo of him
      const before = (await staffCandidates(caseB.id)).filter((c) => [pb1, pb2].includes(c.photoId));
      expect(before).toHaveLength(2);
      const accepted = await call('POST', `/persons/suggestions/${sb!.id}`, tok.operator, { decision: 'accept' });
      expect(accepted.status, JSON.stringify(accepted.json)).toBe(200);
      const after = (await staffCandidates(caseB.id)).filter((c) => [pb1, pb2].includes(c.photoId));
      expect(after).toHaveLength(1);
      expect(after[0]!.personId).toBe(accepted.json.personId);
      expect((after[0]!.photos as Json[]).map((p) => p.id).sort()).toEqual([pb1, pb2].sort());
      const merged = await h.t.db.query<{ status: string; merged_into: string }>(
        `SELECT status, merged_into FROM candidates WHERE search_id = $1 AND status = 'merged'`,
        [caseB.id],
      );
      expect(merged.rows).toEqual([{ status: 'merged', merged_into: after[0]!.id }]);
      const grouped = await call('GET', `/persons/${accepted.json.personId}`, tok.operator);
      expect((grouped.json.photos as Json[]).map((p) => p.id).sort()).toEqual([pb1, pb2].sort());
      expect((grouped.json.moves as Json[]).map((m) => m.cause)).toEqual(['merge']);
      // answered once
      expect((await call('POST', `/persons/suggestions/${sb!.id}`, tok.operator, { decision: 'refuse' })).status).toBe(
        409,
      );

      const refused = await call('POST', `/persons/suggestions/${sc!.id}`, tok.operator, { decision: 'refuse' });
      expect(refused.status).toBe(200);
      const apart = await h.t.db.query<{ n: number }>(
        `SELECT count(DISTINCT person_id)::integer AS n FROM photos WHERE id = ANY($1::uuid[])`,
        [[pc1, pc2]],
      );
      expect(apart.rows[0]!.n).toBe(2);
      const open = await call('GET', '/persons/suggestions', tok.operator);
      expect((open.json.items as Json[]).map((s) => s.id)).not.toContain(sc!.id);
      expect((open.json.items as Json[]).map((s) => s.id)).not.toContain(sb!.id);
      const decisions = await h.t.db.query<{ decision: string }>(
        `SELECT decision FROM person_merge_decisions ORDER BY created_at`,
      );
      expect(decisions.rows.map((d) => d.decision)).toEqual(['accept', 'refuse']);
    },
  );

  it('a photo taken out of a person becomes a person of its own; the move is kept', { timeout: 60_000 }, async () => {
    const person = await call('GET', `/persons/${manAPerson}`, tok.operator);
    const doc = (person.json.photos as Json[]).find((p) => p.originalName === 'list-page.jpg')!;
    const r = await call('DELETE', `/persons/${manAPerson}/photos/${doc.id}`, tok.operator);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const alone = await call('GET', `/persons/${r.json.personId}`, tok.operator);
    expect((alone.json.photos as Json[]).map((p) => p.id)).toEqual([doc.id]);
    expect((alone.json.moves as Json[]).map((m) => ({ cause: m.cause, from: m.from }))).toEqual([
      { cause: 'remove', from: manAPerson },
    ]);
    // and back again
    const back = await call('POST', `/persons/${manAPerson}/photos`, tok.operator, { photoIds: [doc.id] });
    expect(back.status, JSON.stringify(back.json)).toBe(200);
    expect((await call('GET', `/persons/${r.json.personId}`, tok.operator)).json.mergedInto).toBe(manAPerson);
  });

  it(
    'withdrawing a person withdraws every photo of his; his confirmed case goes back to review',
    { timeout: 60_000 },
    async () => {
      expect((await call('GET', '/case', caseA.code)).json.search.status).toBe('answered');
      const r = await call('POST', `/persons/${manAPerson}/withdraw`, tok.operator, {
        reason: 'two men under one ref',
      });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json.photos).toHaveLength(4);
      expect(r.json.cases).toContainEqual({ id: caseA.id, before: 'match_confirmed', after: expect.any(String) });
      const view = await call('GET', '/case', caseA.code);
      expect(view.json.confirmed).toEqual([]);
      // the family is told its result is being checked again (DESIGN §14)
      expect(view.json.search.status).toBe('open');
      expect((view.json.notices as Json[]).map((n) => n.kind)).toContain('result_rechecked');
      const statuses = await h.t.db.query<{ status: string }>(
        `SELECT DISTINCT status FROM photos WHERE person_id = $1`,
        [manAPerson],
      );
      expect(statuses.rows).toEqual([{ status: 'withdrawn' }]);
      const audit = await h.t.db.query<{ action: string }>(
        `SELECT action FROM audit_events WHERE action IN ('person.withdraw', 'case.reopen') ORDER BY id`,
      );
      expect(audit.rows.map((x) => x.action)).toEqual(['person.withdraw', 'case.reopen']);
      expect(
        (await call('POST', `/persons/${manAPerson}/events`, tok.operator, { kind: 'held', date: '2024' })).status,
      ).toBe(409);
    },
  );
});
