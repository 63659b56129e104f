import { html } from 'hono/html';
import { layout, type Markup, type PageContext } from './layout.ts';
import { signInSection } from './signin.ts';

/** The description a caller gives, asked aloud in this order (the family page's fields). */
const FIELDS = ['surname', 'givenName', 'patronymic', 'birthDate', 'idNumber', 'unit'] as const;

/**
 * `/hotline` (DESIGN §20): the hotline desk opens a case for a caller — the caller's words typed
 * in, a photo received by other means uploaded — and shows the code large, to be read aloud.
 * Everything goes through `POST /api/v1/searches` with the desk's own token, so every case is
 * audited as the hotline worker's.
 */
export function hotlinePage(o: { ui: PageContext; maxPhotoMb: number; maxPhotos: number }): Markup {
  const { t } = o.ui;
  const field = (f: (typeof FIELDS)[number]) =>
    f === 'birthDate'
      ? html`<label for="subject-${f}">${t(`family:${f}`)}</label>
      <p class="hint" id="subject-${f}-hint">${t('family:birthDateHint')}</p>
      <input id="subject-${f}" type="text" inputmode="numeric" autocomplete="off" aria-describedby="subject-${f}-hint">`
      : html`<label for="subject-${f}">${t(`family:${f}`)}</label>
      <input id="subject-${f}" type="text" autocomplete="off" spellcheck="false">`;
  return layout({
    ui: o.ui,
    title: t('hotline:title'),
    script: 'hotline.js',
    messages: ['hotline', 'family', 'cases'],
    staff: true,
    body: html`
<h1>${t('hotline:heading')}</h1>
${signInSection({
  what: 'hotline',
  intro: t('hotline:signinIntro'),
  texts: {
    heading: t('hotline:signinHeading'),
    kept: t('hotline:signinKept'),
    label: t('hotline:signinLabel'),
    button: t('hotline:signinButton'),
  },
})}

<section id="desk" hidden aria-labelledby="open-heading">
  <div class="toolbar">
    <p class="hint">${t('hotline:intro')}</p>
    <button id="sign-out" class="button secondary small" type="button">${t('hotline:signOut')}</button>
  </div>
  <form id="hotline-form" novalidate data-max-photos="${o.maxPhotos}" data-max-mb="${o.maxPhotoMb}">
    <h2 id="open-heading">${t('hotline:openHeading')}</h2>
    <p class="hint">${t('hotline:openHint')}</p>
    <fieldset>
      <legend>${t('hotline:callerSays')}</legend>
      ${FIELDS.map(field)}
      <label for="subject-marks">${t('family:marks')}</label>
      <textarea id="subject-marks" rows="2"></textarea>
      <label for="subject-notes">${t('family:notes')}</label>
      <textarea id="subject-notes" rows="3"></textarea>
    </fieldset>
    <fieldset>
      <legend>${t('hotline:photosLegend')}</legend>
      <p class="hint" id="photos-hint">${t('hotline:photosHint', { max: o.maxPhotos, mb: o.maxPhotoMb })}</p>
      <label class="button secondary file-button" for="photos">${t('hotline:choosePhotos')}
        <input id="photos" type="file" multiple accept="image/jpeg,image/png,image/webp" aria-describedby="photos-hint photos-chosen">
      </label>
      <p id="photos-chosen" class="hint" aria-live="polite">${t('hotline:noPhotos')}</p>
    </fieldset>
    <p id="form-error" class="error" role="alert" hidden></p>
    <div class="actions">
      <button id="open" class="button primary" type="submit">${t('hotline:open')}</button>
    </div>
    <p id="form-status" class="status" role="status" aria-live="polite"></p>
  </form>

  <section id="done" hidden aria-labelledby="done-heading">
    <h2 id="done-heading" tabindex="-1">${t('hotline:doneHeading')}</h2>
    <div class="code-card">
      <p class="code-label">${t('hotline:readAloud')}</p>
      <p id="case-code" class="case-code hotline-code"></p>
      <p id="case-code-spelled" class="hint spelled"></p>
    </div>
    <p>${t('hotline:doneTell')}</p>
    <p class="hint">${t('hotline:doneOnce')}</p>
    <div class="actions">
      <button id="another" class="button primary" type="button">${t('hotline:another')}</button>
    </div>
  </section>

  <section class="find-case" aria-labelledby="find-heading">
    <h2 id="find-heading">${t('hotline:findHeading')}</h2>
    <p class="hint">${t('hotline:findHint')}</p>
    <div id="case-finder"></div>
  </section>
</section>
`,
  });
}
