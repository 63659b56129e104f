// Issue 28, findings 6 and 9, on PGlite and PostgreSQL: the failures CSV opened by a spreadsheet
// that splits on `;` (Russian and Ukrainian Excel) or on `,`; the OpenAPI document against what
// the case routes accept; a subject with fields nobody documented; a case code typed with spaces
// in the Authorization header.
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadResources } from '../../src/i18n/catalogue.ts';
import { ADMIN_TOKEN, openApiHarness, photoForm, requestJson, type ApiHarness } from '../support/api.ts';
import { testDbKind } from '../support/db.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let h: ApiHarness;
let operator = '';

const req = (
  method: string,
  url: string,
  token?: string,
  body?: FormData | string | Json,
  headers: Record<string, string> = {},
) => requestJson(h.app, method, url, { token, body, headers: { 'x-test-client': 'contract-drift', ...headers } });

beforeAll(async () => {
  h = await openApiHarness({ rateLimit: { max: 1000, windowMs: 60 * 60 * 1000 } });
  const r = await req('POST', '/api/v1/tokens', ADMIN_TOKEN, { role: 'operator', name: 'operator' });
  expect(r.status).toBe(201);
  operator = r.json.token as string;
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/**
 * Excel's reading of one CSV text: a field opens a quoted part only when its first character is a
 * quote; after the closing quote, the rest up to the separator is kept as written.
 */
function spreadsheetCells(text: string, sep: ',' | ';'): string[] {
  const cells: string[] = [];
  let i = 0;
  while (i < text.length) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (; i < text.length; i++) {
        if (text[i] === '"' && text[i + 1] === '"') cell += text[i++];
        else if (text[i] === '"') break;
        else cell += text[i];
      }
      i++;
    }
    while (i < text.length && text[i] !== sep && text[i] !== '\r' && text[i] !== '\n') cell += text[i++];
    cells.push(cell);
    i++;
  }
  return cells;
}

const FORMULA = /^[=+\-@\t\r]/;

