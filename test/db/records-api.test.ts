import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../src/access/principal.ts';
import { enqueuePhoto } from '../../src/ingest/enqueue.ts';
import { ADMIN_TOKEN, LIMITS, openApiHarness, photoForm, requestJson, type ApiHarness } from '../support/api.ts';
import { lfwPeople } from '../support/fixtures.ts';

// Person records through the HTTP API with the real face engine on real photos (issue 14): the
// archive's metadata is keyed at upload, a case opens from a description alone, a photo in which
// no face is found is still linked by its record (at once and by the standing search), face and
// record evidence rank together, and a description that cannot be right is refused with a 4xx.

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let h: ApiHarness;
let verifier: string;
const [personA] = lfwPeople(2);

const call = (method: string, url: string, token?: string, body?: FormData | Json) =>
  requestJson(h.app, method, `/api/v1${url}`, { token, body });

/** Uploads an archive photo with its metadata and runs the ingest and standing-search jobs, as a worker would. */
async function archive(name: string, bytes: Uint8Array, metadata: Record<string, unknown>): Promise<string> {
  const p = await enqueuePhoto({ db: h.t.db, blobs: h.blobs, queue: h.queue, limits: LIMITS }, CLI, {
    name,
    bytes,
    source: 'records test',
    metadata,
  });
  await h.process(p.id);
  return p.id;
}

/** A photo of a document: no face to find. */
const documentPhoto = (shade: number) =>
  sharp({ create: { width: 400, height: 300, channels: 3, background: { r: shade, g: shade, b: 200 } } })
    .jpeg()
    .toBuffer();

beforeAll(async () => {
  h = await openApiHarness({ rateLimit: { max: 1000, windowMs: 60_000 } });
  const r = await call('POST', '/tokens', ADMIN_TOKEN, { role: 'verifier', name: 'records verifier' });
  verifier = r.json.token as string;
}, 300_000);
afterAll(async () => {
  await h?.close();
});

