import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { DOCUMENT_PATH } from '../openapi.ts';
import { PAGE_CSP } from '../pages/index.ts';

export const DOCS_PATH = '/api/docs';

/**
 * The pages' strict CSP, unrelaxed: Swagger UI 5 sets its styles through the DOM (not inline
 * markup) and needs no eval, so scripts and styles come from this server only, and the page
 * calls nothing but this server (test/openapi.test.ts checks both in Chromium).
 */
export const DOCS_CSP = PAGE_CSP;

/** Read once at start from the swagger-ui-dist package: a fixed set, works offline. */
function loadAssets(): Map<string, { body: string; type: string }> {
  const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const js = 'text/javascript; charset=utf-8';
  return new Map([
    [
      'swagger-ui.css',
      { body: fs.readFileSync(path.join(dist, 'swagger-ui.css'), 'utf8'), type: 'text/css; charset=utf-8' },
    ],
    ['swagger-ui-bundle.js', { body: fs.readFileSync(path.join(dist, 'swagger-ui-bundle.js'), 'utf8'), type: js }],
    ['init.js', { body: fs.readFileSync(new URL('./init.js', import.meta.url), 'utf8'), type: js }],
  ]);
}

function headers(c: Context) {
  c.header('content-security-policy', DOCS_CSP);
  c.header('referrer-policy', 'no-referrer');
  c.header('x-frame-options', 'DENY');
  c.header('cross-origin-opener-policy', 'same-origin');
}

/** The API explorer for staff: Swagger UI on /api/v1/openapi.json. */
export function apiDocsRoutes(): Hono {
  const app = new Hono();
  const assets = loadAssets();
  app.get(DOCS_PATH, (c) => {
    headers(c);
    return c.html(html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kinfinder API</title>
<link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
<link rel="icon" href="data:,">
</head>
<body>
<div id="swagger-ui" data-document="${DOCUMENT_PATH}"></div>
<script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
<script src="${DOCS_PATH}/init.js"></script>
</body>
</html>`);
  });
  app.get(`${DOCS_PATH}/:name`, (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset) return c.text('not found', 404);
    headers(c);
    c.header('content-type', asset.type);
    // Revalidated on every use: an upgrade of the package never leaves a stale bundle.
    c.header('cache-control', 'no-cache');
    return c.body(asset.body);
  });
  return app;
}
