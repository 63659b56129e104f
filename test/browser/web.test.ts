import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator } from '../../src/i18n/catalogue.ts';
import type { Language } from '../../src/i18n/languages.ts';
import { silentLogger } from '../../src/log.ts';
import { createCounters } from '../../src/metrics.ts';
import { startWorkers } from '../../workers/main.ts';
import { ADMIN_TOKEN, LIMITS, openApiHarness, type ApiHarness } from '../support/api.ts';
import {
  DESKTOP,
  focused,
  imageLoaded,
  launchBrowser,
  PHONE,
  screenshot,
  serveApp,
  unnamed,
  type TestBrowser,
} from '../support/browser.ts';
import { faceCopies } from '../support/face-variants.ts';
import { lfwPeople } from '../support/fixtures.ts';
import { makeZip } from '../support/zip.ts';

// The web pages in a real browser (Debian's Chromium through playwright-core) against the real
// API, database and face engine, served over HTTP in this process: a family opens a case, two
// verifiers confirm the match, the family sees it, an operator uploads photos.

const people = lfwPeople(2);

const gallery = people.slice(0, 4);
const personA = people[0]!;
const operatorFiles = [people[4]!.files[0]!, people[5]!.files[0]!];

let h: ApiHarness;
let server: { url: string; close(): Promise<void> };
let b: TestBrowser;
const tokens: Record<string, string> = {};
let caseA: { id: string; token: string };
let bigDir = '';
/** Distinct photo files with a clear face each: a small batch and the 300-photo one (face-variants.ts). */
let smallBatchPhotos: Buffer[] = [];
let bigBatchPhotos: Buffer[] = [];
/** Where person A's 250 px LFW photo sits in its large archive copy. */
const BIG_FRAME = { width: 2600, height: 1800, left: 1700, top: 900 };

