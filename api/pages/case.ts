import { html } from 'hono/html';
import { organisationInSentence } from '../../src/i18n/organisation.ts';
import { keptSection, organisationBanner, subjectFields, type Organisation } from './family-frame.ts';
import { layout, type Markup, type PageContext } from './layout.ts';

export interface CasePageOptions {
  ui: PageContext;
  maxPhotoMb: number;
  maxPhotos: number;
  organisation: Organisation;
}

/**
 * `/case`: the family's case, opened with the case code alone (typed, or from the link's
 * #fragment, which never reaches the server). The code is asked for in a plain text field, so a
 * relative can see what they typed. Results are told in the family's terms (case.js).
 */
export function casePage(o: CasePageOptions): Markup {
  const { t } = o.ui;
  return layout({
    ui: o.ui,
    title: t('case:title'),
    script: 'case.js',
    messages: ['family', 'case', 'notices'],
    banner: organisationBanner(o.ui, o.organisation),
    body: html`
<h1>${t('case:title')}</h1>
<p id="page-status" class="status" role="status" aria-live="polite"></p>

<section id="signin" aria-labelledby="signin-heading" hidden>
  <h2 id="signin-heading">${t('case:signinHeading')}</h2>
  <p id="signin-text">${t('case:signinText')}</p>
  <form id="code-form" novalidate>
    <label for="code">${t('case:codeLabel')}</label>
    <input id="code" name="code" class="code-input" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="40"
      placeholder="XXXX-XXXX-XXXX" required aria-describedby="signin-text code-error">
    <div class="check">
      <input id="remember" type="checkbox">
      <label for="remember">${t('case:remember')}</label>
    </div>
    <p id="code-error" class="error" role="alert" hidden></p>
    <button class="button primary" type="submit">${t('case:open')}</button>
  </form>
  <p class="hint">${t('case:lostCode')}</p>
</section>

<section id="case" aria-labelledby="status-heading" hidden
  data-org="${o.organisation.name ? organisationInSentence(o.organisation.name, t) : ''}" data-contact="${o.organisation.contact ?? ''}">
  <p class="hint" id="code-shown"></p>
  <div id="notices" class="notices" hidden></div>
  <h2 id="status-heading" tabindex="-1">${t('case:statusHeading')}</h2>
  <div id="case-status" class="case-status" role="status" aria-live="polite" aria-atomic="true"></div>
  <p class="hint" id="checked-at"></p>
  <div class="actions">
    <button id="refresh" class="button secondary" type="button">${t('case:refresh')}</button>
  </div>

  <div id="result" hidden>
    <h2>${t('case:resultHeading')}</h2>
    <div id="records"></div>
  </div>

  <section id="add-section" aria-labelledby="add-heading">
    <h2 id="add-heading">${t('case:addHeading')}</h2>
    <p><span id="add-text">${t('case:addText')}</span> <span id="photos-given"></span></p>
    <form id="add-form" novalidate data-max-photos="${o.maxPhotos}" data-max-mb="${o.maxPhotoMb}">
      <div class="pickers">
        <label class="button secondary file-button" for="photo-input">${t('family:choosePhotos')}
          <input id="photo-input" name="photo" type="file" accept="image/*" multiple>
        </label>
      </div>
      <h3 class="visually-hidden" id="chosen-heading">${t('family:chosenHeading')}</h3>
      <ul id="chosen" class="chosen" aria-labelledby="chosen-heading"></ul>
      <p id="add-error" class="error" role="alert" hidden></p>
      <p id="add-status" class="status" aria-live="polite"></p>
      <button id="add-send" class="button primary" type="submit" hidden>${t('case:addButton')}</button>
    </form>
  </section>

  <section aria-labelledby="details-heading">
    <h2 id="details-heading">${t('case:detailsHeading')}</h2>
    <details class="about">
      <summary>${t('case:detailsOpen')}</summary>
      <p class="hint">${t('case:detailsText')}</p>
      <form id="details-form" novalidate>
        ${subjectFields(o.ui, 'details')}
        <p id="details-error" class="error" role="alert" hidden></p>
        <p id="details-status" class="status" aria-live="polite"></p>
        <button class="button secondary" type="submit">${t('case:detailsSave')}</button>
      </form>
    </details>
  </section>

  <section aria-labelledby="notify-heading">
    <h2 id="notify-heading">${t('notices:pageHeading')}</h2>
    <p>${t('notices:pageText')}</p>
    <form id="notify-form" novalidate>
      <label for="notify-email">${t('notices:emailLabel')}</label>
      <input id="notify-email" type="email" autocomplete="email" inputmode="email" spellcheck="false" aria-describedby="notify-error">
      <p id="notify-error" class="error" role="alert" hidden></p>
      <p id="notify-status" class="status" aria-live="polite"></p>
      <button class="button secondary" type="submit">${t('notices:emailButton')}</button>
    </form>
    <p><button id="notify-stop" class="link-button" type="button">${t('notices:stopButton')}</button></p>
  </section>

  ${keptSection(o.ui, 'kept-heading')}

  <section class="danger-zone" aria-labelledby="delete-heading">
    <h2 id="delete-heading">${t('case:deleteHeading')}</h2>
    <p>${t('case:deleteText')}</p>
    <button id="delete" class="button danger" type="button">${t('case:deleteButton')}</button>
    <div id="delete-confirm" hidden>
      <p id="delete-question"><strong>${t('case:deleteQuestion')}</strong></p>
      <div class="actions">
        <button id="delete-yes" class="button danger" type="button" aria-describedby="delete-question">${t('case:deleteYes')}</button>
        <button id="delete-no" class="button secondary" type="button">${t('case:deleteNo')}</button>
      </div>
    </div>
  </section>
  <p><button id="forget" class="link-button" type="button">${t('case:signOut')}</button></p>
</section>

<section id="deleted" aria-labelledby="deleted-heading" hidden>
  <h2 id="deleted-heading" tabindex="-1">${t('case:deletedHeading')}</h2>
  <p>${t('case:deletedText')}</p>
  <p><a class="button primary" href="/">${t('case:startNew')}</a></p>
</section>
`,
  });
}
