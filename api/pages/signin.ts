import { html } from 'hono/html';
import type { Markup } from './layout.ts';

/** The staff token form shared by /review and /ingest (the script reads it by these ids). */
export function signInSection(o: { what: string; intro: string }): Markup {
  return html`
<section id="signin" aria-labelledby="signin-heading" hidden>
  <h2 id="signin-heading">Sign in</h2>
  <p>${o.intro} The token is kept only in this browser tab and forgotten when the tab is closed.</p>
  <form id="signin-form" novalidate>
    <label for="token">Your ${o.what} access token</label>
    <input id="token" name="token" type="password" autocomplete="off" autocapitalize="off" spellcheck="false" required aria-describedby="signin-error">
    <p id="signin-error" class="error" role="alert" hidden></p>
    <button class="button primary" type="submit">Sign in</button>
  </form>
</section>`;
}
