import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator } from '../../src/i18n/catalogue.ts';
import { ADMIN_TOKEN, openApiHarness, requestJson, type ApiHarness } from '../support/api.ts';
import { launchBrowser, screenshot, serveApp, unnamed, type TestBrowser } from '../support/browser.ts';
import { lfwPeople } from '../support/fixtures.ts';

// Issue 31 (DESIGN §20) in Debian's Chromium, in Ukrainian, on a phone (360 × 800) and a desk
// (1280 × 800): the hotline desk signs in with a hotline token, types what a caller says,
// uploads the photo the caller sent another way, and shows the code large to read aloud; the
// case is audited as the hotline worker's and its code opens it. Then, on the case page in
// Russian, the family leaves an e-mail address for notices and stops them again.

const CODE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;
const uk = translator('uk');
const person = lfwPeople(1)[0]!;

let h: ApiHarness;
let server: { url: string; close(): Promise<void> };
let b: TestBrowser;
let hotline = '';
/** A case the desk opened, for the case page's notices. */
let deskCode = '';

beforeAll(async () => {
  b = await launchBrowser();
  h = await openApiHarness();
  const mk = async (role: string, name: string) => {
    const r = await requestJson(h.app, 'POST', '/api/v1/tokens', { token: ADMIN_TOKEN, body: { role, name } });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    return r.json.token as string;
  };
  hotline = await mk('hotline', 'Olena, hotline desk 2');
  server = await serveApp(h.app.fetch);
}, 300_000);

afterAll(async () => {
  await server?.close();
  await b?.close();
  await h?.close();
});

describe('the hotline desk (/hotline) in Ukrainian', () => {
  for (const [size, viewport] of [
    ['phone', { width: 360, height: 800 }],
    ['desktop', { width: 1280, height: 800 }],
  ] as const) {
    it(`opens a case for a caller and shows the code to read aloud (${size})`, async () => {
      const ctx = await b.context(viewport, { locale: 'uk-UA' });
      const page = await ctx.newPage();
      await page.goto(`${server.url}/hotline`);
      expect(await page.getAttribute('html', 'lang')).toBe('uk');
      // A token that is not one is told so, in the page's language.
      await page.fill('#token', 'kf_this-is-not-a-token-of-this-installation');
      await page.click('#signin-form button[type=submit]');
      await expect
        .poll(async () => `${await page.textContent('#signin-error')}|${b.problems.join(';')}`)
        .toBe(`${uk('hotline:tokenInvalid')}|`);
      await page.fill('#token', hotline);
      await page.click('#signin-form button[type=submit]');
      await page.waitForSelector('#desk:not([hidden])');
      await screenshot(page, `hotline-desk-uk-${size}-form`);
      await page.fill('#subject-surname', 'Коваленко');
      await page.fill('#subject-givenName', 'Андрій');
      await page.fill('#subject-birthDate', '1991');
      await page.fill('#subject-marks', 'шрам над лівою бровою');
      await page.setInputFiles('#photos', person.files[0]!);
      expect(await page.textContent('#photos-chosen')).toBe(uk('hotline:photosChosen', { count: 1 }));
      await page.click('#open');
      await page.waitForSelector('#done:not([hidden])', { timeout: 60_000 });
      const shown = (await page.textContent('#case-code'))!.trim();
      expect(shown).toMatch(CODE);
      expect(await page.textContent('#case-code-spelled')).toBe(
        shown
          .split('-')
          .map((g) => g.split('').join('\u00a0'))
          .join(' – '),
      );
      // Large: the code is the biggest text on the page, the heading included.
      const [px, heading] = (await page.evaluate(
        "['#case-code', 'h1'].map((s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize))",
      )) as [number, number];
      expect(px).toBeGreaterThan(heading);
      // The whole code fits inside its card, on one line, without scrolling sideways.
      const code = (await page.locator('#case-code').boundingBox())!;
      const card = (await page.locator('.code-card').boundingBox())!;
      expect(code.x).toBeGreaterThanOrEqual(card.x);
      expect(code.x + code.width).toBeLessThanOrEqual(card.x + card.width);
      expect(
        await page.evaluate(
          "(() => { const n = document.getElementById('case-code'); return n.scrollWidth <= n.clientWidth; })()",
        ),
      ).toBe(true);
      expect(await unnamed(page)).toEqual([]);
      await screenshot(page, `hotline-desk-uk-${size}-code`);

      // The case is the caller's (their code opens it) and the desk worker's in the audit.
      deskCode = shown;
      const view = await requestJson(h.app, 'GET', '/api/v1/case', { token: shown });
      expect(view.status).toBe(200);
      const audit = await h.t.db.query<{ actor_role: string; actor_id: string }>(
        `SELECT actor_role, actor_id FROM audit_events WHERE action = 'search.create' AND subject_id = $1`,
        [view.json.search.id],
      );
      expect(audit.rows.map((a) => a.actor_role)).toEqual(['hotline']);
      const subject = await h.t.db.query<{ subject: Record<string, string>; refs: number }>(
        `SELECT subject, (SELECT count(*)::int FROM reference_faces WHERE search_id = s.id) AS refs FROM searches s WHERE id = $1`,
        [view.json.search.id],
      );
      expect(subject.rows[0]).toEqual({
        subject: { surname: 'Коваленко', givenName: 'Андрій', birthDate: '1991', marks: 'шрам над лівою бровою' },
        refs: 1,
      });
      // The next caller starts from an empty form.
      await page.click('#another');
      expect(await page.inputValue('#subject-surname')).toBe('');
      expect(await page.textContent('#case-code')).toBe('');
      expect(fs.existsSync(person.files[0]!)).toBe(true);
      expect(b.problems).toEqual([]);
    });
  }
});