describe('person records through the API', () => {
  it(
    'opens a case from a description alone and shows the verifier the record candidates with their evidence',
    { timeout: 120_000 },
    async () => {
      const doc = await archive('dog-tag-1.jpg', await documentPhoto(180), {
        names: ['Serhii Koval'],
        birthDate: '1990',
        idNumbers: ['AB 123456'],
      });
      const other = await archive('list-7.jpg', await documentPhoto(170), {
        names: ['Mykola Kovalenko'],
        birthDate: '1971',
      });
      // no face on either: done, kept, linkable by record
      const photo = await call('GET', `/photos/${doc}`, verifier);
      expect(photo.json).toMatchObject({ status: 'done', faces: [] });

      const opened = await call(
        'POST',
        '/searches',
        verifier,
        photoForm([], 'photo', {
          subject: JSON.stringify({ surname: 'Коваль', givenName: 'Сергій', birthDate: '1990', idNumber: 'АВ123456' }),
        }),
      );
      expect(opened.status).toBe(201);
      expect(opened.json.referenceFaces).toEqual([]);
      const [top] = opened.json.candidates as Json[];
      expect(top).toMatchObject({
        photoId: doc,
        faceId: null,
        face: null,
        similarity: null,
        band: null,
        rank: 1,
        status: 'pending',
      });
      expect(top!.evidence.map((e: Json) => `${e.field}:${e.level}`)).toEqual([
        'surname:same',
        'givenName:same',
        'birthYear:same',
        'idNumber:same',
      ]);
      expect(top!.matchWeight).toBeGreaterThan(20);
      expect(top!.matchProbability).toBeGreaterThan(0.9);
      expect((opened.json.candidates as Json[]).map((c) => c.photoId)).not.toContain(other);

      // the verifier's queue holds it, without a face
      const queue = await call('GET', '/review', verifier);
      expect(queue.status).toBe(200);
      expect((queue.json.items as Json[]).find((i) => i.photoId === doc)).toMatchObject({
        face: null,
        similarity: null,
      });

      // a family opens the same kind of case: no candidates shown, but the case has them
      const family = await call(
        'POST',
        '/searches',
        undefined,
        photoForm([], 'photo', { subject: JSON.stringify({ surname: 'Коваль', givenName: 'Сергей' }) }),
      );
      expect(family.status).toBe(201);
      expect(family.json.candidates).toBeUndefined();
      expect(family.json.search.status).toBe('open');
      const seen = await call('GET', `/searches/${family.json.search.id}`, verifier);
      expect((seen.json.candidates as Json[])[0]).toMatchObject({ photoId: doc });
      expect(seen.json.search.status).toBe('under_review');
    },
  );

  it(
    'links a later photo with no face to an open case by its record (standing search)',
    { timeout: 120_000 },
    async () => {
      const opened = await call(
        'POST',
        '/searches',
        verifier,
        photoForm([], 'photo', {
          subject: JSON.stringify({ surname: 'Гнатюк', givenName: 'Тарас', birthDate: '1985' }),
        }),
      );
      expect(opened.status).toBe(201);
      expect(opened.json.candidates).toEqual([]);
      const later = await archive('prisoner-list-3.jpg', await documentPhoto(150), {
        names: ['HNATIUK T.'],
        birthDate: '1986',
      });
      const seen = await call('GET', `/searches/${opened.json.search.id}`, verifier);
      const c = (seen.json.candidates as Json[])[0]!;
      expect(c).toMatchObject({ photoId: later, faceId: null });
      expect(c.evidence.map((e: Json) => `${e.field}:${e.level}`)).toEqual([
        'surname:same',
        'givenName:initial',
        'birthYear:within_1',
      ]);
    },
  );

  it(
    'ranks a face that agrees with the record above the same face without one, and shows the face evidence',
    { timeout: 180_000 },
    async () => {
      const [g] = personA!.files;
      const withRecord = await archive(path.basename(g!), fs.readFileSync(g!), {
        names: ['Marchenko Oleh'],
        birthDate: '1979',
      });
      const opened = await call(
        'POST',
        '/searches',
        verifier,
        photoForm([{ name: 'ref.jpg', bytes: fs.readFileSync(personA!.files[1]!) }], 'photo', {
          subject: JSON.stringify({ surname: 'Марченко', givenName: 'Олег', birthDate: '1979' }),
        }),
      );
      expect(opened.status).toBe(201);
      const top = (opened.json.candidates as Json[])[0]!;
      expect(top.photoId).toBe(withRecord);
      expect(top.similarity).toBeGreaterThan(0.8);
      expect(top.evidence[0]).toMatchObject({ field: 'face' });
      expect(top.evidence.slice(1).map((e: Json) => `${e.field}:${e.level}`)).toEqual([
        'surname:same',
        'givenName:same',
        'birthYear:same',
      ]);
      const faceWeight = top.evidence[0].weight as number;
      expect(top.matchWeight).toBeGreaterThan(faceWeight + 10);
    },
  );

  it(
    'searches the archive again at once when the family corrects the subject, leaving decided candidates as they are',
    { timeout: 60_000 },
    async () => {
      const shevchuk = await archive('roll-12.jpg', await documentPhoto(120), {
        names: ['Shevchuk Ivan'],
        birthDate: '1980',
      });
      const savchenko = await archive('tag-40.jpg', await documentPhoto(121), {
        names: ['SAVCHENKO D.'],
        birthDate: '1992',
        idNumbers: ['ВК 405060'],
      });
      const opened = await call(
        'POST',
        '/searches',
        undefined,
        photoForm([], 'photo', {
          subject: JSON.stringify({ surname: 'Шевчук', givenName: 'Іван', birthDate: '1980' }),
        }),
      );
      expect(opened.status).toBe(201);
      const caseId = opened.json.search.id as string;
      const code = opened.json.caseCode as string;
      const candidates = async () => (await call('GET', `/searches/${caseId}`, verifier)).json.candidates as Json[];
      const first = await candidates();
      expect(first.map((c) => c.photoId)).toEqual([shevchuk]);
      // two verifiers reject it: decided
      const second = (await call('POST', '/tokens', ADMIN_TOKEN, { role: 'verifier', name: 'records verifier two' }))
        .json.token as string;
      for (const who of [verifier, second])
        expect(
          (
            await call('POST', `/candidates/${first[0]!.id}/decisions`, who, {
              decision: 'reject',
              note: 'another man',
            })
          ).status,
        ).toBe(201);
      expect((await candidates())[0]).toMatchObject({ photoId: shevchuk, status: 'rejected' });

      // the family had the wrong man's name: corrected, the archive's record is found at once, no ingest needed
      const patched = await call('PATCH', '/case/subject', code, {
        surname: 'Савченко',
        givenName: 'Дмитро',
        birthDate: '1992',
        idNumber: 'BK405060',
      });
      expect(patched.status).toBe(200);
      const after = await candidates();
      const found = after.find((c) => c.photoId === savchenko);
      expect(found).toMatchObject({ faceId: null, similarity: null, band: null, status: 'pending' });
      expect(found!.evidence.map((e: Json) => `${e.field}:${e.level}`)).toEqual([
        'surname:same',
        'givenName:initial',
        'birthYear:same',
        'idNumber:same',
      ]);
      // back to the first name: the rejected one is found again but neither doubled nor reopened
      expect(
        (
          await call('PATCH', '/case/subject', code, {
            surname: 'Шевчук',
            givenName: 'Іван',
            birthDate: '1980',
            idNumber: null,
          })
        ).status,
      ).toBe(200);
      const again = await candidates();
      expect(again.filter((c) => c.photoId === shevchuk)).toEqual([
        expect.objectContaining({ id: first[0]!.id, status: 'rejected', confirmations: 0 }),
      ]);
      expect(again.filter((c) => c.photoId === savchenko)).toHaveLength(1);
      // the still-pending Savchenko tag no longer shows the evidence of the withdrawn description:
      // weighed again against Shevchuk Ivan 1980, without an ID number, it falls below the man named
      const stale = again.find((c) => c.photoId === savchenko)!;
      expect(stale).toMatchObject({ id: found!.id, status: 'pending' });
      const levels = Object.fromEntries((stale.evidence as Json[]).map((e) => [e.field, e.level]));
      expect(levels.idNumber).toBeUndefined();
      expect(levels.surname).not.toBe('same');
      expect(levels.birthYear).not.toBe('same');
      expect(stale.matchWeight).toBeLessThan(found!.matchWeight - 10);
      expect(stale.matchWeight).toBeLessThan(again.find((c) => c.photoId === shevchuk)!.matchWeight);
      const audit = await h.t.db.query<{ details: Json }>(
        `SELECT details FROM audit_events WHERE action = 'search.subject.update' AND subject_id = $1 ORDER BY id`,
        [caseId],
      );
      expect(audit.rows.map((r) => r.details.candidates)).toEqual([1, 0]);
      expect(audit.rows.map((r) => r.details.reweighed)).toEqual([0, 1]);
    },
  );

  it(
    'a rejected pair lowers the weight of the levels it agreed on for the next case, by a bounded amount',
    { timeout: 60_000 },
    async () => {
      const photo = await archive('roll-77.jpg', await documentPhoto(130), {
        names: ['Lytvyn Petro'],
        unit: 'в/ч А7777',
      });
      const subject = JSON.stringify({ surname: 'Литвин', givenName: 'Петро', unit: 'в/ч А7777' });
      const weights = async () => {
        const opened = await call('POST', '/searches', verifier, photoForm([], 'photo', { subject }));
        expect(opened.status).toBe(201);
        const c = (opened.json.candidates as Json[]).find((x) => x.photoId === photo)!;
        return {
          id: c.id as string,
          w: Object.fromEntries((c.evidence as Json[]).map((e) => [e.field, e.weight as number])),
        };
      };
      const before = await weights();
      expect(Object.keys(before.w)).toEqual(['surname', 'givenName', 'unit']);
      const second = (await call('POST', '/tokens', ADMIN_TOKEN, { role: 'verifier', name: 'records verifier three' }))
        .json.token as string;
      for (const who of [verifier, second])
        expect((await call('POST', `/candidates/${before.id}/decisions`, who, { decision: 'reject' })).status).toBe(
          201,
        );
      const after = await weights();
      for (const field of ['surname', 'givenName', 'unit']) {
        // lower, by at most log2(1 + 1/PSEUDO_REJECTIONS) bits for this one rejection
        expect(after.w[field]!, field).toBeLessThan(before.w[field]!);
        expect(before.w[field]! - after.w[field]!, field).toBeLessThanOrEqual(Math.log2(1 + 1 / 20) + 0.002);
      }
    },
  );

  it('refuses a description that cannot be right, and archive metadata likewise', { timeout: 60_000 }, async () => {
    const future = await call(
      'POST',
      '/searches',
      verifier,
      photoForm([], 'photo', { subject: JSON.stringify({ surname: 'Коваль', birthDate: '2999-01-01' }) }),
    );
    expect(future.status).toBe(422);
    // a family route: the message is the family's, in their language (errors catalogue)
    expect(future.json.error.code).toBe('invalid_subject');
    expect(future.json.error.message).toMatch(/date of birth in the future/);
    const inUkrainian = await requestJson(h.app, 'POST', '/api/v1/searches?lang=uk', {
      body: photoForm([], 'photo', { subject: JSON.stringify({ surname: 'Коваль', birthDate: '2999' }) }),
    });
    expect(inUkrainian.status).toBe(422);
    expect(inUkrainian.json.error.message).toMatch(/дата народження в майбутньому/);
    const year = await call(
      'POST',
      '/searches',
      verifier,
      photoForm([], 'photo', { subject: JSON.stringify({ surname: 'Коваль', birthDate: '19x0' }) }),
    );
    expect(year.status).toBe(422);
    expect(year.json.error.code).toBe('invalid_subject');
    const nothing = await call(
      'POST',
      '/searches',
      verifier,
      photoForm([], 'photo', { subject: JSON.stringify({ givenName: 'Сергій' }) }),
    );
    expect(nothing.status).toBe(400);
    expect(nothing.json.error.code).toBe('invalid_input');

    const operator = (await call('POST', '/tokens', ADMIN_TOKEN, { role: 'operator', name: 'records operator' })).json
      .token as string;
    const bytes = await documentPhoto(90);
    const upload = await call(
      'POST',
      '/photos',
      operator,
      photoForm([{ name: 'x.jpg', bytes }], 'file', {
        metadata: JSON.stringify({ names: ['Koval'], birthDate: '3000' }),
      }),
    );
    expect(upload.status).toBe(422);
    expect(upload.json.error).toMatchObject({
      code: 'invalid_metadata',
      message: 'metadata.birthDate is in the future',
      field: 'metadata.birthDate',
      reason: 'future',
    });
  });

  it(
    'takes a metadata CSV beside the photos, as ingest --metadata reads it, and names the row of a bad one',
    { timeout: 60_000 },
    async () => {
      const operator = (await call('POST', '/tokens', ADMIN_TOKEN, { role: 'operator', name: 'csv operator' })).json
        .token as string;
      const csv = (text: string) => new File([text], 'meta.csv', { type: 'text/csv' });
      const form = photoForm(
        [
          { name: 'box/tag-9.jpg', bytes: await documentPhoto(60) },
          { name: 'other.jpg', bytes: await documentPhoto(61) },
        ],
        'file',
        { metadata: JSON.stringify({ location: 'Kharkiv', unit: 'from the form' }) },
      );
      form.append(
        'metadataCsv',
        csv(
          'file,names,birth_date,id_number,unit,category\ntag-9.jpg,"BONDAR O.; Бондар Олег",1988,АВ 55-12;77,в/ч А1234,deceased\n',
        ),
      );
      const up = await call('POST', '/photos', operator, form);
      expect(up.status).toBe(202);
      const [tagged, plain] = (up.json.photos as Json[]).map((p) => p.id as string);
      const one = await call('GET', `/photos/${tagged}`, operator);
      // the row over the form's metadata, its category over the request's
      expect(one.json).toMatchObject({
        category: 'deceased',
        metadata: {
          location: 'Kharkiv',
          names: ['BONDAR O.', 'Бондар Олег'],
          birthDate: '1988',
          idNumbers: ['АВ 55-12', '77'],
          unit: 'в/ч А1234',
        },
      });
      const two = await call('GET', `/photos/${plain}`, operator);
      expect(two.json).toMatchObject({ category: 'unknown', metadata: { location: 'Kharkiv', unit: 'from the form' } });
      expect(two.json.metadata.names).toBeUndefined();
      // keyed for linkage as any other record: the names were read
      const keyed = await h.t.db.query<{ n: number }>(
        'SELECT count(*)::integer AS n FROM photo_records WHERE photo_id = $1',
        [tagged],
      );
      expect(keyed.rows[0]!.n).toBe(1);

      const bad = photoForm([{ name: 'tag-10.jpg', bytes: await documentPhoto(62) }], 'file');
      bad.append('metadataCsv', csv('file,birth_date\ntag-10.jpg,1990\ntag-11.jpg,2999\n'));
      const refused = await call('POST', '/photos', operator, bad);
      expect(refused.status).toBe(422);
      expect(refused.json.error).toMatchObject({
        code: 'invalid_metadata',
        row: 3,
        column: 'birth_date',
        reason: 'future',
      });
      const taken = await h.t.db.query<{ n: number }>(
        `SELECT count(*)::integer AS n FROM photos WHERE original_name = 'tag-10.jpg'`,
      );
      expect(taken.rows[0]!.n).toBe(0);
    },
  );
});
