import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, bearer, openApiHarness, photoForm, type ApiHarness } from '../support/api.ts';
import { lfwPhotos } from '../support/fixtures.ts';
import { testDbKind } from '../support/db.ts';

// An operator's upload: each photo is committed with its own audit row, in its own transaction,
// so a failure half-way through a batch never leaves a photo unaccounted for.

let h: ApiHarness;
let operator: string;

beforeAll(async () => {
  h = await openApiHarness();
  const r = await h.app.request('/api/v1/tokens', {
    method: 'POST',
    headers: { ...bearer(ADMIN_TOKEN), 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'operator', name: 'records office' }),
  });
  operator = ((await r.json()) as { token: string }).token;
}, 120_000);
afterAll(async () => {
  await h?.close();
});

async function upload(files: Array<{ name: string; bytes: Uint8Array }>) {
  const res = await h.app.request('/api/v1/photos', {
    method: 'POST',
    headers: bearer(operator),
    body: photoForm(files, 'file', { source: 'field team 3' }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe(`POST /photos on ${testDbKind()}`, () => {
  it('writes one photo.upload audit row per photo, naming it, and none for a refused file', async () => {
    const [a, b] = lfwPhotos()
      .slice(0, 2)
      .map((f) => ({ name: f.split('/').pop()!, bytes: fs.readFileSync(f) }));
    const r = await upload([a!, { name: 'notes.jpg', bytes: Buffer.from('not a photo at all') }, b!]);
    expect(r.status).toBe(202);
    const ids = (r.json.photos as Array<{ id?: string; error?: { code: string } }>).map((p) => p.id ?? p.error?.code);
    expect(ids[1]).toBe('unsupported_format');
    const audit = await h.t.db.query<{ subject_id: string; details: { duplicate: boolean } }>(
      `SELECT subject_id, details FROM audit_events WHERE action = 'photo.upload' ORDER BY id`,
    );
    expect(audit.rows.map((x) => x.subject_id)).toEqual([ids[0], ids[2]]);
    expect(audit.rows.every((x) => x.details.duplicate === false)).toBe(true);

    // the same bytes again: a duplicate, audited as such, with no second job
    const again = await upload([a!]);
    expect(again.json.photos[0]).toMatchObject({ id: ids[0], duplicateOf: ids[0] });
    const last = await h.t.db.query<{ details: { duplicate: boolean } }>(
      `SELECT details FROM audit_events WHERE action = 'photo.upload' ORDER BY id DESC LIMIT 1`,
    );
    expect(last.rows[0]!.details.duplicate).toBe(true);
  });

  it("answers a request in which no file was accepted with the first error and every file's result", async () => {
    const r = await upload([
      { name: 'a.jpg', bytes: Buffer.from('text') },
      { name: 'b.jpg', bytes: new Uint8Array(0) },
    ]);
    expect(r.status).toBe(415);
    expect(r.json.error.code).toBe('unsupported_format');
    expect(r.json.photos.map((p: { error: { code: string } }) => p.error.code)).toEqual([
      'unsupported_format',
      'empty_file',
    ]);
  });
});
