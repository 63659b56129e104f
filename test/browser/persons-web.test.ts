import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator } from '../../src/i18n/catalogue.ts';
import type { Language } from '../../src/i18n/languages.ts';
import { ADMIN_TOKEN, openApiHarness, photoForm, requestJson, type ApiHarness } from '../support/api.ts';
import { launchBrowser, screenshot, serveApp, type TestBrowser } from '../support/browser.ts';
import { lfwPeople } from '../support/fixtures.ts';

// Issue 26 in Debian's Chromium at 360 × 800, in Ukrainian (and the family page in Russian too):
// the operator page shows the people of a batch, answers a suggested merge and enters what became
// of a man; the verifiers' console shows every photo of him and his status; the family page shows
// his status and its history, newest first, once a verifier approved it.

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PHONE = { width: 360, height: 800 };
const [manA, manB] = lfwPeople(2);
let h: ApiHarness;
let server: { url: string; close(): Promise<void> };
let b: TestBrowser;
const tok: Record<string, string> = {};
let batchId = '';
let personId = '';
let family = { id: '', code: '' };

const call = (method: string, url: string, token?: string, body?: FormData | Json) =>
  requestJson(h.app, method, `/api/v1${url}`, { token, body, headers: { 'x-test-client': 'persons-web' } });
const file = (f: string) => ({ name: path.basename(f), bytes: fs.readFileSync(f) });

async function page(lang: Language, url: string, init?: string): Promise<Page> {
  const ctx = await b.context(PHONE, { locale: lang === 'ru' ? 'ru-RU' : 'uk-UA' });
  if (init) await ctx.addInitScript(init);
  const p = await ctx.newPage();
  await p.goto(`${server.url}${url}`);
  return p;
}

async function upload(files: Array<{ name: string; bytes: Uint8Array }>, csv?: string): Promise<Json> {
  const form = photoForm(files, 'file');
  if (csv) form.append('metadataCsv', new File([csv], 'meta.csv', { type: 'text/csv' }));
  const r = await call('POST', '/photos', tok.operator, form);
  expect(r.status, JSON.stringify(r.json)).toBe(202);
  for (const p of r.json.photos as Json[]) await h.process(p.id as string);
  return r.json;
}

beforeAll(async () => {
  b = await launchBrowser();
  h = await openApiHarness({ rateLimit: { max: 1000, windowMs: 60_000 } });
  server = await serveApp(h.app.fetch);
  for (const [name, role] of [
    ['operator', 'operator'],
    ['verifier1', 'verifier'],
    ['verifier2', 'verifier'],
  ] as const) {
    const r = await call('POST', '/tokens', ADMIN_TOKEN, { role, name: `web ${name}` });
    tok[name] = r.json.token as string;
  }
  const doc = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#9a9a9a' } })
    .jpeg()
    .toBuffer();
  const [a1, a2] = manA!.files;
  const made = await upload(
    [file(a1!), file(a2!), { name: 'dog-tag.jpg', bytes: doc }],
    [
      'file,person_ref,names,birth_date',
      `${path.basename(a1!)},P-17,Serhii Koval,1990`,
      `${path.basename(a2!)},P-17,,`,
      'dog-tag.jpg,P-17,Serhii Koval,1990',
    ].join('\n'),
  );
  batchId = made.batchId as string;
  personId = (await h.t.db.query<{ id: string }>(`SELECT id FROM archive_persons WHERE ref = 'P-17'`)).rows[0]!.id;
  // two photos of another man, ungrouped: a suggested merge
  await upload([file(manB!.files[0]!)]);
  await upload([file(manB!.files[1]!)]);
  const bytes = await sharp(a1!).flop().jpeg({ quality: 92 }).toBuffer();
  const r = await call('POST', '/searches', undefined, photoForm([{ name: 'son.jpg', bytes }], 'photo'));
  family = { id: r.json.search.id as string, code: r.json.caseCode as string };
}, 300_000);
afterAll(async () => {
  await b?.close();
  await server?.close();
  await h?.close();
});

