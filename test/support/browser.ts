import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './cli.ts';

/**
 * Debian's Chromium, installed by `.ci/run` (apt-get install chromium). The browser tests never
 * download a browser: without this binary they fail and say what to install.
 */
export const CHROMIUM = process.env.KINFINDER_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = process.env.KINFINDER_SCREENSHOTS ?? path.join(REPO_ROOT, 'test-artifacts/screenshots');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 900 };

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (own cookies and storage, as a separate person's browser would have). */
  context(viewport: { width: number; height: number }, opts?: { locale?: string }): Promise<BrowserContext>;
  /** Uncaught page errors and CSP refusals seen so far, across every page. */
  problems: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. The browser tests drive Debian's chromium package: ` +
        'run `apt-get install -y --no-install-recommends chromium` (as .ci/run does), or set KINFINDER_CHROMIUM to another Chromium binary. ' +
        'Never `npx playwright install`.',
    );
  }
  // launch() gives the browser a fresh temporary profile of its own and deletes it on close.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
  const problems: string[] = [];
  const contexts: BrowserContext[] = [];
  return {
    browser,
    problems,
    async context(viewport, opts) {
      // The locale is the browser's Accept-Language: the pages negotiate their language from it.
      const ctx = await browser.newContext({
        viewport,
        deviceScaleFactor: 1,
        locale: opts?.locale ?? 'en-GB',
        reducedMotion: 'reduce',
      });
      ctx.setDefaultTimeout(20_000);
      ctx.on('page', (page) => watch(page, problems));
      contexts.push(ctx);
      return ctx;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
    },
  };
}

function watch(page: Page, problems: string[]) {
  page.on('pageerror', (err) => problems.push(`${page.url()}: uncaught ${err.message}`));
  page.on('console', (msg) => {
    // "Failed to load resource" is the browser noting a 4xx answer the page expected and handled.
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text()))
      problems.push(`${page.url()}: console ${msg.text()}`);
  });
}

/** Writes test-artifacts/screenshots/<name>.png (the whole page, not only the viewport). */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

/** Serves a Hono app's fetch on a free loopback port, in this process. */
export async function serveApp(
  fetch: (req: Request) => Response | Promise<Response>,
): Promise<{ url: string; close(): Promise<void> }> {
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        // Keep-alive sockets from the browser would hold close() open: end them.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Waits until the <img> matched by `selector` has decoded pixels (blob: URLs included). */
export async function imageLoaded(page: Page, selector: string, timeoutMs = 30_000): Promise<void> {
  // Polled from here: waitForFunction would re-evaluate a string predicate with eval inside the
  // page, which the pages' CSP (rightly) refuses. locator.evaluate runs through the DevTools
  // protocol and is not subject to it.
  const deadline = Date.now() + timeoutMs;
  const img = page.locator(selector);
  for (;;) {
    const ready =
      (await img.count()) > 0 &&
      (await img
        .first()
        .evaluate((i: { complete: boolean; naturalWidth: number }) => i.complete && i.naturalWidth > 0));
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`image ${selector} did not load within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The focused element as "#id" or ".class" (what keyboard and screen-reader users are on). */
export async function focused(page: Page): Promise<string> {
  return (await page.evaluate(
    `(() => { const e = document.activeElement; return !e ? '' : e.id ? '#' + e.id : '.' + e.className; })()`,
  )) as string;
}

/**
 * Form controls with no accessible name, images without alt, buttons without text: what a
 * screen reader would announce as nothing. Returns a description of each, so [] is the goal.
 */
export async function unnamed(page: Page): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const out = [];
    const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length) || e.type === 'file';
    for (const e of document.querySelectorAll('input, textarea, select')) {
      if (e.type === 'hidden' || !visible(e)) continue;
      const named = (e.labels && e.labels.length > 0) || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby');
      if (!named) out.push('control ' + (e.id || e.name || e.outerHTML.slice(0, 60)));
    }
    for (const e of document.querySelectorAll('img')) if (!e.hasAttribute('alt')) out.push('img ' + (e.id || e.src.slice(0, 40)));
    for (const e of document.querySelectorAll('button, a[href]')) {
      if (!visible(e)) continue;
      if (!(e.textContent || '').trim() && !e.getAttribute('aria-label')) out.push('button/link ' + (e.id || e.outerHTML.slice(0, 60)));
    }
    return out;
  })()`)) as string[];
}
