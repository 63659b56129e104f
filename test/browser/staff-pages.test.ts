// The staff pages of issue 29 in a real browser at 360 × 800, in Ukrainian (the staff's language)
// and once in Russian: the admin page (people and tokens, finding a case by a Cyrillic surname
// typed in Latin and re-issuing its code, a settled dispute reopened with a reason, the audit log
// with names and filters) and the operator's photo list (open a photo, withdraw it: refused
// without a reason in the page's language, then withdrawn). Real API, database and face engine.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../src/access/principal.ts';
import { translator } from '../../src/i18n/catalogue.ts';
import type { Language } from '../../src/i18n/languages.ts';
import { enqueuePhoto } from '../../src/ingest/enqueue.ts';
import { ADMIN_TOKEN, LIMITS, openApiHarness, requestJson, type ApiHarness } from '../support/api.ts';
import { imageLoaded, launchBrowser, screenshot, serveApp, unnamed, type TestBrowser } from '../support/browser.ts';
import { lfwPeople } from '../support/fixtures.ts';

const PHONE = { width: 360, height: 800 };
const person = lfwPeople(2)[0]!;
let h: ApiHarness;
let server: { url: string; close(): Promise<void> };
let b: TestBrowser;
const tokens: Record<string, string> = {};
let caseId = '';
let candidateId = '';
let photoId = '';

const call = (method: string, url: string, token?: string, body?: unknown) =>
  requestJson(h.app, method, `/api/v1${url}`, { token, body: body as never });

async function makeToken(role: string, name: string): Promise<string> {
  const r = await call('POST', '/tokens', ADMIN_TOKEN, { role, name });
  expect(r.status).toBe(201);
  return r.json.token as string;
}

async function open(url: string, lang: Language): Promise<Page> {
  const ctx = await b.context(PHONE, { locale: lang === 'ru' ? 'ru-RU' : 'uk-UA' });
  const page = await ctx.newPage();
  await page.goto(`${server.url}${url}`);
  return page;
}

async function signIn(page: Page, label: string, button: string, token: string) {
  await page.getByLabel(label).fill(token);
  await page.getByRole('button', { name: button, exact: true }).click();
}

beforeAll(async () => {
  b = await launchBrowser();
  h = await openApiHarness({ rateLimit: { max: 1000, windowMs: 60_000 } });
  tokens.admin = await makeToken('admin', 'Андрій Адмін');
  tokens.operator = await makeToken('operator', 'Оксана Оператор');
  tokens.verifier1 = await makeToken('verifier', 'Віра Перша');
  tokens.verifier2 = await makeToken('verifier', 'Василь Другий');
  // An archive photo whose record names the man a family looks for: the case finds it by name.
  const p = await enqueuePhoto({ db: h.t.db, blobs: h.blobs, queue: h.queue, limits: LIMITS }, CLI, {
    name: 'полон-017.jpg',
    bytes: fs.readFileSync(person.files[0]!),
    source: 'архів',
    metadata: { names: ['Коваленко Іван'], birthDate: '1999' },
  });
  photoId = p.id;
  await h.process(photoId);
  const form = new FormData();
  form.append('subject', JSON.stringify({ surname: 'Коваленко', givenName: 'Іван', birthDate: '1999-06-21' }));
  const opened = await call('POST', '/searches', undefined, form);
  expect(opened.status, opened.text).toBe(201);
  caseId = opened.json.search.id;
  candidateId = (await h.t.db.query<{ id: string }>('SELECT id FROM candidates WHERE search_id = $1', [caseId]))
    .rows[0]!.id;
  // Two verifiers disagree; the admin settles it (confirmed): a final candidate to reopen.
  expect(
    (await call('POST', `/candidates/${candidateId}/decisions`, tokens.verifier1!, { decision: 'confirm' })).status,
  ).toBe(201);
  expect(
    (await call('POST', `/candidates/${candidateId}/decisions`, tokens.verifier2!, { decision: 'reject' })).status,
  ).toBe(201);
  const settled = await call('POST', `/candidates/${candidateId}/decisions`, tokens.admin!, {
    decision: 'confirm',
    reason: 'документ збігається',
  });
  expect(settled.status, settled.text).toBe(201);
  server = await serveApp(h.app.fetch);
}, 300_000);

afterAll(async () => {
  await b?.close();
  await server?.close();
  await h?.close();
});