describe(`issue 28 finding 6: failures.csv for ',' and ';' spreadsheets, on ${testDbKind()}`, () => {
  it('no file name becomes a formula cell, whichever separator the spreadsheet splits on', async () => {
    const hostile = ['a;=2+5;.jpg', '=HYPERLINK(1)', '+1', '-1+2', '@SUM(1)', 'b,=1+1.jpg', 'c; -2+3.jpg'];
    const up = await req(
      'POST',
      '/api/v1/photos',
      operator,
      photoForm(
        hostile.map((name) => ({ name, bytes: Buffer.from('not an image') })),
        'file',
      ),
    );
    // Every file refused: 415, the batch and its failures kept all the same.
    expect(up.status, up.text).toBe(415);
    const csvAnswer = await h.app.request(`/api/v1/batches/${up.json.batchId}/failures.csv`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(csvAnswer.status).toBe(200);
    const text = await csvAnswer.text();

    // A ',' reader (and csv-parse): one row per file, the name readable: as sent, with an
    // apostrophe before each part that would be a formula.
    const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.file!.replace(/(^|[,;\s])'/g, '$1')).sort()).toEqual([...hostile].sort());
    expect(rows.map((r) => r.file)).toContain("a;'=2+5;.jpg");
    expect(rows.every((r) => r.code === 'unsupported_format')).toBe(true);

    // Excel's own reading, with either separator, and a reader that ignores quotes altogether.
    const readings = {
      'excel ,': spreadsheetCells(text, ','),
      'excel ;': spreadsheetCells(text, ';'),
      'naive ;': (parse(text, { delimiter: ';', quote: false, relax_column_count: true }) as string[][]).flat(),
      'naive ,': (parse(text, { delimiter: ',', quote: false, relax_column_count: true }) as string[][]).flat(),
    };
    for (const [reader, cells] of Object.entries(readings)) {
      expect(cells.length, reader).toBeGreaterThan(hostile.length);
      const formulas = cells.filter((cell) => FORMULA.test(cell.replace(/^[\s"]+/, '')));
      expect(formulas, reader).toEqual([]);
    }
  }, 60_000);
});

describe(`issue 28 finding 9: the case routes as documented, on ${testDbKind()}`, () => {
  it('the document marks no photo required to open a case, and a case opened by its subject alone is accepted', async () => {
    const doc = (await req('GET', '/api/v1/openapi.json')).json;
    const schemaOf = (p: string) => {
      const ref = doc.paths[p].post.requestBody.content['multipart/form-data'].schema.$ref as string;
      return doc.components.schemas[ref.split('/').pop()!];
    };
    expect(schemaOf('/api/v1/searches').required ?? []).not.toContain('photo');
    expect(schemaOf('/api/v1/searches').properties.photo.maxItems).toBe(5);
    // Adding photos to a case does need one, and takes no subject.
    expect(schemaOf('/api/v1/case/photos').required).toContain('photo');
    expect(schemaOf('/api/v1/case/photos').properties.subject).toBeUndefined();

    const form = new FormData();
    form.append('subject', JSON.stringify({ surname: 'Коваленко', idNumber: 'AB 123456' }));
    const opened = await req('POST', '/api/v1/searches', undefined, form);
    expect(opened.status, opened.text).toBe(201);
    expect(opened.json.referenceFaces).toEqual([]);
  });

  it("a subject with an unknown or nested field is refused with 400 in the family's language, and nothing is stored", async () => {
    const count = async () =>
      (await h.t.db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM searches`)).rows[0]!.n;
    const before = await count();
    const ru = (loadResources().ru!.errors as Record<string, string>).invalid_input_subject_fields!;
    expect(ru).toBeTruthy();
    const bad = [
      { surname: 'Петренко', favouriteColour: 'blue' },
      { surname: 'Петренко', extra: { nested: { deeper: 1 } } },
      { surname: 'Петренко', notes: { nested: 'x' } },
      { surname: 'Петренко', marks: ['scar'] },
    ];
    for (const subject of bad) {
      const form = new FormData();
      form.append('subject', JSON.stringify(subject));
      const r = await req('POST', '/api/v1/searches?lang=ru', undefined, form);
      expect(r.status, JSON.stringify(subject)).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'invalid_input', message: ru, field: 'subject' });
    }
    expect(await count()).toBe(before);

    // The documented fields are stored, a null one left out.
    const form = new FormData();
    form.append('subject', JSON.stringify({ surname: 'Петренко', givenName: null, unit: '72' }));
    const ok = await req('POST', '/api/v1/searches', undefined, form);
    expect(ok.status, ok.text).toBe(201);
    const stored = await h.t.db.query<{ subject: Json }>(`SELECT subject FROM searches WHERE id = $1`, [
      ok.json.search.id,
    ]);
    expect(stored.rows[0]!.subject).toEqual({ surname: 'Петренко', unit: '72' });

    // The family's own correction is held to the same fields, in the same words.
    for (const changes of [{ favouriteColour: 'blue' }, { notes: { nested: 'x' } }]) {
      const r = await req('PATCH', '/api/v1/case/subject?lang=ru', ok.json.caseCode as string, changes);
      expect(r.status, JSON.stringify(changes)).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'invalid_input', message: ru });
    }
    const after = await h.t.db.query<{ subject: Json }>(`SELECT subject FROM searches WHERE id = $1`, [
      ok.json.search.id,
    ]);
    expect(after.rows[0]!.subject).toEqual({ surname: 'Петренко', unit: '72' });
  });

  it('a case code typed with spaces in the Authorization header opens the case, as on the case page', async () => {
    const form = new FormData();
    form.append('subject', JSON.stringify({ surname: 'Бондаренко' }));
    const opened = await req('POST', '/api/v1/searches', undefined, form);
    expect(opened.status, opened.text).toBe(201);
    const code = opened.json.caseCode as string;
    const spaced = code.replace(/-/g, ' ');
    for (const typed of [spaced, ` ${spaced.toLowerCase()}  `, code.replace(/-/g, '\t'), code.replace(/-/g, ' - ')]) {
      const r = await requestJson(h.app, 'GET', '/api/v1/case', {
        headers: { authorization: `Bearer ${typed}`, 'x-test-client': 'contract-drift-code' },
      });
      expect(r.status, JSON.stringify(typed)).toBe(200);
      expect(r.json.search.id).toBe(opened.json.search.id);
    }
    // Spaces forgive the layout, not a wrong code.
    const wrong = `${spaced.slice(0, -1)}${spaced.endsWith('0') ? '1' : '0'}`;
    expect(
      (
        await requestJson(h.app, 'GET', '/api/v1/case', {
          headers: { authorization: `Bearer ${wrong}`, 'x-test-client': 'contract-drift-wrong' },
        })
      ).status,
    ).toBe(401);
  });
});
