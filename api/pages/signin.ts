import { html } from 'hono/html';
import type { Markup } from './layout.ts';

/** The form's words in the reader's language (a page that has them); English otherwise. */
export interface SignInTexts {
  heading: string;
  kept: string;
  label: string;
  button: string;
}

/** The staff token form shared by /review and /ingest (the script reads it by these ids). */
export function signInSection(o: { what: string; intro: string; texts?: SignInTexts }): Markup {
  const w = o.texts ?? {
    heading: 'Sign in',
    kept: 'The token is kept only in this browser tab and forgotten when the tab is closed.',
    label: `Your ${o.what} access token`,
    button: 'Sign in',
  };
  return html`
<section id="signin" aria-labelledby="signin-heading" hidden>
  <h2 id="signin-heading">${w.heading}</h2>
  <p>${o.intro} ${w.kept}</p>
  <form id="signin-form" novalidate>
    <label for="token">${w.label}</label>
    <input id="token" name="token" type="password" autocomplete="off" autocapitalize="off" spellcheck="false" required aria-describedby="signin-error">
    <p id="signin-error" class="error" role="alert" hidden></p>
    <button class="button primary" type="submit">${w.button}</button>
  </form>
</section>`;
}
