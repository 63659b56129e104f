import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../src/access/principal.ts';
import { enqueuePhoto } from '../../src/ingest/enqueue.ts';
import { createLogger } from '../../src/log.ts';
import { ADMIN_TOKEN, LIMITS, openApiHarness, photoForm, requestJson, type ApiHarness } from '../support/api.ts';
import { lfwPeople } from '../support/fixtures.ts';

// Issue 27 through the API, on PGlite and PostgreSQL (DESIGN §14): before a verifier has spoken a
// family learns nothing about the archive (a person it holds and one it does not get the same
// answers, text-only and with a photo, anonymous and with the code, after corrections and added
// photos); corrections count against the upload limit; a result taken back says so
// (`notices`); `GET /case` shows the subject as the family gave it and a cleared field is gone;
// the words fit how a result was reached; the family's language reaches the verifiers' items;
// a server with nobody for families to call says so.

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const people = lfwPeople(2);
const held = people[10]!; // in the archive: a face, and a record with his name
const absent = people[11]!; // nowhere in the archive
const UPLOADS_PER_HOUR = 6;

let h: ApiHarness;
const logLines: string[] = [];
const tok: Record<string, string> = {};
let heldPhotoId = '';
let recordPhotoId = '';

const call = (
  method: string,
  url: string,
  token?: string,
  body?: FormData | Json,
  headers: Record<string, string> = {},
) =>
  requestJson(h.app, method, `/api/v1${url}`, {
    token,
    body,
    headers: { 'x-test-client': 'family-truth', ...headers },
  });
const photoOf = (file: string) => ({ name: path.basename(file), bytes: fs.readFileSync(file) });

/** An anonymous family opens a case from its own address (each has its own upload count). */
async function open(client: string, files: string[], subject: Json, headers: Record<string, string> = {}) {
  const r = await call(
    'POST',
    '/searches',
    undefined,
    photoForm(files.map(photoOf), 'photo', { subject: JSON.stringify(subject) }),
    { 'x-test-client': client, ...headers },
  );
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return { id: r.json.search.id as string, code: r.json.caseCode as string, answer: r.json };
}

/**
 * What a family's answer says once what legitimately differs is set aside: ids, codes and times;
 * the family's own subject values (each family typed its own) and its own faces' boxes (each sent
 * its own photo). Everything else, keys included, must be the same.
 */
function shape(v: unknown, key = ''): unknown {
  if (['id', 'caseCode', 'accessToken', 'createdAt'].includes(key)) return typeof v;
  if (key === 'subject' && v && typeof v === 'object') return Object.keys(v).sort();
  if (key === 'referenceFaces' && Array.isArray(v)) return v.map((f: Json) => Object.keys(f).sort());
  if (Array.isArray(v)) return v.map((x) => shape(x));
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v as Json)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, shape(x, k)]),
    );
  return v;
}

async function confirm(candidateId: string, familyMessage?: string) {
  for (const v of [tok.verifier1, tok.verifier2]) {
    const r = await call('POST', `/candidates/${candidateId}/decisions`, v, {
      decision: 'confirm',
      ...(familyMessage ? { familyMessage } : {}),
    });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
  }
}

async function candidateOn(caseId: string, photoId: string): Promise<string> {
  const r = await h.t.db.query<{ id: string }>(`SELECT id FROM candidates WHERE search_id = $1 AND photo_id = $2`, [
    caseId,
    photoId,
  ]);
  expect(r.rows, 'the archive photo is a candidate of the case').toHaveLength(1);
  return r.rows[0]!.id;
}

beforeAll(async () => {
  h = await openApiHarness({
    rateLimit: { max: UPLOADS_PER_HOUR, windowMs: 60 * 60 * 1000 },
    logger: createLogger('warn', { write: (s: string) => void logLines.push(s) }),
  });
  const mk = async (role: string, name: string) =>
    (await call('POST', '/tokens', ADMIN_TOKEN, { role, name })).json.token as string;
  tok.operator = await mk('operator', 'operator');
  tok.verifier1 = await mk('verifier', 'verifier one');
  tok.verifier2 = await mk('verifier', 'verifier two');
  tok.admin = await mk('admin', 'admin on duty');
  const archive = async (name: string, bytes: Buffer, metadata: Json, category: string) => {
    const p = await enqueuePhoto({ db: h.t.db, blobs: h.blobs, queue: h.queue, limits: LIMITS }, CLI, {
      name,
      bytes,
      source: 'field team 3',
      metadata,
    });
    await h.process(p.id);
    await h.t.db.query(`UPDATE photos SET category = $2 WHERE id = $1`, [p.id, category]);
    return p.id;
  };
  heldPhotoId = await archive('body-117.jpg', fs.readFileSync(held.files[0]!), {}, 'deceased');
  // a dog tag: no face, only the record of a man named Іваненко born in 1985
  const tag = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#8899cc' } })
    .jpeg()
    .toBuffer();
  recordPhotoId = await archive(
    'dog-tag-7.jpg',
    tag,
    { names: ['Іван Іваненко'], birthDate: '1985-03-02', idNumbers: ['AB 123456'] },
    'prisoner',
  );
}, 300_000);
afterAll(async () => {
  await h?.close();
});

