// Issue 28, finding 4: a 240 MB metadata CSV froze the server. Now a CSV over KINFINDER_MAX_CSV_MB
// is refused with 413 `file_too_large` before it is parsed or a batch opened, and the server keeps
// answering /healthz meanwhile.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDbKind } from '../support/db.ts';
import { lfwPeople } from '../support/fixtures.ts';
import { ADMIN_TOKEN, openApiHarness, photoForm, requestJson, type ApiHarness } from '../support/api.ts';

let h: ApiHarness;
let operator: string;
beforeAll(async () => {
  // A 1 MB cap stands for the 20 MB default, so the attack fits the test harness's body limit.
  h = await openApiHarness({ api: { maxCsvBytes: 1024 * 1024 } });
  operator = (
    await requestJson(h.app, 'POST', '/api/v1/tokens', {
      token: ADMIN_TOKEN,
      body: { role: 'operator', name: 'csv operator' },
    })
  ).json.token;
}, 300_000);
afterAll(async () => {
  await h?.close();
});

describe(`the metadata CSV cap on ${testDbKind()}`, () => {
  it(
    'refuses a CSV over KINFINDER_MAX_CSV_MB with 413 while /healthz keeps answering',
    { timeout: 120_000 },
    async () => {
      const rows = Array.from(
        { length: 40_000 },
        (_, i) => `box/IMG_${i}.jpg,1944-06-21,Kharkiv,"Bondar O.; Koval P.",folder ${i}`,
      );
      const text = `file,captured_at,location,names,notes\n${rows.join('\n')}\n`;
      expect(text.length).toBeGreaterThan(2 * 1024 * 1024);
      const form = photoForm([{ name: 'IMG_1.jpg', bytes: fs.readFileSync(lfwPeople(1)[0]!.files[0]!) }], 'file');
      form.append('metadataCsv', new File([text], 'meta.csv', { type: 'text/csv' }));
      const [upload, health] = await Promise.all([
        requestJson(h.app, 'POST', '/api/v1/photos', { token: operator, body: form }),
        requestJson(h.app, 'GET', '/healthz'),
      ]);
      expect(upload.status).toBe(413);
      expect(upload.json.error).toMatchObject({ code: 'file_too_large' });
      expect(upload.json.error.message).toMatch(/KINFINDER_MAX_CSV_MB/);
      expect(health.status).toBe(200);
      // Refused as a whole, before any batch was opened or photo taken.
      expect((await h.t.db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM batches`)).rows[0]!.n).toBe(0);
      expect((await h.t.db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM photos`)).rows[0]!.n).toBe(0);

      // Under the cap, the same kind of CSV (parsed on its thread) still names the photo's row.
      const small = `file,captured_at,location\n${Array.from({ length: 9_000 }, (_, i) => `box/IMG_${i}.jpg,1944-06-21,Kharkiv ${i}`).join('\n')}\n`;
      expect(small.length).toBeGreaterThan(256 * 1024);
      const ok = photoForm([{ name: 'box/IMG_7.jpg', bytes: fs.readFileSync(lfwPeople(1)[0]!.files[0]!) }], 'file');
      ok.append('metadataCsv', new File([small], 'meta.csv', { type: 'text/csv' }));
      const [accepted, health2] = await Promise.all([
        requestJson(h.app, 'POST', '/api/v1/photos', { token: operator, body: ok }),
        requestJson(h.app, 'GET', '/healthz'),
      ]);
      expect(accepted.status, accepted.text).toBe(202);
      expect(health2.status).toBe(200);
      const id = accepted.json.photos[0].id as string;
      expect(
        (await requestJson(h.app, 'GET', `/api/v1/photos/${id}`, { token: operator })).json.metadata,
      ).toMatchObject({ location: 'Kharkiv 7' });
    },
  );
});
