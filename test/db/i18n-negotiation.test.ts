import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { silentLogger } from '../../src/log.ts';
import { openApiHarness, type ApiHarness } from '../support/api.ts';

// The language of a page and of a family route's error messages (DESIGN §9): ?lang=, then the
// switcher's cookie, then Accept-Language, then KINFINDER_DEFAULT_LANG.
let h: ApiHarness;
beforeAll(async () => {
  h = await openApiHarness();
});
afterAll(async () => {
  await h?.close();
});

const htmlLang = async (res: Response) => /<html lang="([a-z]+)">/.exec(await res.text())?.[1];

describe('language negotiation', () => {
  it('?lang= wins and sets the cookie; the cookie then beats Accept-Language', async () => {
    const res = await h.app.request('/?lang=uk', { headers: { 'accept-language': 'ru' } });
    expect(await htmlLang(res)).toBe('uk');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^kf_lang=uk;/);
    const back = await h.app.request('/', { headers: { 'accept-language': 'ru', cookie: 'kf_lang=uk' } });
    expect(await htmlLang(back)).toBe('uk');
    expect(back.headers.get('set-cookie')).toBeNull();
  });

  it('Accept-Language picks a language when nothing else does (a regional tag included)', async () => {
    expect(
      await htmlLang(await h.app.request('/', { headers: { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' } })),
    ).toBe('ru');
    expect(await htmlLang(await h.app.request('/', { headers: { 'accept-language': 'de, uk;q=0.8' } }))).toBe('uk');
  });

  it('an unknown language falls back to the organisation default', async () => {
    const app = createApp({ db: h.t.db, logger: silentLogger, defaultLanguage: 'ru' });
    expect(await htmlLang(await app.request('/healthz-nope', { headers: { 'accept-language': 'de' } }))).toBe('ru');
    expect(await htmlLang(await h.app.request('/?lang=xx', { headers: { 'accept-language': 'fr' } }))).toBe('en');
  });

  it('every page carries the switcher, the page messages for its script, and the chosen language', async () => {
    for (const path of ['/', '/review', '/ingest']) {
      const body = await (await h.app.request(`${path}?lang=ru`)).text();
      expect(body).toContain('<html lang="ru">');
      for (const l of ['ru', 'uk', 'en']) expect(body).toContain(`href="${path}?lang=${l}"`);
      expect(body).toContain('aria-current="true">Русский');
      const json = /<script type="application\/json" id="kf-messages">(.*?)<\/script>/s.exec(body)?.[1];
      const messages = JSON.parse(json ?? 'null') as Record<string, Record<string, string>>;
      expect(messages.common?.noscript).toMatch(/JavaScript/);
      expect(messages.common?.skip).toBe('Перейти к содержимому');
    }
    // the staff pages themselves are in the reader's language too, not only their frame
    const ingest = await (await h.app.request('/ingest?lang=uk')).text();
    expect(ingest).toContain('Завантаження фотографій до архіву');
    expect(ingest).not.toContain('Upload photos to the archive');
    expect(await (await h.app.request('/review?lang=ru')).text()).not.toContain('Sign in with your');
  });

  it("a mistyped address gets an HTML page in the visitor's language; the API keeps JSON", async () => {
    const page = await h.app.request('/no-such-page', { headers: { 'accept-language': 'uk' } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const text = await page.text();
    expect(text).toContain('<html lang="uk">');
    expect(text).toContain('Сторінку не знайдено');
    const api = await h.app.request('/api/v1/no-such-route', { headers: { 'accept-language': 'uk' } });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it("family routes answer errors in the family's language with the same code; staff routes stay English", async () => {
    const family = await h.app.request('/api/v1/searches/00000000-0000-4000-8000-000000000000', {
      headers: { authorization: 'Bearer not-a-real-code-000000000000', 'accept-language': 'ru' },
    });
    expect(family.status).toBe(401);
    const fb = (await family.json()) as { error: { code: string; message: string } };
    expect(fb.error.code).toBe('unauthorized');
    expect(fb.error.message).toMatch(/код обращения/);
    const staff = await h.app.request('/api/v1/review', {
      headers: { authorization: 'Bearer not-a-real-token-00000000000', 'accept-language': 'ru' },
    });
    const sb = (await staff.json()) as { error: { code: string; message: string } };
    expect(sb.error.code).toBe('unauthorized');
    expect(sb.error.message).toMatch(/access token/);
  });
});
