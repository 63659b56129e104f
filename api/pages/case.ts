import { html } from 'hono/html';
import { countWord } from './family.ts';
import { layout, type Markup, type PageContext } from './layout.ts';

/** `/case/:id`: the family's view of one case. The access code never travels in a URL to the server. */
export function casePage(o: { ui: PageContext; caseId: string; confirmations: number }): Markup {
  const people = `${countWord(o.confirmations)} trained ${o.confirmations === 1 ? 'person' : 'people'}`;
  return layout({
    ui: o.ui,
    title: 'Your case',
    script: 'case.js',
    body: html`
<h1>Your case</h1>
<p class="hint">Case number <code class="break" id="case-number" data-case-id="${o.caseId}">${o.caseId}</code></p>
<p id="page-status" class="status" role="status" aria-live="polite"></p>

<section id="signin" aria-labelledby="signin-heading" hidden>
  <h2 id="signin-heading">Enter your access code</h2>
  <p>You received the access code when you sent the photos. It starts with <code>kf_</code>.</p>
  <form id="code-form" novalidate>
    <label for="code">Access code</label>
    <input id="code" name="code" type="password" autocomplete="off" autocapitalize="off" spellcheck="false" required aria-describedby="code-error">
    <div class="check">
      <input id="remember" type="checkbox">
      <label for="remember">Remember the code in this browser tab until it is closed. Do not tick this on a shared or borrowed phone or computer.</label>
    </div>
    <p id="code-error" class="error" role="alert" hidden></p>
    <button class="button primary" type="submit">Open my case</button>
  </form>
</section>

<section id="case" aria-labelledby="status-heading" hidden>
  <h2 id="status-heading" tabindex="-1">What is happening</h2>
  <div id="case-status" class="case-status" role="status" aria-live="polite" aria-atomic="true"></div>
  <p class="hint" id="checked-at"></p>
  <div class="actions">
    <button id="refresh" class="button secondary" type="button">Check again</button>
  </div>

  <div id="result" hidden>
    <h2>The confirmed record</h2>
    <p>${people[0]!.toUpperCase()}${people.slice(1)} have each compared the photos and agree this is your relative.
    This is what the archive says about the photo they found.</p>
    <div id="records"></div>
  </div>

  <section class="danger-zone" aria-labelledby="delete-heading">
    <h2 id="delete-heading">Delete this case</h2>
    <p>This deletes your photos, the face data made from them, and the case. It cannot be undone.
    The search stops, and your access code stops working.</p>
    <button id="delete" class="button danger" type="button">Delete my case</button>
    <div id="delete-confirm" hidden>
      <p id="delete-question"><strong>Are you sure? Everything about this case will be deleted.</strong></p>
      <div class="actions">
        <button id="delete-yes" class="button danger" type="button" aria-describedby="delete-question">Yes, delete everything</button>
        <button id="delete-no" class="button secondary" type="button">No, keep my case</button>
      </div>
    </div>
  </section>
  <p><button id="forget" class="link-button" type="button" hidden>Forget the access code in this tab</button></p>
</section>

<section id="deleted" aria-labelledby="deleted-heading" hidden>
  <h2 id="deleted-heading" tabindex="-1">Your case has been deleted</h2>
  <p>Your photos and the face data made from them have been deleted. You can start a new search at any time.</p>
  <p><a href="/">Start a new search</a></p>
</section>

`,
  });
}
