import { html } from 'hono/html';
import { layout, type Markup, type PageContext } from './layout.ts';

export interface FamilyPageOptions {
  ui: PageContext;
  /** How many trained people must agree (KINFINDER_CONFIRMATIONS). */
  confirmations: number;
  maxPhotoMb: number;
  /** Photos one case may start from (src/cases/reference-photos.ts). */
  maxPhotos: number;
}

const WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six'];
export function countWord(n: number): string {
  return WORDS[n] ?? String(n);
}

/** `/`: what happens to the photo, the upload, the face chooser, and the case code shown once. */
export function familyPage(o: FamilyPageOptions): Markup {
  const people = `${countWord(o.confirmations)} trained ${o.confirmations === 1 ? 'person' : 'people'}`;
  return layout({
    ui: o.ui,
    title: 'Look for a missing relative',
    script: 'family.js',
    body: html`
<h1>Look for a missing relative</h1>
<section id="choose" aria-labelledby="choose-heading" hidden>
  <h2 id="choose-heading" tabindex="-1">Which person is your relative?</h2>
  <p id="choose-text">This photo shows several people. Tap the face of your relative.</p>
  <div class="chooser">
    <div class="chooser-photo" id="chooser-photo" aria-hidden="true"></div>
    <div id="chooser-buttons" class="chooser-buttons" role="group" aria-labelledby="choose-heading"></div>
  </div>
  <button id="choose-cancel" class="button secondary" type="button">Go back and change the photos</button>
</section>

<section id="done" aria-labelledby="done-heading" hidden>
  <h2 id="done-heading" tabindex="-1">Your case has been created</h2>
  <div class="warning" role="note">
    <p><strong>Keep this link and code safe. They are shown only once.</strong>
    We cannot show them again or send them to you. Anyone who has them can see your case, so do not share them.
    Write them down, or copy them somewhere safe.</p>
  </div>
  <dl class="codes">
    <dt>Your case page</dt>
    <dd><a id="case-link" class="break" href="/"></a></dd>
    <dt>Case number</dt>
    <dd><code id="case-id" class="break"></code></dd>
    <dt>Access code</dt>
    <dd><code id="case-token" class="break"></code></dd>
  </dl>
  <div class="actions">
    <button id="copy-link" class="button secondary" type="button">Copy the link</button>
    <a id="open-case" class="button primary" href="/">Open my case page</a>
  </div>
  <p id="copy-status" class="status" aria-live="polite"></p>
  <p>On the case page you will see what is happening. ${`${people[0]!.toUpperCase()}${people.slice(1)}`} must agree before any result is shown.</p>
</section>

<div id="intro">
<p class="lead">If a member of your family is missing after fighting, you can send us photos of them.
We compare their face with photos that organisations have collected of prisoners of war and of soldiers who have died.</p>

<section aria-labelledby="what-happens">
  <h2 id="what-happens">What happens to your photos</h2>
  <ul class="facts">
    <li><strong>A computer only suggests.</strong> It looks for faces that may be the same person. It is often wrong.</li>
    <li><strong>People check every suggestion.</strong> Nothing is shown to you until ${people} have each looked at it and agree it is your relative.</li>
    <li><strong>Who sees your photos:</strong> only the trained checkers of this service. Your photos are not published and are never shown to other families.</li>
    <li><strong>It can take a long time.</strong> New photos arrive all the time and are compared with your relative automatically. Your case stays open.</li>
    <li><strong>You can delete your case at any time</strong> from your case page. Your photos and the face data are then deleted.</li>
  </ul>
</section>
</div>

<section id="start" aria-labelledby="send-heading">
  <h2 id="send-heading">Send photos</h2>
  <form id="search-form" novalidate data-max-photos="${o.maxPhotos}" data-max-mb="${o.maxPhotoMb}">
    <p id="photos-hint" class="hint">Choose 1 to 5 photos of the same person. Photos where the face is clear and looks at the camera work best.
    A photo of a printed picture is fine. Each photo can be up to ${o.maxPhotoMb} MB.</p>
    <div class="pickers">
      <label class="button secondary file-button" for="photo-input">Choose photos
        <input id="photo-input" name="photo" type="file" accept="image/*" multiple aria-describedby="photos-hint">
      </label>
      <label class="button secondary file-button" for="camera-input">Take a photo with the camera
        <input id="camera-input" type="file" accept="image/*" capture="environment" aria-describedby="photos-hint">
      </label>
    </div>
    <h3 class="visually-hidden" id="chosen-heading">Chosen photos</h3>
    <ul id="chosen" class="chosen" aria-labelledby="chosen-heading"></ul>
    <fieldset class="about">
      <legend>About your relative (optional)</legend>
      <p id="about-hint" class="hint">Only the trained checkers see this. It helps them tell look-alikes apart.</p>
      <label for="subject-name">Name</label>
      <input id="subject-name" name="name" type="text" maxlength="200" autocomplete="off" aria-describedby="about-hint">
      <label for="subject-born">Year or date of birth</label>
      <input id="subject-born" name="born" type="text" maxlength="40" autocomplete="off">
      <label for="subject-details">Anything that helps recognise him or her</label>
      <textarea id="subject-details" name="details" rows="3" maxlength="2000" placeholder="Scars, tattoos, missing teeth, glasses; unit; where and when last seen"></textarea>
    </fieldset>
    <p id="form-error" class="error" role="alert" hidden></p>
    <progress id="upload-progress" max="100" value="0" hidden aria-label="Sending the photos"></progress>
    <p id="progress-text" class="status" hidden></p>
    <button id="send" class="button primary" type="submit">Start the search</button>
  </form>
</section>

<p id="status" class="visually-hidden" role="status" aria-live="polite"></p>
`,
  });
}
