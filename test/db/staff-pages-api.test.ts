// Staff pages' API (issue 29, DESIGN §18): finding a case by each of the subject's fields
// (a Cyrillic surname typed in Latin, a birth date, a document number, a code's first group, the
// id), paging, the search audited without the words typed, refused to operators, families and
// anonymous callers; the audit log's names; a withdrawal without a reason said in the caller's
// language; the failures CSV in Ukrainian. Real database; cases opened by their subject alone.
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator } from '../../src/i18n/catalogue.ts';
import { testDbKind } from '../support/db.ts';
import { ADMIN_TOKEN, openApiHarness, photoForm, requestJson, type ApiHarness } from '../support/api.ts';

let h: ApiHarness;
const tokens: Record<string, string> = {};
const cases: Record<string, { id: string; code: string }> = {};

const call = (method: string, url: string, token?: string, body?: unknown, headers?: Record<string, string>) =>
  requestJson(h.app, method, `/api/v1${url}`, { token, body: body as never, ...(headers ? { headers } : {}) });

async function makeToken(role: string, name: string): Promise<string> {
  const r = await call('POST', '/tokens', ADMIN_TOKEN, { role, name });
  expect(r.status).toBe(201);
  return r.json.token as string;
}

async function openCase(subject: Record<string, string>): Promise<{ id: string; code: string }> {
  const form = new FormData();
  form.append('subject', JSON.stringify(subject));
  const r = await call('POST', '/searches', undefined, form);
  expect(r.status, r.text).toBe(201);
  return { id: r.json.search.id, code: r.json.caseCode };
}