describe('nothing about the archive before a verifier has spoken', () => {
  // Same fields, same kinds of value: only whether the archive holds the person differs.
  const cases = {
    textHeld: { files: [] as string[], subject: { surname: 'Іваненко', birthDate: '1985', idNumber: 'AB123456' } },
    textAbsent: { files: [] as string[], subject: { surname: 'Шевчук', birthDate: '1961', idNumber: 'KM778812' } },
    photoHeld: { files: [held.files[1]!], subject: { givenName: 'Сергій' } },
    photoAbsent: { files: [absent.files[1]!], subject: { givenName: 'Микола' } },
  };
  type Name = keyof typeof cases;
  const opened = {} as Record<Name, { id: string; code: string; answer: Json }>;
  /** Every family-facing answer of each case, in order. */
  const seen = {} as Record<Name, unknown[]>;

  it('gives a person the archive holds and one it does not the same answers: opened, read, corrected, added to', async () => {
    for (const name of Object.keys(cases) as Name[]) {
      const c = cases[name];
      opened[name] = await open(`oracle-${name}`, c.files, c.subject);
      const from = { 'x-test-client': `oracle-${name}` };
      const byCode = (await call('GET', '/case', opened[name].code, undefined, from)).json;
      const byId = (await call('GET', `/searches/${opened[name].id}`, opened[name].code, undefined, from)).json;
      expect(byId).toEqual(byCode);
      const corrected = await call('PATCH', '/case/subject', opened[name].code, { unit: '72' }, from);
      expect(corrected.status, JSON.stringify(corrected.json)).toBe(200);
      const afterCorrection = (await call('GET', '/case', opened[name].code, undefined, from)).json;
      seen[name] = [opened[name].answer, byCode, corrected.json, afterCorrection];
      if (c.files.length > 0) {
        const more = await call(
          'POST',
          '/case/photos',
          opened[name].code,
          photoForm([photoOf((name === 'photoHeld' ? held : absent).files[1]!)], 'photo'),
          from,
        );
        expect(more.status, JSON.stringify(more.json)).toBe(201);
        seen[name].push(more.json, (await call('GET', '/case', opened[name].code, undefined, from)).json);
      }
    }
    // the family's status is `open` everywhere, whatever the archive holds
    for (const name of Object.keys(cases) as Name[]) {
      expect(opened[name].answer.search.status).toBe('open');
      expect(opened[name].answer.candidates).toBeUndefined();
    }
    expect(seen.textHeld.map((a) => shape(a))).toEqual(seen.textAbsent.map((a) => shape(a)));
    expect(seen.photoHeld.map((a) => shape(a))).toEqual(seen.photoAbsent.map((a) => shape(a)));
    expect(seen.photoHeld).toHaveLength(6);
    // ...though the archive does hold one of each pair: staff read the difference
    const staff = async (name: Name) => (await call('GET', `/searches/${opened[name].id}`, tok.verifier1)).json;
    const [held1, absent1] = [await staff('textHeld'), await staff('textAbsent')];
    expect(held1.search.status).toBe('under_review');
    expect((held1.candidates as Json[]).map((c) => c.photoId)).toContain(recordPhotoId);
    expect(absent1.search.status).toBe('searching');
    expect(absent1.candidates).toEqual([]);
    expect(((await staff('photoHeld')).candidates as Json[]).map((c) => c.photoId)).toContain(heldPhotoId);
  });

  it('counts corrections of the subject against the same limit as opening a case', async () => {
    const from = { 'x-test-client': 'probing-by-corrections' };
    const c = await open('probing-by-corrections', [], { surname: 'Петренко' });
    const statuses: number[] = [];
    for (let i = 0; i < UPLOADS_PER_HOUR; i++)
      statuses.push((await call('PATCH', '/case/subject', c.code, { birthDate: String(1960 + i) }, from)).status);
    // the opening counted once: five corrections pass, the sixth is refused
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = await call('PATCH', '/case/subject', c.code, { birthDate: '1990' }, from);
    expect(refused.json.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // the refused correction changed nothing
    expect((await call('GET', '/case', c.code, undefined, from)).json.subject.birthDate).toBe('1964');
  });
});

describe('what the family gave, as they gave it', () => {
  it('opens no case from nothing: a photo, or at least a surname or an ID number, said in the family’s language', async () => {
    const r = await call(
      'POST',
      '/searches',
      undefined,
      photoForm([], 'photo', { subject: JSON.stringify({ birthDate: '1990', unit: '72' }) }),
      { 'x-test-client': 'nothing-given', 'accept-language': 'ru' },
    );
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'invalid_input', reason: 'nothing_given' });
    expect(r.json.error.message).toMatch(/фамилию или номер документа/);
  });

  it('returns the subject (their fields only, nothing of the archive) and clears a field sent as null', async () => {
    const subject = { surname: 'Іваненко', givenName: 'Іван', unit: '72 бригада', marks: 'шрам на лівій брові' };
    const c = await open('subject-family', [], subject);
    const from = { 'x-test-client': 'subject-family' };
    const first = await call('GET', '/case', c.code, undefined, from);
    expect(first.json.subject).toEqual(subject);
    // the archive's record of the candidate (his birth date, document, full name) is not merged in
    expect(first.text).not.toContain('1985-03-02');
    expect(first.text).not.toContain('AB 123456');
    const cleared = await call(
      'PATCH',
      '/case/subject',
      c.code,
      { unit: null, marks: '', notes: 'last call 12 May' },
      from,
    );
    expect(cleared.status).toBe(200);
    const after = await call('GET', '/case', c.code, undefined, from);
    expect(after.json.subject).toEqual({ surname: 'Іваненко', givenName: 'Іван', notes: 'last call 12 May' });
    expect(Object.keys(after.json).sort()).toEqual(['confirmed', 'notices', 'referencePhotos', 'search', 'subject']);
  });
});