describe("the hotline desk finds a caller's case and gives a new code (Ukrainian, 360 × 800)", () => {
  it('finds by surname, shows no status or candidates, and re-issues the code as the desk worker', async () => {
    const ctx = await b.context({ width: 360, height: 800 }, { locale: 'uk-UA' });
    const page = await ctx.newPage();
    await page.goto(`${server.url}/hotline`);
    await page.fill('#token', hotline);
    await page.click('#signin-form button[type=submit]');
    await page.waitForSelector('#desk:not([hidden])');
    await page.fill('#find-q', 'Kovalenko');
    await page.click('#find-form button[type=submit]');
    await page.waitForSelector('#find-results li');
    const items = await page.locator('#find-results li').allTextContents();
    // Both cases the desk opened above, found from the Latin spelling.
    expect(items).toHaveLength(2);
    for (const item of items) {
      expect(item).toContain('Коваленко Андрій');
      for (const s of ['searching', 'under_review', 'match_confirmed', 'open', 'answered'])
        expect(item).not.toContain(uk(`cases:status_${s}`));
    }
    await page.locator('#find-results li button').first().click();
    await page.waitForSelector('#case-card:not([hidden])');
    expect(await page.locator('#case-card .case-candidates').count()).toBe(0);
    await page.click('#reissue');
    await page.click('#reissue-yes');
    await page.waitForSelector('#new-code-box:not([hidden])');
    const fresh = (await page.textContent('#new-code'))!.trim();
    expect(fresh).toMatch(CODE);
    await screenshot(page, 'hotline-desk-uk-phone-reissue');
    expect((await requestJson(h.app, 'GET', '/api/v1/case', { token: fresh })).status).toBe(200);
    // One of the two codes read out earlier no longer works: the case page below uses the new one.
    deskCode = fresh;
    const audit = await h.t.db.query<{ action: string; actor_role: string }>(
      `SELECT action, actor_role FROM audit_events WHERE action IN ('search.code.reissue', 'search.find') ORDER BY at`,
    );
    expect(audit.rows.filter((a) => a.action === 'search.code.reissue').map((a) => a.actor_role)).toEqual(['hotline']);
    expect(b.problems).toEqual([]);
  });
});

describe('notices on the case page (/case) in Russian', () => {
  it('keeps an e-mail address for news, sealed, and stops on request', async () => {
    const ru = translator('ru');
    const ctx = await b.context({ width: 360, height: 800 }, { locale: 'ru-RU' });
    const page = await ctx.newPage();
    await page.goto(`${server.url}/case`);
    await page.fill('#code', deskCode.toLowerCase());
    await page.click('#code-form button[type=submit]');
    await page.waitForSelector('#case:not([hidden])');
    await page.fill('#notify-email', 'мама at home');
    await page.click('#notify-form button[type=submit]');
    await expect.poll(() => page.textContent('#notify-error')).toBe(ru('errors:invalid_input_email'));
    await page.fill('#notify-email', 'mother@family.test');
    await page.click('#notify-form button[type=submit]');
    await expect.poll(() => page.textContent('#notify-status')).toBe(ru('notices:emailSaved'));
    const rows = await h.t.db.query<{ channel: string; sealed: string; language: string }>(
      `SELECT channel, sealed, language FROM notify_addresses`,
    );
    expect(rows.rows.map((r) => [r.channel, r.language])).toEqual([['email', 'ru']]);
    expect(rows.rows[0]!.sealed).not.toContain('mother');
    await page.locator('#notify-heading').scrollIntoViewIfNeeded();
    await screenshot(page, 'case-notify-ru-phone');
    await page.click('#notify-stop');
    await expect.poll(() => page.textContent('#notify-status')).toBe(ru('notices:stopped'));
    expect((await h.t.db.query(`SELECT 1 FROM notify_addresses`)).rows).toHaveLength(0);
    expect(b.problems).toEqual([]);
  });
});
