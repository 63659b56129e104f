import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageOptions {
  title: string;
  /** The page's client module under /assets/ (loaded as an ES module: deferred, no inline script). */
  script: string;
  /** Staff pages get a small navigation bar; the family pages do not point at staff tools. */
  staff?: boolean;
  body: Markup;
}

/** The frame every page shares: language, viewport, one stylesheet, one module script. */
export function layout(p: PageOptions): Markup {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${p.title} · kinfinder</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/style.css">
<script type="module" src="/assets/${p.script}"></script>
</head>
<body${p.staff ? html` class="staff"` : ''}>
<a class="skip" href="#main">Skip to main content</a>
<header class="site">
  <div class="wrap">
    <span class="brand">kinfinder</span>
    ${p.staff
      ? html`<nav aria-label="Staff pages"><a href="/review">Review matches</a> <a href="/ingest">Upload photos</a></nav>`
      : html`<span class="tagline">Help in finding missing soldiers</span>`}
  </div>
</header>
<main id="main" class="wrap" tabindex="-1">
${p.body}
</main>
<noscript><p class="wrap warning">This page needs JavaScript to send and show photos. Please turn it on, or use another browser.</p></noscript>
</body>
</html>`;
}