describe('a result that changes says so', () => {
  it('tells a result found by record alone in words for a record, with the standard sentence and no verifier words', async () => {
    const c = await open('record-result', [], { surname: 'Іваненко', birthDate: '1985', idNumber: 'AB123456' });
    await confirm(await candidateOn(c.id, recordPhotoId));
    const r = await call('GET', '/case', c.code, undefined, {
      'x-test-client': 'record-result',
      'accept-language': 'uk',
    });
    expect(r.json.search.status).toBe('answered');
    expect(r.json.confirmed).toHaveLength(1);
    expect(r.json.confirmed[0]).toMatchObject({ category: 'prisoner', reachedBy: 'record', verifierMessage: null });
    expect(r.json.confirmed[0].defaultMessage).toBe(r.json.confirmed[0].familyMessage);
    expect(r.json.confirmed[0].defaultMessage).toMatch(/військовополонених/);
  });

  it('carries a notice while a confirmed result is reopened or withdrawn, until a new one is confirmed', async () => {
    const c = await open('notice', [held.files[1]!], {}, { 'accept-language': 'ru' });
    const from = { 'x-test-client': 'notice', 'accept-language': 'ru' };
    const view = async () => (await call('GET', '/case', c.code, undefined, from)).json;
    const candidate = await candidateOn(c.id, heldPhotoId);
    // the family's language reaches the verifiers' items, with the photo's category
    const item = ((await call('GET', `/searches/${c.id}`, tok.verifier1)).json.candidates as Json[]).find(
      (x) => x.id === candidate,
    );
    expect(item).toMatchObject({ lang: 'ru', category: 'deceased' });
    await confirm(candidate, 'Please call Olena on the hotline.');
    const shown = await view();
    expect(shown.search.status).toBe('answered');
    expect(shown.notices).toEqual([]);
    expect(shown.confirmed[0]).toMatchObject({
      reachedBy: 'photo',
      verifierMessage: 'Please call Olena on the hotline.',
      familyMessage: 'Please call Olena on the hotline.',
    });
    expect(shown.confirmed[0].defaultMessage).toMatch(/погибш/);

    const reopened = await call('POST', `/candidates/${candidate}/reopen`, tok.admin, { reason: 'mislabelled photo' });
    expect(reopened.status, JSON.stringify(reopened.json)).toBe(201);
    const rechecked = await view();
    expect(rechecked.search.status).toBe('open');
    expect(rechecked.confirmed).toEqual([]);
    expect(rechecked.notices).toEqual([{ kind: 'result_rechecked', at: expect.any(String) }]);
    expect(Date.parse(rechecked.notices[0].at)).toBeGreaterThan(Date.parse(shown.confirmed[0].confirmedAt));
    // it stays on every read until a new result is confirmed
    expect((await view()).notices).toHaveLength(1);

    await confirm(candidate);
    const again = await view();
    expect(again.search.status).toBe('answered');
    expect(again.notices).toEqual([]);

    // the archive photo withdrawn: the result goes, and the family is told it is being checked again
    const withdrawn = await call('POST', `/photos/${heldPhotoId}/withdraw`, tok.operator, { reason: 'not ours' });
    expect(withdrawn.status, JSON.stringify(withdrawn.json)).toBe(200);
    const gone = await view();
    expect(gone.search.status).toBe('open');
    expect(gone.confirmed).toEqual([]);
    expect(gone.notices).toEqual([{ kind: 'result_rechecked', at: expect.any(String) }]);
    expect(Date.parse(gone.notices[0].at)).toBeGreaterThan(Date.parse(again.confirmed[0].confirmedAt));
  });
});

describe('someone to call', () => {
  it('warns at start-up and in /healthz when no contact is configured', async () => {
    const health = await requestJson(h.app, 'GET', '/healthz');
    expect(health.json.warnings).toEqual(['no_contact']);
    expect(logLines.some((l) => l.includes('no contact for families') && l.includes('KINFINDER_CONTACT'))).toBe(true);
  });
});