describe('the admin page', () => {
  it('people and tokens, a case found by a Latin-typed surname with a new code, a dispute reopened, the audit with names', async () => {
    const t = translator('uk');
    const a = (k: string, v?: Record<string, unknown>) => t(`admin:${k}`, v);
    const page = await open('/admin', 'uk');
    await signIn(page, a('signinLabel'), a('signinButton'), tokens.admin!);

    // A new person and a token for them, shown once; then a second token of theirs; then one revoked.
    await page.getByLabel(a('personName')).fill('Галина Гаряча');
    await page.getByLabel(a('personRole')).selectOption('verifier');
    await page.getByRole('button', { name: a('createToken') }).click();
    await expect.poll(() => page.locator('#new-token-value').innerText()).toMatch(/^kf_/);
    const first = await page.locator('#new-token-value').innerText();
    await page.getByRole('button', { name: a('addTokenFor', { name: 'Галина Гаряча' }) }).click();
    await expect.poll(() => page.locator('#new-token-value').innerText()).not.toBe(first);
    const row = page.locator('#people-body tr', { hasText: 'Галина Гаряча' });
    await expect.poll(() => row.locator('.token-list li').count()).toBe(2);
    await expect(row.innerText()).resolves.toContain(a('neverUsed'));
    const revoke = row.getByRole('button', { name: a('revoke') }).first();
    await revoke.click();
    await row.getByRole('button', { name: a('revokeConfirm') }).click();
    await expect.poll(() => row.locator('.token-list li').count()).toBe(1);
    const tokensNow = (await call('GET', '/tokens', ADMIN_TOKEN)).json.items.filter(
      (x: { name: string }) => x.name === 'Галина Гаряча',
    );
    expect(tokensNow.filter((x: { revokedAt: unknown }) => x.revokedAt).length).toBe(1);
    await screenshot(page, 'admin-people-uk-360');

    // The case, by its Cyrillic surname typed in Latin; its new code, large.
    const c = (k: string, v?: Record<string, unknown>) => t(`cases:${k}`, v);
    await page.getByLabel(c('qLabel')).fill('Kovalenko');
    await page.getByRole('button', { name: c('search'), exact: true }).click();
    await page
      .locator('#find-status')
      .getByText(c('found', { count: 1 }))
      .waitFor();
    await page.locator('#find-results li').first().getByRole('button').click();
    await page.locator('#case-card-heading').waitFor();
    await page.getByRole('button', { name: c('reissue') }).click();
    await page.getByRole('button', { name: c('reissueYes') }).click();
    const code = (await page.locator('#new-code').innerText({ timeout: 20_000 })).trim();
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect((await call('GET', '/case', code)).status).toBe(200);
    // The page's own getComputedStyle (this file is type-checked without the DOM's types).
    type Styled = { getComputedStyle(e: unknown): { fontSize: string } };
    const fontSize = (selector: string) =>
      page
        .locator(selector)
        .evaluate((e) => parseFloat((globalThis as unknown as Styled).getComputedStyle(e).fontSize));
    const big = await fontSize('#new-code');
    // Large: half as big again as the text around it, to be read out over the phone.
    const body = await fontSize('#case-card');
    expect(big).toBeGreaterThanOrEqual(1.4 * body);
    await screenshot(page, 'admin-case-code-uk-360');

    // The settled dispute, reopened with a reason: refused without one, then back in review.
    const settled = page.locator('#settled-list li').first();
    await expect(settled.innerText()).resolves.toContain(a('settledConfirm'));
    await expect(settled.innerText()).resolves.toContain('Андрій Адмін');
    await settled.getByRole('button', { name: a('reopen') }).click();
    await settled.getByText(a('reopenNeedsReason')).waitFor();
    await settled.getByLabel(a('reopenReason')).fill('родина надіслала нове фото');
    await settled.getByRole('button', { name: a('reopen') }).click();
    await settled.getByText(a('reopened')).waitFor();
    const cand = await h.t.db.query<{ status: string }>('SELECT status FROM candidates WHERE id = $1', [candidateId]);
    expect(cand.rows[0]!.status).not.toBe('confirmed');

    // The audit: names, newest first, filtered by person and action.
    await page.getByLabel(a('filterPerson')).selectOption({ label: `Андрій Адмін (${a('role_admin')})` });
    // The filter lists each action in words (its value is the code the API filters by).
    await page.getByLabel(a('filterAction')).selectOption({ label: a('action_search_code_reissue') });
    await page.getByRole('button', { name: a('filterApply') }).click();
    await page
      .locator('#audit-status')
      .getByText(a('auditShown', { count: 1 }))
      .waitFor();
    const cells = await page.locator('#audit-body tr').first().innerText();
    expect(cells).toContain('Андрій Адмін');
    expect(cells).toContain(a('action_search_code_reissue'));
    expect(cells).toContain('search.code.reissue'); // the code, in small type beneath
    await page.getByLabel(a('filterAction')).selectOption('');
    await page.getByRole('button', { name: a('filterApply') }).click();
    await expect
      .poll(async () => (await page.locator('#audit-body tr').allInnerTexts()).join('\n'))
      .toMatch(/candidate\.reopen[\s\S]*search\.code\.reissue[\s\S]*search\.find/);
    await screenshot(page, 'admin-audit-uk-360');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: a('auditCsv') }).click(),
    ]);
    expect(fs.readFileSync(await download.path(), 'utf8')).toMatch(/search\.code\.reissue/);
    expect(await unnamed(page)).toEqual([]);

    // The same page in Russian, for the note's screenshots.
    const ru = await open('/admin', 'ru');
    await signIn(ru, translator('ru')('admin:signinLabel'), translator('ru')('admin:signinButton'), tokens.admin!);
    await ru.locator('#people-body tr').first().waitFor();
    await screenshot(ru, 'admin-ru-360');
    expect(b.problems).toEqual([]);
  }, 120_000);
});

