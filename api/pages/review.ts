import { html } from 'hono/html';
import { layout, type Markup, type PageContext } from './layout.ts';
import { signInSection } from './signin.ts';

/** `/review`: the verifier console. */
export function reviewPage(o: { ui: PageContext; confirmations: number }): Markup {
  return layout({
    ui: o.ui,
    title: 'Review matches',
    script: 'review.js',
    staff: true,
    body: html`
<h1>Review matches</h1>
${signInSection({ what: 'verifier', intro: 'Sign in with your verifier access token to work the review queue.' })}

<section id="console" aria-label="Review queue" hidden data-confirmations="${o.confirmations}">
  <div class="toolbar">
    <p id="queue-status" role="status" aria-live="polite"></p>
    <div class="actions">
      <button id="reload" class="button secondary small" type="button">Reload queue</button>
      <button id="sign-out" class="button secondary small" type="button">Sign out</button>
    </div>
  </div>
  <p id="empty" class="notice" hidden>No candidates are waiting for you. New ones appear when photos are uploaded or cases opened.</p>
  <div class="review-layout">
    <nav class="queue" aria-label="Pending candidates, best first">
      <h2 class="small-heading" id="queue-heading">Queue, best first</h2>
      <ol id="queue" aria-labelledby="queue-heading"></ol>
      <button id="more" class="button secondary small" type="button" hidden>Load more</button>
    </nav>
    <article id="item" aria-labelledby="item-heading" hidden>
      <h2 id="item-heading" tabindex="-1"></h2>
      <p id="already" class="notice" hidden></p>
      <div class="pair">
        <figure>
          <div class="crop"><img id="ref-crop" alt="Face from the family's reference photo"></div>
          <figcaption>Family's photo (reference)</figcaption>
        </figure>
        <figure>
          <div class="crop"><img id="cand-crop" alt="Face from the archive photo"></div>
          <figcaption>Archive photo (candidate)</figcaption>
        </figure>
      </div>
      <div class="facts-grid">
        <section aria-labelledby="match-heading">
          <h3 id="match-heading">Match</h3>
          <dl id="match-figures" class="figures"></dl>
        </section>
        <section aria-labelledby="quality-heading">
          <h3 id="quality-heading">Quality of the archive face</h3>
          <dl id="quality-figures" class="figures"></dl>
        </section>
        <section aria-labelledby="record-heading">
          <h3 id="record-heading">Source and record</h3>
          <dl id="record-figures" class="figures"></dl>
        </section>
        <section aria-labelledby="subject-heading">
          <h3 id="subject-heading">What the family told us</h3>
          <dl id="subject-figures" class="figures"></dl>
        </section>
      </div>
      <div class="decide">
        <label for="note">Note (optional, kept with your decision)</label>
        <textarea id="note" rows="2" maxlength="2000"></textarea>
        <div class="decide-buttons">
          <button id="confirm" class="button primary" type="button" aria-keyshortcuts="c">Confirm <kbd>c</kbd></button>
          <button id="reject" class="button danger" type="button" aria-keyshortcuts="r">Reject <kbd>r</kbd></button>
          <button id="skip" class="button secondary" type="button" aria-keyshortcuts="s">Skip <kbd>s</kbd></button>
          <button id="prev" class="button secondary" type="button" aria-keyshortcuts="k">Previous <kbd>k</kbd></button>
          <button id="next" class="button secondary" type="button" aria-keyshortcuts="j">Next <kbd>j</kbd></button>
        </div>
        <p class="hint">Keys work when the note field is not being typed in. Confirm only when you are sure it is the same person; one rejection removes the pair for good.</p>
      </div>
      <div class="wholes">
      <section aria-labelledby="whole-heading">
        <h3 id="whole-heading">Whole archive photo</h3>
        <p class="hint">The whole photo may be graphic. It stays blurred until you show it (key <kbd>v</kbd>). The box marks the matched face.</p>
        <div class="whole blurred" id="whole">
          <img id="whole-img" alt="The whole archive photo">
          <div id="whole-box" class="face-box" hidden></div>
        </div>
        <button id="reveal" class="button secondary small" type="button" aria-pressed="false" aria-controls="whole">Show the whole photo</button>
      </section>
      <section id="ref-whole-section" aria-labelledby="ref-whole-heading">
        <h3 id="ref-whole-heading">Family's whole photo</h3>
        <p class="hint">Hair, ears and build can tell as much as the face. The box marks the face the family chose.</p>
        <div class="whole" id="ref-whole">
          <img id="ref-whole-img" alt="The family's whole reference photo">
          <div id="ref-whole-box" class="face-box" hidden></div>
        </div>
      </section>
      </div>
    </article>
  </div>
  <p id="decision-status" class="status" role="status" aria-live="assertive"></p>
</section>
`,
  });
}