beforeAll(async () => {
  h = await openApiHarness({ rateLimit: { max: 1000, windowMs: 60_000 } });
  tokens.operator = await makeToken('operator', 'Оксана Оператор');
  tokens.verifier = await makeToken('verifier', 'Віра Перевірка');
  tokens.admin = await makeToken('admin', 'Адмін Андрій');
  cases.koval = await openCase({ surname: 'Коваленко', givenName: 'Іван', birthDate: '1999-06-21' });
  cases.koval2 = await openCase({ surname: 'Коваленко', givenName: 'Петро', birthDate: '1985' });
  cases.kovalenkov = await openCase({ surname: 'Коваленков', birthDate: '21.06.1999' });
  cases.shev = await openCase({ surname: 'Шевчук', idNumber: 'АА 123456' });
  cases.other = await openCase({ surname: 'Мельник', idNumber: 'XY 999999' });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const ids = (r: { json: Record<string, unknown> }) => (r.json.items as Array<{ id: string }>).map((i) => i.id);

describe(`finding a case on ${testDbKind()}`, () => {
  it('by a Cyrillic surname typed in Latin: the same surname first, a close one after, others not', async () => {
    const r = await call('GET', '/searches?q=Kovalenko', tokens.verifier);
    expect(r.status, r.text).toBe(200);
    const found = ids(r);
    expect(found.slice(0, 2).sort()).toEqual([cases.koval!.id, cases.koval2!.id].sort());
    expect(found).not.toContain(cases.shev!.id);
    expect(found).not.toContain(cases.other!.id);
    expect(r.json.items[0].subject).toMatchObject({ surname: expect.stringMatching(/^Коваленко$/) });
    // The family's language, kept when the case was opened (no Accept-Language here: the default).
    expect(r.json.items[0].lang).toBe('en');
    // Typed in Cyrillic by an admin, the same cases.
    const cyr = await call('GET', `/searches?q=${encodeURIComponent('КОВАЛЕНКО')}`, tokens.admin);
    expect(ids(cyr).slice(0, 2).sort()).toEqual(found.slice(0, 2).sort());
  });

  it('by birth date (agreeing as far as both are known), document number (folded, one edit), code start, id', async () => {
    const b = await call('GET', '/searches?birthDate=1999-06-21', tokens.verifier);
    expect(ids(b).sort()).toEqual([cases.koval!.id, cases.kovalenkov!.id].sort());
    const both = await call('GET', '/searches?q=Kovalenko&birthDate=1985', tokens.verifier);
    expect(ids(both)).toEqual([cases.koval2!.id]);

    // Cyrillic look-alike letters and a space typed differently; then one digit wrong.
    const num = await call('GET', '/searches?idNumber=aa123456', tokens.verifier);
    expect(ids(num)).toEqual([cases.shev!.id]);
    const near = await call('GET', '/searches?idNumber=AA123457', tokens.verifier);
    expect(ids(near)).toEqual([cases.shev!.id]);

    const start = cases.other!.code.slice(0, 4).toLowerCase();
    const byStart = await call('GET', `/searches?code=${start}`, tokens.verifier);
    expect(ids(byStart)).toContain(cases.other!.id);
    expect(ids(byStart)).not.toContain(cases.shev!.id);
    const whole = await call('GET', `/searches?code=${encodeURIComponent(cases.koval2!.code)}`, tokens.admin);
    expect(ids(whole)).toEqual([cases.koval2!.id]);

    const byId = await call('GET', `/searches?q=${cases.shev!.id.toUpperCase()}`, tokens.verifier);
    expect(ids(byId)).toEqual([cases.shev!.id]);
  });

  it('pages with a cursor, never repeating or skipping a case', async () => {
    const all = ids(await call('GET', '/searches?q=Kovalenko&limit=100', tokens.verifier));
    expect(all.length).toBeGreaterThanOrEqual(3);
    const seen: string[] = [];
    let next: string | undefined;
    do {
      const r = await call('GET', `/searches?q=Kovalenko&limit=1${next ? `&after=${next}` : ''}`, tokens.verifier);
      expect(r.status).toBe(200);
      seen.push(...ids(r));
      next = r.json.next;
    } while (next);
    expect(seen).toEqual(all);
  });

  it('refuses what can find nothing, in the caller language, and refuses operators, families and anonymous callers', async () => {
    const uk = translator('uk');
    const nothing = await call('GET', '/searches', tokens.verifier, undefined, { 'accept-language': 'uk' });
    expect(nothing.status).toBe(400);
    expect(nothing.json.error.message).toBe(uk('errors:invalid_input_search_nothing'));
    const short = await call('GET', '/searches?code=AB', tokens.verifier, undefined, { 'accept-language': 'uk' });
    expect(short.json.error.message).toBe(uk('errors:invalid_input_search_code'));

    expect((await call('GET', '/searches?q=Kovalenko', tokens.operator)).status).toBe(403);
    expect((await call('GET', '/searches?q=Kovalenko', cases.koval!.code)).status).toBe(403);
    expect((await call('GET', '/searches?q=Kovalenko')).status).toBe(401);
  });

  it('every search is audited with the fields and the cases found, never the words typed; names in the log', async () => {
    await call('GET', '/searches?q=Kovalenko&birthDate=1985', tokens.verifier);
    const log = await call('GET', '/audit?action=search.find&limit=1', tokens.admin);
    expect(log.status).toBe(200);
    const e = log.json.events[0];
    expect(e).toMatchObject({
      actorRole: 'verifier',
      actorName: 'Віра Перевірка',
      details: { fields: ['surname', 'birthDate'], results: 1, cases: [cases.koval2!.id] },
    });
    expect(JSON.stringify(e)).not.toMatch(/kovalenko|1985/i);
    // The bootstrap admin has no person: no name.
    const boot = await call('GET', '/audit?action=token.create&limit=50', tokens.admin);
    expect(boot.json.events.every((x: { actorName: unknown }) => x.actorName === null)).toBe(true);

    // Re-issuing a code from the case found: an admin may, the old code stops working.
    const re = await call('POST', `/searches/${cases.koval2!.id}/case-code`, tokens.admin);
    expect(re.status).toBe(201);
    expect((await call('GET', '/case', cases.koval2!.code)).status).toBe(401);
    expect((await call('GET', '/case', re.json.caseCode)).status).toBe(200);
    const reissue = await call('GET', `/audit?action=search.code.reissue&subject=${cases.koval2!.id}`, tokens.admin);
    expect(reissue.json.events[0]).toMatchObject({ actorName: 'Адмін Андрій' });
  });
});

describe(`operators' photos on ${testDbKind()}`, () => {
  it("a withdrawal without a reason is refused with a clear message in the caller's language", async () => {
    // The reason is judged before the photo is looked up: any id shows the message.
    const some = '00000000-0000-4000-8000-000000000000';
    for (const lang of ['uk', 'ru', 'en'] as const) {
      const r = await call('POST', `/photos/${some}/withdraw`, tokens.operator, {}, { 'accept-language': lang });
      expect(r.status).toBe(400);
      expect(r.json.error).toMatchObject({
        code: 'invalid_input',
        message: translator(lang)('errors:invalid_input_withdraw_reason'),
      });
      const blank = await call(
        'POST',
        `/photos/${some}/withdraw`,
        tokens.operator,
        { reason: '  ' },
        { 'accept-language': lang },
      );
      expect(blank.json.error.message).toBe(translator(lang)('errors:invalid_input_withdraw_reason'));
    }
  });

  it("the failures CSV in the operator's language", async () => {
    const up = await call(
      'POST',
      '/photos',
      tokens.operator,
      photoForm([{ name: 'лист.jpg', bytes: Buffer.from('not an image') }], 'file'),
    );
    const res = await h.app.request(`/api/v1/batches/${up.json.batchId}/failures.csv`, {
      headers: { authorization: `Bearer ${tokens.operator}`, 'accept-language': 'uk-UA,uk;q=0.9' },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const uk = translator('uk');
    const rows = parse(text, { columns: true, bom: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!)).toEqual(
      ['file', 'status', 'code', 'message', 'photo_id'].map((c) => uk(`ingest:csvCol_${c}`)),
    );
    expect(rows[0]).toMatchObject({
      [uk('ingest:csvCol_file')]: 'лист.jpg',
      [uk('ingest:csvCol_status')]: uk('ingest:csvStatus_refused'),
      [uk('ingest:csvCol_code')]: 'unsupported_format',
      [uk('ingest:csvCol_message')]: uk('ingest:csvReason_unsupported_format'),
    });
    expect(uk('ingest:csvCol_status')).not.toBe('status');
  });
});
