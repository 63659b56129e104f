import fs from 'node:fs';

import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleError } from '../../api/errors.ts';
import { CLI } from '../../src/access/principal.ts';
import { enqueuePhoto } from '../../src/ingest/enqueue.ts';
import { createLogger } from '../../src/log.ts';
import { ADMIN_TOKEN, LIMITS, openApiHarness, photoForm, requestJson, type ApiHarness } from '../support/api.ts';
import { lfwPeople } from '../support/fixtures.ts';

/** Values a family might give, each distinctive enough that any trace of it in the log is a leak. */
const ADDRESS = '17 Quincunx Lane, Yarrowby';
// The address and phone in `notes`: a subject takes its documented fields only (issue 28).
const SUBJECT = {
  name: 'Zebulon Quixotewright',
  notes: `${ADDRESS}, phone +44 7700 900123`,
  details: 'tattoo of a xylophone on the left forearm',
};
const FILE_NAME = 'Zebulon_Quixotewright_with_Ottoline_Vexbridge_1944.jpg';
const SOURCE = 'Vexbridge family album';
const SECRETS = [
  'Zebulon',
  'Quixotewright',
  'Quincunx',
  'Yarrowby',
  '7700 900123',
  'xylophone',
  'Ottoline',
  'Vexbridge',
];

const lines: string[] = [];
let h: ApiHarness;
let operator: string;
const people = lfwPeople(2);

function call(
  method: string,
  url: string,
  token: string | undefined,
  body?: FormData | object,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return requestJson(h.app, method, `/api/v1${url}`, {
    token,
    body: body as FormData | Record<string, unknown> | undefined,
  });
}

async function blobCount(): Promise<number> {
  let n = 0;
  for await (const _ of h.blobs.list()) n++;
  return n;
}

beforeAll(async () => {
  // At debug, the most a log ever says.
  h = await openApiHarness({ logger: createLogger('debug', { write: (s: string) => void lines.push(s) }) });
  const r = await call('POST', '/tokens', ADMIN_TOKEN, { role: 'operator', name: 'records office' });
  operator = r.json.token as string;
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('no personal data in the log', () => {
  it('a whole flow: upload, processing, a case opened with a subject, refusals', { timeout: 120_000 }, async () => {
    // Upload with a file name, source and metadata naming people, then process it as a worker would.
    const up = await call(
      'POST',
      '/photos',
      operator,
      photoForm([{ name: FILE_NAME, bytes: fs.readFileSync(people[0]!.files[0]!) }], 'file', {
        source: SOURCE,
        metadata: JSON.stringify({ caption: SUBJECT.name }),
      }),
    );
    expect(up.status).toBe(202);
    const photoId = (up.json.photos as Array<{ id: string }>)[0]!.id;
    await h.process(photoId);

    // A case with the family's whole subject.
    const opened = await call(
      'POST',
      '/searches',
      undefined,
      photoForm([{ name: FILE_NAME, bytes: fs.readFileSync(people[0]!.files[1]!) }], 'photo', {
        subject: JSON.stringify(SUBJECT),
      }),
    );
    expect(opened.status).toBe(201);
    const familyToken = opened.json.accessToken as string;
    expect((await call('GET', `/searches/${(opened.json.search as { id: string }).id}`, familyToken)).status).toBe(200);

    // Unstorable text: refused as 400 before any blob is written (the photo is one never seen).
    const before = await blobCount();
    const fresh = fs.readFileSync(people[1]!.files[0]!);
    for (const subject of [
      { ...SUBJECT, name: `${SUBJECT.name}\u0000` },
      { ...SUBJECT, details: `x\ud800y` },
      { [`${SUBJECT.name}\u0000`]: 'key' },
    ]) {
      const r = await call(
        'POST',
        '/searches',
        undefined,
        photoForm([{ name: 'x.jpg', bytes: fresh }], 'photo', { subject: JSON.stringify(subject) }),
      );
      expect(r.status).toBe(400);
      expect((r.json.error as { code: string }).code).toBe('invalid_input');
      expect(JSON.stringify(r.json)).not.toContain('Zebulon');
    }
    for (const extra of [{ source: `${SOURCE}\u0000` }, { metadata: JSON.stringify({ caption: '\u0000' }) }] as Record<
      string,
      string
    >[]) {
      const r = await call('POST', '/photos', operator, photoForm([{ name: 'y.jpg', bytes: fresh }], 'file', extra));
      expect(r.status).toBe(400);
      expect((r.json.error as { code: string }).code).toBe('invalid_input');
    }
    // A file name no file system would produce, sent by a client as it likes.
    await expect(
      enqueuePhoto({ db: h.t.db, blobs: h.blobs, queue: h.queue, limits: LIMITS }, CLI, {
        name: `${FILE_NAME}\u0000.jpg`,
        bytes: fresh,
      }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(
      enqueuePhoto({ db: h.t.db, blobs: h.blobs, queue: h.queue, limits: LIMITS }, CLI, {
        name: `\udc00${FILE_NAME}`,
        bytes: fresh,
      }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await blobCount()).toBe(before);
    const unchanged = await h.t.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM photos)::integer + (SELECT count(*) FROM searches)::integer AS n`,
    );
    expect(unchanged.rows[0]!.n).toBe(2);

    // A database error whose statement carried the subject: drivers attach the parameters.
    const err = await h.t.db.query(`SELECT $1::uuid`, [SUBJECT.name]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err as object)) + String(err)).toContain('Zebulon');
    const logger = createLogger('debug', { write: (s: string) => void lines.push(s) });
    logger.error({ err }, 'a failing statement');
    // The same inside a request: the server's error handler logs it and answers a bare 500.
    const app = new Hono();
    app.get('/boom', async () => {
      await h.t.db.query(`INSERT INTO sources (name) VALUES ($1), ($1)`, [ADDRESS]);
      return new Response('unreachable');
    });
    app.onError(handleError(logger));
    const boom = await app.request('/boom');
    expect(boom.status).toBe(500);
    expect(await boom.text()).not.toContain('Quincunx');

    const log = lines.join('');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(log).toContain('unhandled error');
    for (const secret of [...SECRETS, operator, familyToken, ADMIN_TOKEN]) expect(log, secret).not.toContain(secret);
    // What is kept still tells an operator what failed.
    const failing = lines
      .map(
        (l) => JSON.parse(l) as { msg: string; err?: { type: string; code: string; message: string; stack: string } },
      )
      .find((l) => l.msg === 'a failing statement')!;
    expect(failing.err).toMatchObject({
      code: '22P02',
      message: expect.stringMatching(/invalid input syntax for type uuid/),
    });
    expect(failing.err!.stack).toMatch(/\n\s+at /);
  });

  it('censors personal fields a caller might log by mistake', () => {
    const local: string[] = [];
    const logger = createLogger('debug', { write: (s: string) => void local.push(s) });
    logger.info(
      {
        subject: SUBJECT,
        photo: { originalName: FILE_NAME },
        metadata: { caption: SUBJECT.name },
        token: ADMIN_TOKEN,
        photoId: 'kept',
      },
      'careless',
    );
    expect(local.join('')).not.toMatch(/Zebulon|Ottoline|test-admin-token/);
    expect(JSON.parse(local[0]!)).toMatchObject({
      photoId: 'kept',
      subject: '[redacted]',
      photo: { originalName: '[redacted]' },
    });
  });
});