async function makeToken(role: string, name: string): Promise<string> {
  const res = await h.app.request('/api/v1/tokens', {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ role, name }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

async function open(viewport: { width: number; height: number }, url: string, lang: Language = 'en'): Promise<Page> {
  const ctx = await b.context(viewport, { locale: lang === 'en' ? 'en-GB' : lang === 'ru' ? 'ru-RU' : 'uk-UA' });
  const page = await ctx.newPage();
  await page.goto(`${server.url}${url}`);
  return page;
}

async function signIn(page: Page, token: string, lang: Language = 'en') {
  if (lang === 'en') {
    await page.getByLabel(/access token/).fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    return;
  }
  const t = translator(lang);
  await page.getByLabel(t('ingest:signinLabel')).fill(token);
  await page.getByRole('button', { name: t('ingest:signinButton'), exact: true }).click();
}

type Counts = { files: number; done: number; failed: number; duplicates: number; waiting: number };

/** The operator page's batch summary read back through the catalogue's own sentence. */
async function batchCounts(page: Page, lang: Language): Promise<Counts> {
  const marks = {
    files: 'QFILESQ',
    done: 'QDONEQ',
    failed: 'QFAILEDQ',
    duplicates: 'QDUPSQ',
    waiting: 'QWAITQ',
    faces: 'QFACESQ',
  };
  let pattern = translator(lang)('ingest:batchSummary', marks).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const m of Object.values(marks)) pattern = pattern.replace(m, '(\\d+)');
  const text = (await page.locator('#batch-summary').textContent()) ?? '';
  const m = new RegExp(`^${pattern}$`).exec(text.trim());
  if (!m) return { files: -1, done: -1, failed: -1, duplicates: -1, waiting: -1 };
  const n = m.slice(1).map(Number);
  return { files: n[0]!, done: n[1]!, failed: n[2]!, duplicates: n[3]!, waiting: n[4]! };
}

/**
 * Waits until the batch is part-way: every file received (the summary is polled while the upload
 * is still adding rows), some photos done, some still waiting.
 */
async function midBatch(page: Page, lang: Language, files: number): Promise<Counts> {
  let seen: Counts | undefined;
  await expect
    .poll(
      async () => {
        seen = await batchCounts(page, lang);
        return seen.files === files && seen.done > 0 && seen.waiting > 0;
      },
      { timeout: 300_000, interval: 250 },
    )
    .toBe(true);
  return seen!;
}

/**
 * No English word left in a ru/uk operator page: what the test typed and format names aside, and
 * the CSV hint, which must name the file's column headers and the command literally.
 */
async function expectNoEnglish(page: Page) {
  const hint = await page
    .locator('#metadata-csv-hint')
    .innerText()
    .catch(() => '');
  const text = (await page.locator('main').innerText())
    .replace(hint, '')
    .replace(/browser batch|field hospital 3|\b(JPEG|PNG|WebP|GIF|TIFF|AVIF|HEIF|CSV|zip)\b/gi, '');
  expect(text.match(/[A-Za-z]{3,}/g) ?? []).toEqual([]);
}

beforeAll(async () => {
  // The browser first: a missing Chromium fails the suite at once, with what to install.
  b = await launchBrowser();
  h = await openApiHarness({ rateLimit: { max: 1000, windowMs: 60_000 } });
  tokens.operator = await makeToken('operator', 'web operator');
  tokens.verifier1 = await makeToken('verifier', 'web verifier one');
  tokens.verifier2 = await makeToken('verifier', 'web verifier two');
  // Person A's archive photo is an LFW photo set into a 2600×1800 frame: bigger than the 2048 px
  // image the console is served, so the face box must be placed in the original's pixels.
  bigDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kf-web-'));
  const bigA = path.join(bigDir, path.basename(personA.files[0]!));
  await sharp(personA.files[0]!)
    .extend({
      left: BIG_FRAME.left,
      top: BIG_FRAME.top,
      right: BIG_FRAME.width - 250 - BIG_FRAME.left,
      bottom: BIG_FRAME.height - 250 - BIG_FRAME.top,
      background: '#7a7a7a',
    })
    .jpeg({ quality: 92 })
    .toFile(bigA);
  await h.enrol([bigA, ...gallery.slice(1).map((p) => p.files[0]!)]);
  // Photos uploaded through /ingest are processed by real workers on the harness's queue.
  await startWorkers(
    {
      db: h.t.db,
      blobs: h.blobs,
      faces: h.faces,
      queue: h.queue,
      limits: LIMITS,
      logger: silentLogger,
      counters: createCounters(),
      manifest: h.manifest,
    },
    { concurrency: 1 },
  );
  // Fixture pixels in files of their own (face-variants.ts:faceCopies): the batches' subject is the
  // page and the pipeline, and the engine's answers for these pixels are recorded once.
  const copies = faceCopies(320, { distinct: 24 });
  smallBatchPhotos = copies.slice(0, 20);
  bigBatchPhotos = copies.slice(20);
  server = await serveApp(h.app.fetch);
}, 300_000);

afterAll(async () => {
  await b?.close();
  await server?.close();
  await h?.close();
  if (bigDir) fs.rmSync(bigDir, { recursive: true, force: true });
});

describe('pages', () => {
  it('serves the four pages with a strict CSP and leaves /api/v1 alone', async () => {
    const uuid = '0b5e7f9c-1d2e-4f3a-8b4c-5d6e7f8a9b0c';
    for (const url of ['/', '/case', `/case/${uuid}`, '/review', '/ingest']) {
      const res = await h.app.request(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("img-src 'self' blob: data:");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const body = await res.text();
      // every script is an external same-origin module: nothing inline for the CSP to allow
      // (the page's messages are a JSON data block, which browsers never execute)
      const scripts = body.match(/<script\b[^>]*>/g) ?? [];
      expect(
        scripts.filter((tag) => !/type="application\/json"/.test(tag)).every((tag) => /\bsrc="\/assets\//.test(tag)),
      ).toBe(true);
      expect(scripts.filter((tag) => /type="application\/json"/.test(tag))).toEqual([
        '<script type="application/json" id="kf-messages">',
      ]);
      expect(body).toMatch(/<html lang="en">/);
    }
    const bad = await h.app.request('/case/not-a-case');
    expect(bad.status).toBe(404);
    expect(await bad.text()).toMatch(/There is no page at this address/);
    const js = await h.app.request('/assets/family.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await h.app.request('/assets/..%2Fpages%2Findex.ts')).status).toBe(404);
    const api = await h.app.request('/api/v1/nothing-here');
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await h.app.request('/api/v1/openapi.json')).headers.get('content-type')).toMatch(/json/);
  });
});

describe('in a browser', () => {
  it('a family uploads a photo and gets a case code, shown once', async () => {
    const page = await open(PHONE, '/');
    await expect(page.getByRole('heading', { name: 'What happens to your photos' }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'family-360');
    await expect(unnamed(page)).resolves.toEqual([]);
    await page.locator('#photo-input').setInputFiles(personA.files[1]!);
    await expect(page.locator('#chosen li').count()).resolves.toBe(1);
    await imageLoaded(page, '#chosen img');
    await screenshot(page, 'family-photo-chosen-360');
    await page.locator('#about summary').click();
    await page.getByLabel('Surname', { exact: true }).fill('Petrenko');
    await page.getByLabel('First name', { exact: true }).fill('Ivan');
    await page.getByLabel('Scars, tattoos, other marks').fill('Scar above the left eyebrow.');
    await page.getByLabel(/Anything else/).fill('Last seen near the river crossing.');
    await page.getByRole('button', { name: 'Start the search' }).click();
    await page.locator('#done').waitFor({ state: 'visible', timeout: 60_000 });
    const token = ((await page.locator('#case-code').textContent()) ?? '').trim();
    expect(token).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(await page.locator('#open-case').getAttribute('href')).toBe(`/case#${token}`);
    const id = (
      await h.t.db.query<{ id: string }>(
        `SELECT search_id AS id FROM tokens WHERE role = 'family' ORDER BY created_at DESC LIMIT 1`,
      )
    ).rows[0]!.id;
    // focus moved to the result, so a screen reader starts reading there
    expect(await focused(page)).toBe('#done-heading');
    caseA = { id, token };
    await expect(unnamed(page)).resolves.toEqual([]);
    await screenshot(page, 'family-case-code-360');

    await page.getByRole('link', { name: 'Open my case' }).click();
    // `open`, in the same words whether or not the archive holds candidates (issue 27)
    await page.getByText('We are looking').waitFor();
    expect(new URL(page.url()).pathname).toBe('/case');
    await screenshot(page, 'case-under-review-360');

    const desktop = await open(DESKTOP, '/');
    await screenshot(desktop, 'family-1280');
  });

  it('a verifier signs in and confirms with the keyboard', async () => {
    const page = await open(DESKTOP, '/review');
    await screenshot(page, 'review-signin-1280');
    await signIn(page, tokens.verifier1!);
    await page.locator('#item').waitFor({ state: 'visible' });
    // best first: the enrolled photo of the same person heads the queue
    await expect(page.locator('#record-figures').textContent()).resolves.toContain(path.basename(personA.files[0]!));
    await expect(page.locator('#item-heading').textContent()).resolves.toContain(caseA.id.slice(0, 8));
    // what the family typed reaches the verifier, as text (not markup)
    const told = page.locator('#subject-figures');
    await expect(told.textContent()).resolves.toContain('Petrenko');
    await expect(told.textContent()).resolves.toContain('Scar above the left eyebrow.');
    await expect(told.textContent()).resolves.not.toContain('Born');
    // both crops loaded (blob: URLs fetched with the token) at the same displayed size
    for (const sel of ['#ref-crop', '#cand-crop', '#whole-img']) {
      await imageLoaded(page, sel);
      expect(await page.locator(sel).getAttribute('src')).toMatch(/^blob:/);
    }
    const [ref, cand] = await Promise.all([
      page.locator('#ref-crop').boundingBox(),
      page.locator('#cand-crop').boundingBox(),
    ]);
    expect(ref!.width).toBeCloseTo(cand!.width, 0);
    expect(ref!.height).toBeCloseTo(cand!.height, 0);
    expect(await page.locator('#whole').getAttribute('class')).toContain('blurred');
    await expect(unnamed(page)).resolves.toEqual([]);
    await screenshot(page, 'review-1280');
    await page.keyboard.press('v');
    expect(await page.locator('#whole').getAttribute('class')).not.toContain('blurred');
    // the box sits on the face although the image shown is scaled down from 2600 px
    await page.locator('#whole-box').waitFor({ state: 'visible' });
    const [img, box] = await Promise.all([
      page.locator('#whole-img').boundingBox(),
      page.locator('#whole-box').boundingBox(),
    ]);
    const centre = {
      x: (box!.x + box!.width / 2 - img!.x) / img!.width,
      y: (box!.y + box!.height / 2 - img!.y) / img!.height,
    };
    expect(centre.x).toBeCloseTo((BIG_FRAME.left + 125) / BIG_FRAME.width, 1);
    expect(centre.y).toBeCloseTo((BIG_FRAME.top + 125) / BIG_FRAME.height, 1);
    expect(box!.width / img!.width).toBeLessThan(250 / BIG_FRAME.width);
    // the family's whole photo (250 px LFW, face in the middle) with its box, never blurred
    await imageLoaded(page, '#ref-whole-img');
    await page.locator('#ref-whole-box').waitFor({ state: 'visible' });
    const [refImg, refBox] = await Promise.all([
      page.locator('#ref-whole-img').boundingBox(),
      page.locator('#ref-whole-box').boundingBox(),
    ]);
    for (const f of [
      (refBox!.x + refBox!.width / 2 - refImg!.x) / refImg!.width,
      (refBox!.y + refBox!.height / 2 - refImg!.y) / refImg!.height,
    ]) {
      expect(f).toBeGreaterThan(0.35);
      expect(f).toBeLessThan(0.65);
    }
    expect(refBox!.width).toBeLessThan(refImg!.width);
    await screenshot(page, 'review-revealed-1280');
    await page.keyboard.press('v');
    // j / k move through the queue, s skips (the item stays, marked), c confirms the one shown
    const heading = page.locator('#item-heading');
    await page.keyboard.press('j');
    await expect(heading.textContent()).resolves.toMatch(/candidate 2 of/);
    await page.keyboard.press('k');
    await expect(heading.textContent()).resolves.toMatch(/candidate 1 of/);
    await page.keyboard.press('s');
    await expect(heading.textContent()).resolves.toMatch(/candidate 2 of/);
    await expect(page.locator('#queue .queue-item').first().getAttribute('class')).resolves.toContain('skipped');
    await page.keyboard.press('k');
    await expect(page.locator('#record-figures').textContent()).resolves.toContain(path.basename(personA.files[0]!));
    await page.keyboard.press('c');
    await page.locator('#decision-status').getByText('Confirmed (1 of 2)').waitFor();
  });

  it('a second verifier, shown nothing of the first confirmation, confirms', async () => {
    const page = await open(PHONE, '/review');
    await signIn(page, tokens.verifier2!);
    await page.locator('#item').waitFor({ state: 'visible' });
    await expect(page.locator('#record-figures').textContent()).resolves.toContain(path.basename(personA.files[0]!));
    // blind review: nothing of the first verifier's decision until this one has decided
    await expect(page.locator('#match-figures').textContent()).resolves.toContain('shown after your decision');
    await expect(page.locator('#others-section').isHidden()).resolves.toBe(true);
    await imageLoaded(page, '#cand-crop');
    await screenshot(page, 'review-360');
    await page.getByLabel(/Note/).fill('same ears and hairline');
    await page.getByRole('button', { name: /^Confirm/ }).click();
    await page
      .locator('#decision-status')
      .getByText(/match is final/)
      .waitFor();
  });

  it("the family's case page shows the confirmed match, the photo only on request", async () => {
    const page = await open(PHONE, '/case');
    // no code in the link: the page asks for it
    await page.locator('#signin').waitFor({ state: 'visible' });
    await screenshot(page, 'case-signin-360');
    await page.getByLabel('Case code', { exact: true }).fill('AAAA-BBBB-CCCC');
    await page.getByRole('button', { name: 'Open my case' }).click();
    await page.getByText(/does not open a case/).waitFor();
    await page.getByLabel('Case code', { exact: true }).fill(caseA.token);
    await page.getByLabel(/Remember the code/).check();
    await page.getByRole('button', { name: 'Open my case' }).click();
    await page.getByText('The checkers have a result for you').waitFor();
    // the archive's own words (its source, file name) are not the family's to read
    await expect(page.locator('#records').textContent()).resolves.not.toContain('test archive');
    await expect(page.locator('.revealed-photo img').count()).resolves.toBe(0);
    await expect(page.getByText(/It may be distressing/).isVisible()).resolves.toBe(true);
    await screenshot(page, 'case-confirmed-360');
    await page.getByRole('button', { name: 'Show the photo' }).click();
    await imageLoaded(page, '.revealed-photo img');
    await expect(page.getByRole('button', { name: 'Hide the photo' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('.revealed-photo img').getAttribute('src')).resolves.toMatch(/^blob:/);
    await expect(unnamed(page)).resolves.toEqual([]);
    await screenshot(page, 'case-photo-shown-360');
    // kept in this tab because the family agreed: a reload opens the case without asking again
    await page.reload();
    await page.getByText('The checkers have a result for you').waitFor();
    await expect(page.locator('#signin').isHidden()).resolves.toBe(true);

    const desktop = await open(DESKTOP, `/case/${caseA.id}#${caseA.token}`);
    await desktop.getByText('The checkers have a result for you').waitFor();
    await screenshot(desktop, 'case-confirmed-1280');
  });

  it('a family picks the right face when a photo shows several people', async () => {
    const tiles = await Promise.all(people.slice(6, 9).map((p) => sharp(p.files[1]!).resize(250, 250).toBuffer()));
    const group = await sharp({ create: { width: 800, height: 300, channels: 3, background: '#808080' } })
      .composite(tiles.map((input, i) => ({ input, left: 10 + i * 265, top: 25 })))
      .jpeg()
      .toBuffer();
    const page = await open(PHONE, '/');
    await page.locator('#photo-input').setInputFiles({ name: 'group.jpg', mimeType: 'image/jpeg', buffer: group });
    await page.getByRole('button', { name: 'Start the search' }).click();
    await page.locator('#choose').waitFor({ state: 'visible', timeout: 60_000 });
    const choices = page.locator('.face-choice');
    await choices.first().waitFor();
    expect(await choices.count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('.face-box.choose').count()).toBe(await choices.count());
    await screenshot(page, 'family-choose-face-360');
    // keyboard only: focus starts on the first face; Tab to the second, Enter chooses it
    await expect(focused(page)).resolves.toBe('.face-choice');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#done').waitFor({ state: 'visible', timeout: 60_000 });
    await expect(page.locator('#case-code').textContent()).resolves.toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);

    // and can delete that case from its page, after saying yes a second time
    await page.getByRole('link', { name: 'Open my case' }).click();
    await page.getByText('What is happening').waitFor();
    await page.getByRole('button', { name: 'Delete my case' }).click();
    await page.getByRole('button', { name: 'Yes, delete everything' }).click();
    await page.getByRole('heading', { name: 'Your case has been deleted' }).waitFor();
    expect(new URL(page.url()).hash).toBe('');
    await screenshot(page, 'case-deleted-360');
  });

  it(
    'an operator on a phone, in Ukrainian, uploads photos and a zip as one batch, reloads mid-batch and sees it finish',
    { timeout: 300_000 },
    async () => {
      const t = translator('uk');
      const page = await open(PHONE, '/ingest', 'uk');
      await signIn(page, tokens.operator!, 'uk');
      await expect(unnamed(page)).resolves.toEqual([]);
      await page.getByLabel(t('ingest:sourceLabel'), { exact: true }).fill('browser batch');
      await page.getByLabel(t('ingest:placeLabel'), { exact: true }).fill('field hospital 3');
      await page.getByLabel(t('ingest:categoryLabel'), { exact: true }).selectOption('deceased');
      // 20 photos with a clear face each (the zip) keep the batch busy long enough to be seen mid-way.
      const zipped = smallBatchPhotos.map((data, i) => ({ name: `box/${i}.jpg`, data }));
      const zip = makeZip([...zipped, { name: 'box/broken.jpg', data: Buffer.from('not a photo') }]);
      await page
        .locator('#files')
        .setInputFiles([
          ...operatorFiles.map((f) => ({ name: path.basename(f), mimeType: 'image/jpeg', buffer: fs.readFileSync(f) })),
          { name: 'archive.zip', mimeType: 'application/zip', buffer: zip },
        ]);
      const polls: string[] = [];
      page.on(
        'request',
        (r) =>
          void (
            /\/api\/v1\/(photos|batches)\//.test(r.url()) &&
            r.method() === 'GET' &&
            polls.push(new URL(r.url()).pathname)
          ),
      );
      await page.getByRole('button', { name: t('ingest:uploadN', { count: 3 }) }).click();
      await midBatch(page, 'uk', 23);
      await page.locator('.file-row.state-queued').nth(2).waitFor({ timeout: 60_000 });
      await screenshot(page, 'ingest-during-uk');
      // The page is reloaded while the batch is processed: it picks the batch up again.
      await page.reload();
      await page.locator('#batch-note').getByText(t('ingest:batchResumed')).waitFor({ timeout: 30_000 });
      // The form comes back as the batch was sent: more photos added now go on as "deceased", from the same source.
      await expect(page.getByLabel(t('ingest:sourceLabel'), { exact: true }).inputValue()).resolves.toBe(
        'browser batch',
      );
      await expect(page.getByLabel(t('ingest:categoryLabel'), { exact: true }).inputValue()).resolves.toBe('deceased');
      await expect(page.getByLabel(t('ingest:placeLabel'), { exact: true }).inputValue()).resolves.toBe(
        'field hospital 3',
      );
      await expect
        .poll(() => batchCounts(page, 'uk'), { timeout: 240_000, interval: 500 })
        .toEqual({ files: 23, done: 22, failed: 1, duplicates: 0, waiting: 0 });
      await page.locator('#batch-note').getByText(t('ingest:batchFinished')).waitFor();
      await expect(page.getByRole('button', { name: t('ingest:downloadFailures') }).isVisible()).resolves.toBe(true);
      const first = page.locator('#recent-body tr').first();
      await expect(first.textContent()).resolves.toMatch(
        new RegExp(`browser batch.*${t('ingest:category_deceased')}.*23.*22.*1.*0.*${t('ingest:stateFinished')}`),
      );
      await screenshot(page, 'ingest-after-uk');
      await expectNoEnglish(page);
      // One summary per poll, never a request per photo (and so no photo.read in the audit log).
      expect(polls.length).toBeGreaterThan(0);
      expect(polls.every((u) => /^\/api\/v1\/batches\/[0-9a-f-]{36}$/.test(u))).toBe(true);
      const rows = await h.t.db.query<{ source: string; category: string; metadata: Record<string, unknown> }>(
        `SELECT s.name AS source, p.category, p.metadata FROM photos p JOIN sources s ON s.id = p.source_id WHERE p.original_name = $1`,
        [path.basename(operatorFiles[0]!)],
      );
      expect(rows.rows[0]).toMatchObject({
        source: 'browser batch',
        category: 'deceased',
        metadata: { location: 'field hospital 3' },
      });
      const zippedRow = await h.t.db.query<{ n: number }>(
        `SELECT count(*)::integer AS n FROM photos WHERE original_name LIKE 'archive.zip!box/%' AND category = 'deceased'`,
      );
      expect(zippedRow.rows[0]!.n).toBe(20);
    },
  );

  it(
    'an operator on a phone, in Russian, uploads a 300-photo zip as one batch, reloads mid-batch and sees it finish',
    { timeout: 900_000 },
    async () => {
      const t = translator('ru');
      const page = await open(PHONE, '/ingest', 'ru');
      await signIn(page, tokens.operator!, 'ru');
      await page.getByLabel(t('ingest:sourceLabel'), { exact: true }).fill('архив области, опись 12');
      await page.getByLabel(t('ingest:categoryLabel'), { exact: true }).selectOption('prisoner');
      const zip = makeZip([
        ...bigBatchPhotos.map((data, i) => ({ name: `opis-12/${String(i).padStart(3, '0')}.jpg`, data })),
        { name: 'opis-12/damaged.jpg', data: Buffer.from('not a photo') },
      ]);
      await page.locator('#files').setInputFiles([{ name: 'opis-12.zip', mimeType: 'application/zip', buffer: zip }]);
      await page.getByRole('button', { name: t('ingest:uploadN', { count: 1 }) }).click();
      await midBatch(page, 'ru', 301);
      await screenshot(page, 'ingest-during-ru');
      await page.reload();
      await page.locator('#batch-note').getByText(t('ingest:batchResumed')).waitFor({ timeout: 30_000 });
      // Still mid-batch after the reload, and the counts go on moving from there to the end.
      // (the note is shown at once; the summary after the page's first poll)
      let resumed = await batchCounts(page, 'ru');
      await expect
        .poll(async () => (resumed = await batchCounts(page, 'ru')).files, { timeout: 30_000, interval: 200 })
        .toBe(301);
      expect(resumed.waiting).toBeGreaterThan(0);
      await expect
        .poll(async () => (await batchCounts(page, 'ru')).done, { timeout: 60_000, interval: 500 })
        .toBeGreaterThan(resumed.done);
      await expect
        .poll(() => batchCounts(page, 'ru'), { timeout: 840_000, interval: 1000 })
        .toEqual({ files: 301, done: 300, failed: 1, duplicates: 0, waiting: 0 });
      await page.locator('#batch-note').getByText(t('ingest:batchFinished')).waitFor();
      const failures = page.getByRole('button', { name: t('ingest:downloadFailures') });
      await expect(failures.isVisible()).resolves.toBe(true);
      const first = page.locator('#recent-body tr').first();
      await expect(first.textContent()).resolves.toMatch(
        new RegExp(`опись 12.*${t('ingest:category_prisoner')}.*301.*300.*1.*0.*${t('ingest:stateFinished')}`),
      );
      await screenshot(page, 'ingest-after-ru');
      await expectNoEnglish(page);
      // The failures CSV the button hands over names the damaged file and its code.
      const [download] = await Promise.all([page.waitForEvent('download'), failures.click()]);
      const csv = fs.readFileSync(await download.path());
      expect(csv.toString('utf8')).toMatch(/opis-12\.zip!opis-12\/damaged\.jpg.*unsupported_format/);
      const n = await h.t.db.query<{ n: number; faced: number }>(
        'SELECT count(*)::integer AS n, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM faces f WHERE f.photo_id = p.id))::integer AS faced ' +
          "FROM photos p WHERE p.original_name LIKE 'opis-12.zip!%' AND p.category = 'prisoner' AND p.status = 'done'",
      );
      expect(n.rows[0]).toEqual({ n: 300, faced: 300 });
    },
  );

  // The operator gives one photo's typed record on the page (DESIGN §11), in Russian and in
  // Ukrainian on a phone; a date that cannot be a date of birth is refused in that language.
  for (const [lang, file, record] of [
    [
      'ru',
      people[6]!.files[1]!,
      {
        names: 'IVANOV S.P.; Иванов Сергей Петрович',
        bad: '2999',
        problem: 'problem_birthDateFuture',
        birth: '1999',
        id: 'АВ 123456',
        unit: 'в/ч 12345',
        marks: 'шрам на левой руке',
      },
    ],
    [
      'uk',
      people[7]!.files[1]!,
      {
        names: 'Коваль Сергій',
        bad: '19x5',
        problem: 'problem_birthDateNotADate',
        birth: '1995-06',
        id: 'ВК-778',
        unit: '93 ОМБр',
        marks: 'татуювання якоря на правому плечі',
      },
    ],
  ] as const) {
    it(
      `an operator in ${lang} on a phone gives one photo's record, sent as its metadata`,
      { timeout: 60_000 },
      async () => {
        const t = translator(lang);
        const ctx = await b.context(PHONE, { locale: lang === 'ru' ? 'ru-RU' : 'uk-UA' });
        const page = await ctx.newPage();
        await page.goto(`${server.url}/ingest`);
        await page.getByLabel(t('ingest:signinLabel')).fill(tokens.operator!);
        await page.getByRole('button', { name: t('ingest:signinButton') }).click();
        await expect(page.locator('#record').isVisible()).resolves.toBe(false);
        await page.locator('#files').setInputFiles(file);
        // one photo: its record can be given
        await page.getByRole('group', { name: t('ingest:recordLegend') }).waitFor();
        await expect(unnamed(page)).resolves.toEqual([]);
        await page.getByLabel(t('records:field_names')).fill(record.names);
        await page.getByLabel(t('records:field_birthDate')).fill(record.bad);
        await page.getByLabel(t('records:field_idNumbers')).fill(record.id);
        await page.getByLabel(t('records:field_unit')).fill(record.unit);
        await page.getByLabel(t('records:field_marks')).fill(record.marks);
        // in Ukrainian a metadata CSV goes too: its row for this photo joins the typed record
        const csv = lang === 'uk' ? `file,captured_at,category\n${path.basename(file)},2024-05,deceased\n` : undefined;
        if (csv) {
          await expect(page.locator('#metadata-csv-chosen').textContent()).resolves.toBe(t('ingest:csvNone'));
          await page
            .locator('#metadata-csv')
            .setInputFiles({ name: 'опис.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
          await expect(page.locator('#metadata-csv-chosen').textContent()).resolves.toBe('опис.csv');
        }
        await page.getByRole('button', { name: t('ingest:uploadN', { count: 1 }) }).click();
        const error = page.locator('#form-error');
        await error.waitFor({ state: 'visible' });
        await expect(error.textContent()).resolves.toBe(
          t('ingest:err_metadata', { problem: t(`records:${record.problem}`) }),
        );
        // refused before the file was taken: it is still ready to go
        await expect(page.locator('.file-row.state-ready').count()).resolves.toBe(1);
        await screenshot(page, `ingest-record-${lang}`);
        await page.getByLabel(t('records:field_birthDate')).fill(record.birth);
        await page.getByRole('button', { name: t('ingest:uploadN', { count: 1 }) }).click();
        await page.locator('.file-row.state-queued').waitFor({ timeout: 30_000 });
        await expect(error.isVisible()).resolves.toBe(false);
        // the stored record, read back through the API as an operator would
        const id = (
          await h.t.db.query<{ id: string }>('SELECT id FROM photos WHERE original_name = $1', [path.basename(file)])
        ).rows[0]!.id;
        const res = await h.app.request(`/api/v1/photos/${id}`, {
          headers: { authorization: `Bearer ${tokens.operator}` },
        });
        expect(res.status).toBe(200);
        const photo = (await res.json()) as { metadata: Record<string, unknown>; category: string };
        expect(photo.metadata).toEqual({
          names: record.names.split(';').map((n) => n.trim()),
          birthDate: record.birth,
          idNumbers: [record.id],
          unit: record.unit,
          marks: record.marks,
          ...(csv ? { capturedAt: '2024-05' } : {}),
        });
        expect(photo.category).toBe(csv ? 'deceased' : 'unknown');
        // and keyed for linkage
        const keyed = await h.t.db.query<{ n: number }>(
          'SELECT count(*)::integer AS n FROM photo_records WHERE photo_id = $1',
          [id],
        );
        expect(keyed.rows[0]!.n).toBe(1);
        await ctx.close();
      },
    );
  }

  it('saw no script errors and no CSP refusals', () => {
    expect(b.problems).toEqual([]);
  });
});