describe('archive persons on the pages (uk, phone)', () => {
  it(
    'the operator page shows the batch’s people, answers a merge and enters an event',
    { timeout: 90_000 },
    async () => {
      const t = translator('uk');
      // the batch the page follows, as the page itself keeps it across a reload
      const keep = `if (location.protocol === 'http:') localStorage.setItem('kinfinder.ingest.batch', ${JSON.stringify(
        JSON.stringify({ id: batchId, total: 3, sent: 3, finished: true, form: {} }),
      )})`;
      const p = await page('uk', '/ingest?lang=uk', keep);
      await p.getByLabel(t('ingest:signinLabel')).fill(tok.operator!);
      await p.getByRole('button', { name: t('ingest:signinButton'), exact: true }).click();
      const row = t('ingest:personRow', { name: 'P-17', count: 3, inBatch: 3 });
      await p.getByText(row).waitFor();
      await p.locator('#merges-list li').first().waitFor();
      await expect(p.locator('#merges-list li').count()).resolves.toBe(1);
      await p.locator('#merges-list img').first().waitFor({ state: 'visible' });
      await screenshot(p, 'persons-ingest-uk-360');

      await p.getByRole('button', { name: t('ingest:mergeAccept') }).click();
      await p.getByText(t('ingest:mergeAccepted')).waitFor();
      await p.getByText(t('ingest:mergesEmpty')).waitFor();

      await p.getByText(t('ingest:eventAdd')).click();
      await p.getByLabel(t('ingest:eventKind')).selectOption('released');
      await p.getByLabel(t('ingest:eventDate'), { exact: true }).fill('2024-05-19');
      await p.getByLabel(t('ingest:eventPlace')).fill('обмін на кордоні');
      await p.getByRole('button', { name: t('ingest:eventSave') }).click();
      await p.getByText(t('ingest:eventSaved')).waitFor();
      await screenshot(p, 'persons-ingest-event-uk-360');
      const events = await call('GET', `/persons/${personId}`, tok.operator);
      expect(events.json.events).toEqual([
        expect.objectContaining({ kind: 'released', date: '2024-05-19', place: 'обмін на кордоні', state: 'awaiting' }),
      ]);
      expect(b.problems, b.problems.join('\n')).toEqual([]);
      await p.context().close();
    },
  );

  it('the console shows every photo of the man and his status', { timeout: 90_000 }, async () => {
    const t = translator('uk');
    const [event] = (await call('GET', `/persons/${personId}`, tok.operator)).json.events as Json[];
    const ok = await call('POST', `/persons/${personId}/events/${event!.id}/decisions`, tok.verifier1, {
      decision: 'approve',
    });
    expect(ok.json.state).toBe('approved');
    const p = await page('uk', '/review?lang=uk');
    await p.locator('#token').focus();
    await p.keyboard.type(tok.verifier1!);
    await p.keyboard.press('Enter');
    await p.locator('#item').waitFor({ state: 'visible' });
    // the family's case heads the queue with this man's candidate
    await expect(p.locator('#person-photos li').count()).resolves.toBe(3);
    await expect(p.locator('#person-status').textContent()).resolves.toBe(
      t('review:personStatus', { status: t('review:personStatus_released') }),
    );
    await p.locator('#person-photos img:visible').nth(1).waitFor();
    await p.locator('#person-section').scrollIntoViewIfNeeded();
    await screenshot(p, 'persons-console-uk-360');
    expect(b.problems, b.problems.join('\n')).toEqual([]);
    await p.context().close();
  });

  for (const lang of ['uk', 'ru'] as const) {
    it(`the family page shows his status and its history, newest first (${lang})`, { timeout: 90_000 }, async () => {
      const t = translator(lang);
      if (lang === 'uk') {
        const [cand] = ((await call('GET', `/searches/${family.id}`, tok.verifier1)).json.candidates as Json[]).filter(
          (c) => c.personId === personId,
        );
        for (const v of [tok.verifier1, tok.verifier2])
          expect((await call('POST', `/candidates/${cand!.id}/decisions`, v, { decision: 'confirm' })).status).toBe(
            201,
          );
        const captured = await call('POST', `/persons/${personId}/events`, tok.operator, {
          kind: 'captured',
          date: '2024-03',
          place: 'Вовчанськ',
        });
        await call('POST', `/persons/${personId}/events/${captured.json.id}/decisions`, tok.verifier2, {
          decision: 'approve',
        });
      }
      const p = await page(lang, `/case?lang=${lang}`);
      await p.getByLabel(t('case:codeLabel'), { exact: true }).fill(family.code);
      await p.getByRole('button', { name: t('case:open') }).click();
      await p.getByText(t('case:historyHeading')).waitFor();
      await expect(p.locator('.status-now').textContent()).resolves.toBe(
        t('case:statusNow', { status: t('case:event_released') }),
      );
      const items = await p.locator('.history li').allTextContents();
      expect(items).toHaveLength(2);
      expect(items[0]).toContain(t('case:event_released'));
      expect(items[0]).toContain('2024');
      expect(items[1]).toContain(t('case:event_captured'));
      expect(items[1]).toContain('Вовчанськ');
      await screenshot(p, `persons-family-history-${lang}-360`);
      expect(b.problems, b.problems.join('\n')).toEqual([]);
      await p.context().close();
    });
  }
});