describe('the verifier console', () => {
  it('finds a case from /review and offers a new code, and its keys decide nothing while the finder is in use', async () => {
    const t = translator('uk');
    const c = (k: string, v?: Record<string, unknown>) => t(`cases:${k}`, v);
    const page = await open('/review', 'uk');
    await signIn(page, t('review:signinLabel'), t('review:signinButton'), tokens.verifier1!);
    await page.getByText(c('heading'), { exact: true }).click();
    await page.getByLabel(c('qLabel')).fill('kovalenko');
    await page.getByLabel(c('qLabel')).press('Enter');
    await page
      .locator('#find-status')
      .getByText(c('found', { count: 1 }))
      .waitFor();
    const decisionCount = async () =>
      (await h.t.db.query('SELECT 1 FROM decisions WHERE candidate_id = $1', [candidateId])).rows.length;
    const before = await decisionCount();
    const open1 = page.locator('#find-results li').first().getByRole('button');
    await open1.focus();
    await page.keyboard.press('c'); // the console's "confirm" key: not here
    await open1.click();
    await page.locator('#case-card-heading').waitFor();
    await expect(page.getByRole('button', { name: c('reissue') }).isVisible()).resolves.toBe(true);
    await expect(page.locator('.reopen-form').count()).resolves.toBe(0);
    expect(await decisionCount()).toBe(before);
    await screenshot(page, 'review-find-case-uk-360');
    expect(b.problems).toEqual([]);
  }, 60_000);
});

describe("the operator's photo list", () => {
  it('lists photos by status, opens one, and withdraws it only with a reason', async () => {
    const t = translator('uk');
    const i = (k: string, v?: Record<string, unknown>) => t(`ingest:${k}`, v);
    const page = await open('/ingest', 'uk');
    await signIn(page, i('signinLabel'), i('signinButton'), tokens.operator!);
    await page.getByLabel(i('photosStatus'), { exact: true }).selectOption('done');
    await page.getByRole('button', { name: i('photosShow') }).click();
    await page
      .locator('#photos-count')
      .getByText(i('photosCount', { count: 1 }))
      .waitFor();
    await page.getByRole('button', { name: `${i('open')}: полон-017.jpg` }).click();
    await imageLoaded(page, '#photo-view-img');
    await screenshot(page, 'ingest-photo-open-uk-360');

    await page.getByRole('button', { name: i('withdrawButton') }).click();
    await page
      .locator('#withdraw-error')
      .getByText(i('withdrawFailed', { message: t('errors:invalid_input_withdraw_reason') }))
      .waitFor();
    await screenshot(page, 'ingest-withdraw-refused-uk-360');
    await page.getByLabel(i('withdrawReason')).fill('фото іншої людини');
    await page.getByRole('button', { name: i('withdrawButton') }).click();
    await page
      .locator('#withdraw-status')
      .getByText(i('withdrawnCases', { count: 1 }))
      .waitFor();
    const photo = await h.t.db.query<{ status: string }>('SELECT status FROM photos WHERE id = $1', [photoId]);
    expect(photo.rows[0]!.status).toBe('withdrawn');
    await page.locator('#photos-count').getByText(i('photosEmpty')).waitFor();
    expect(await unnamed(page)).toEqual([]);

    const ru = await open('/ingest', 'ru');
    const r = translator('ru');
    await signIn(ru, r('ingest:signinLabel'), r('ingest:signinButton'), tokens.operator!);
    await ru.getByRole('button', { name: r('ingest:photosShow') }).click();
    await ru.locator('#photos-body tr').first().waitFor();
    await screenshot(ru, 'ingest-photos-ru-360');
    expect(b.problems).toEqual([]);
  }, 120_000);
});
