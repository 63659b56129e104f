import { html } from 'hono/html';
import { keptSection, organisationBanner, subjectFields, type Organisation } from './family-frame.ts';
import { layout, type Markup, type PageContext } from './layout.ts';

export interface FamilyPageOptions {
  ui: PageContext;
  /** How many trained people must agree (KINFINDER_CONFIRMATIONS). */
  confirmations: number;
  maxPhotoMb: number;
  /** Photos one case may start from (src/cases/reference-photos.ts). */
  maxPhotos: number;
  organisation: Organisation;
}

/**
 * `/`: phone first. The start form comes right after two sentences (on a 360 × 800 screen the
 * start button is in view without scrolling), the optional details are folded away, and what
 * happens to the photos follows the form. After sending: the case code, large, to copy, print
 * or save; the print view shows only the code card.
 */
export function familyPage(o: FamilyPageOptions): Markup {
  const { t } = o.ui;
  return layout({
    ui: o.ui,
    title: t('family:title'),
    script: 'family.js',
    messages: ['family'],
    banner: organisationBanner(o.ui, o.organisation),
    body: html`
<h1>${t('family:heading')}</h1>
<div id="intro-top">
<p class="lead">${t('family:lead')}</p>
<p class="have-code">${t('family:haveCode')} <a href="/case">${t('family:haveCodeLink')}</a></p>
</div>

<section id="start" aria-labelledby="send-heading">
  <h2 id="send-heading">${t('family:sendHeading')}</h2>
  <form id="search-form" novalidate data-max-photos="${o.maxPhotos}" data-max-mb="${o.maxPhotoMb}">
    <div class="pickers">
      <label class="button secondary file-button" for="photo-input">${t('family:choosePhotos')}
        <input id="photo-input" name="photo" type="file" accept="image/*" multiple aria-describedby="photos-hint">
      </label>
      <label class="button secondary file-button" for="camera-input">${t('family:takePhoto')}
        <input id="camera-input" type="file" accept="image/*" capture="environment" aria-describedby="photos-hint">
      </label>
    </div>
    <h3 class="visually-hidden" id="chosen-heading">${t('family:chosenHeading')}</h3>
    <ul id="chosen" class="chosen" aria-labelledby="chosen-heading"></ul>
    <p id="form-error" class="error" role="alert" hidden></p>
    <progress id="upload-progress" max="100" value="0" hidden aria-label="${t('family:sending')}"></progress>
    <p id="progress-text" class="status" hidden></p>
    <button id="send" class="button primary" type="submit">${t('family:start')}</button>
    <p id="photos-hint" class="hint">${t('family:photosHint', { max: o.maxPhotos, mb: o.maxPhotoMb })}</p>
    <p id="no-photo-hint" class="hint">${t('family:noPhotoHint')}</p>
    <details class="about" id="about">
      <summary>${t('family:aboutLegend')}</summary>
      <p id="about-hint" class="hint">${t('family:aboutHint')}</p>
      ${subjectFields(o.ui, 'subject')}
    </details>
  </form>
</section>

<section id="choose" aria-labelledby="choose-heading" hidden>
  <h2 id="choose-heading" tabindex="-1">${t('family:chooseHeading')}</h2>
  <p id="choose-text"></p>
  <div class="chooser">
    <div class="chooser-photo" id="chooser-photo" aria-hidden="true"></div>
    <div id="chooser-buttons" class="chooser-buttons" role="group" aria-labelledby="choose-heading"></div>
  </div>
  <button id="choose-cancel" class="button secondary" type="button">${t('family:chooseBack')}</button>
</section>

<section id="done" aria-labelledby="done-heading" hidden>
  <h2 id="done-heading" tabindex="-1">${t('family:doneHeading')}</h2>
  <div class="code-card">
    <p class="code-label" id="code-label">${t('family:codeLabel')}</p>
    <p class="case-code" id="case-code" aria-labelledby="code-label"></p>
  </div>
  <div class="warning" role="note"><p>${t('family:doneKeep')}</p></div>
  <div class="actions">
    <button id="copy-code" class="button primary" type="button">${t('family:copy')}</button>
    <button id="print-code" class="button secondary" type="button">${t('family:print')}</button>
    <a id="open-case" class="button secondary" href="/case">${t('family:openCase')}</a>
  </div>
  <p id="copy-status" class="status" aria-live="polite"></p>
  <p>${t('family:doneNext', { count: o.confirmations })}</p>
  <div id="print-card" class="print-card">
    <p class="print-org">${o.organisation.name ?? ''}</p>
    <h2>${t('family:printTitle')}</h2>
    <p class="case-code" id="print-code-text"></p>
    <p id="print-where"></p>
    <p id="print-date"></p>
    ${o.organisation.contact ? html`<p>${t('family:orgContact', { contact: o.organisation.contact })}</p>` : ''}
    <p>${t('family:printSecret')}</p>
  </div>
</section>

<div id="intro">
<section aria-labelledby="what-happens">
  <h2 id="what-happens">${t('family:whatHappens')}</h2>
  <p>${t('family:intro')}</p>
  <ul class="facts">
    <li>${t('family:fact1')}</li>
    <li>${t('family:fact2', { count: o.confirmations })}</li>
    <li>${t('family:fact3')}</li>
    <li>${t('family:fact4')}</li>
  </ul>
</section>
${keptSection(o.ui, 'kept-heading')}
</div>

<p id="status" class="visually-hidden" role="status" aria-live="polite"></p>
`,
  });
}
