import { html } from 'hono/html';
import { CATEGORIES, PHOTO_STATUSES } from '../../src/vocabulary.ts';
import { layout, type Markup, type PageContext } from './layout.ts';
import { signInSection } from './signin.ts';

/** `/ingest`: operators upload batches and watch them being processed. */
export function ingestPage(o: { ui: PageContext; maxPhotoMb: number }): Markup {
  const { t } = o.ui;
  return layout({
    ui: o.ui,
    title: t('ingest:title'),
    script: 'ingest.js',
    messages: ['ingest', 'records'],
    staff: true,
    body: html`
<h1>${t('ingest:heading')}</h1>
${signInSection({
  what: 'operator',
  intro: t('ingest:signinIntro'),
  texts: {
    heading: t('ingest:signinHeading'),
    kept: t('ingest:signinKept'),
    label: t('ingest:signinLabel'),
    button: t('ingest:signinButton'),
  },
})}

<section id="upload" aria-label="${t('ingest:uploadRegion')}" hidden data-max-mb="${o.maxPhotoMb}">
  <div class="toolbar">
    <p class="hint">${t('ingest:intro')}</p>
    <button id="sign-out" class="button secondary small" type="button">${t('ingest:signOut')}</button>
  </div>
  <form id="ingest-form" novalidate>
    <label for="source">${t('ingest:sourceLabel')}</label>
    <p class="hint" id="source-hint">${t('ingest:sourceHint')}</p>
    <input id="source" name="source" type="text" autocomplete="off" aria-describedby="source-hint">
    <label for="category">${t('ingest:categoryLabel')}</label>
    <p class="hint" id="category-hint">${t('ingest:categoryHint')}</p>
    <select id="category" name="category" aria-describedby="category-hint">
      <option value="unknown">${t('ingest:category_unknown')}</option>
      <option value="prisoner">${t('ingest:category_prisoner')}</option>
      <option value="deceased">${t('ingest:category_deceased')}</option>
    </select>
    <fieldset>
      <legend>${t('ingest:aboutLegend')}</legend>
      <label for="meta-place">${t('ingest:placeLabel')}</label>
      <input id="meta-place" type="text" autocomplete="off">
      <label for="meta-date">${t('ingest:dateLabel')}</label>
      <input id="meta-date" type="text" autocomplete="off" aria-describedby="meta-date-hint">
      <p class="hint" id="meta-date-hint">${t('ingest:dateHint')}</p>
      <label for="meta-notes">${t('ingest:notesLabel')}</label>
      <textarea id="meta-notes" rows="2"></textarea>
    </fieldset>
    <div id="drop" class="dropzone">
      <p><strong>${t('ingest:dropTitle')}</strong>${t('ingest:dropOr')}</p>
      <label class="button secondary file-button" for="files">${t('ingest:chooseFiles')}
        <input id="files" type="file" multiple accept="image/*,.zip,application/zip" aria-describedby="drop-hint">
      </label>
      <p class="hint" id="drop-hint">${t('ingest:formats', { maxMb: o.maxPhotoMb })}
      ${t('ingest:zipHint')}</p>
    </div>
    <div class="csv-pick">
      <p><strong>${t('ingest:csvLabel')}</strong></p>
      <p class="hint" id="metadata-csv-hint">${t('ingest:csvHint')}</p>
      <label class="button secondary file-button" for="metadata-csv">${t('ingest:csvChoose')}
        <input id="metadata-csv" type="file" accept=".csv,text/csv" aria-describedby="metadata-csv-hint metadata-csv-chosen">
      </label>
      <p id="metadata-csv-chosen" class="hint" aria-live="polite">${t('ingest:csvNone')}</p>
      <button id="metadata-csv-remove" class="button secondary small" type="button" hidden>${t('ingest:csvRemove')}</button>
    </div>
    <fieldset id="record" hidden>
      <legend>${t('ingest:recordLegend')}</legend>
      <p class="hint">${t('ingest:recordHint')}</p>
      <label for="rec-names">${t('records:field_names')}</label>
      <p class="hint" id="rec-names-hint">${t('ingest:namesHint')}</p>
      <input id="rec-names" type="text" autocomplete="off" aria-describedby="rec-names-hint">
      <label for="rec-birth">${t('records:field_birthDate')}</label>
      <p class="hint" id="rec-birth-hint">${t('records:hint_birthDate')}</p>
      <input id="rec-birth" type="text" inputmode="numeric" autocomplete="off" aria-describedby="rec-birth-hint">
      <label for="rec-id">${t('records:field_idNumbers')}</label>
      <p class="hint" id="rec-id-hint">${t('ingest:idNumbersHint')}</p>
      <input id="rec-id" type="text" autocomplete="off" aria-describedby="rec-id-hint">
      <label for="rec-unit">${t('records:field_unit')}</label>
      <input id="rec-unit" type="text" autocomplete="off">
      <label for="rec-marks">${t('records:field_marks')}</label>
      <textarea id="rec-marks" rows="2"></textarea>
    </fieldset>
    <p id="form-error" class="error" role="alert" hidden></p>
    <div class="actions">
      <button id="start" class="button primary" type="submit" disabled>${t('ingest:upload')}</button>
      <button id="clear" class="button secondary" type="button" hidden>${t('ingest:clearFinished')}</button>
    </div>
  </form>
  <p id="summary" class="status" role="status" aria-live="polite"></p>
  <section id="batch" aria-labelledby="batch-heading" hidden>
    <h2 class="small-heading" id="batch-heading">${t('ingest:batchHeading')}</h2>
    <p id="batch-summary" class="status" role="status" aria-live="polite"></p>
    <p id="batch-note" class="hint"></p>
    <div class="actions">
      <button id="batch-failures" class="button secondary small" type="button" hidden>${t('ingest:downloadFailures')}</button>
      <button id="batch-new" class="button secondary small" type="button">${t('ingest:newBatch')}</button>
    </div>
  </section>
  <section id="people" aria-labelledby="people-heading" hidden>
    <h2 class="small-heading" id="people-heading">${t('ingest:peopleHeading')}</h2>
    <p class="hint">${t('ingest:peopleHint')}</p>
    <ul id="people-list" class="people"></ul>
  </section>
  <section id="merges" aria-labelledby="merges-heading">
    <h2 class="small-heading" id="merges-heading">${t('ingest:mergesHeading')}</h2>
    <p class="hint">${t('ingest:mergesHint')}</p>
    <p id="merges-empty" class="hint" hidden>${t('ingest:mergesEmpty')}</p>
    <p id="merges-status" class="status" role="status" aria-live="polite"></p>
    <ul id="merges-list" class="merges"></ul>
  </section>
  <h2 class="small-heading" id="files-heading" hidden>${t('ingest:filesHeading')}</h2>
  <ol id="file-list" class="file-list" aria-labelledby="files-heading"></ol>
  <section id="recent" aria-labelledby="recent-heading">
    <h2 class="small-heading" id="recent-heading">${t('ingest:recentHeading')}</h2>
    <p id="recent-empty" class="hint" hidden>${t('ingest:recentEmpty')}</p>
    <table id="recent-table" class="batches" hidden>
      <thead><tr>
        <th scope="col">${t('ingest:colStarted')}</th><th scope="col">${t('ingest:colSource')}</th><th scope="col">${t('ingest:colCategory')}</th>
        <th scope="col">${t('ingest:colFiles')}</th><th scope="col">${t('ingest:colDone')}</th><th scope="col">${t('ingest:colFailed')}</th>
        <th scope="col">${t('ingest:colDuplicates')}</th><th scope="col">${t('ingest:colState')}</th><th scope="col"></th>
      </tr></thead>
      <tbody id="recent-body"></tbody>
    </table>
  </section>
  <section id="photos" aria-labelledby="photos-heading">
    <h2 class="small-heading" id="photos-heading">${t('ingest:photosHeading')}</h2>
    <p class="hint">${t('ingest:photosHint')}</p>
    <form id="photos-form" class="inline-form" novalidate>
      <div>
        <label for="photos-batch">${t('ingest:photosBatch')}</label>
        <select id="photos-batch"><option value="">${t('ingest:photosAllBatches')}</option></select>
      </div>
      <div>
        <label for="photos-status">${t('ingest:photosStatus')}</label>
        <select id="photos-status">
          <option value="">${t('ingest:photosAnyStatus')}</option>
          ${PHOTO_STATUSES.map((st) => html`<option value="${st}">${t(`ingest:status_${st}`)}</option>`)}
        </select>
      </div>
      <div>
        <label for="photos-category">${t('ingest:photosCategory')}</label>
        <select id="photos-category">
          <option value="">${t('ingest:photosAnyCategory')}</option>
          ${CATEGORIES.map((c) => html`<option value="${c}">${t(`ingest:category_${c}`)}</option>`)}
        </select>
      </div>
      <button class="button secondary" type="submit">${t('ingest:photosShow')}</button>
    </form>
    <p id="photos-count" class="status" role="status" aria-live="polite"></p>
    <table id="photos-table" class="batches" hidden>
      <thead><tr>
        <th scope="col">${t('ingest:colFile')}</th><th scope="col">${t('ingest:colAdded')}</th><th scope="col">${t('ingest:colCategory')}</th>
        <th scope="col">${t('ingest:colStatus')}</th><th scope="col">${t('ingest:colFaces')}</th><th scope="col"></th>
      </tr></thead>
      <tbody id="photos-body"></tbody>
    </table>
    <button id="photos-more" class="button secondary small" type="button" hidden>${t('ingest:photosMore')}</button>
    <article id="photo-view" class="photo-view case-card" aria-labelledby="photo-view-heading" hidden>
      <h3 id="photo-view-heading" tabindex="-1"></h3>
      <img id="photo-view-img" alt="" hidden>
      <dl id="photo-view-figures" class="figures"></dl>
      <form id="withdraw-form" novalidate>
        <h4>${t('ingest:withdrawHeading')}</h4>
        <p class="hint" id="withdraw-hint">${t('ingest:withdrawHint')}</p>
        <label for="withdraw-reason">${t('ingest:withdrawReason')}</label>
        <textarea id="withdraw-reason" rows="2" maxlength="2000" aria-describedby="withdraw-hint"></textarea>
        <p id="withdraw-error" class="error" role="alert" hidden></p>
        <div class="actions">
          <button id="withdraw" class="button danger" type="submit">${t('ingest:withdrawButton')}</button>
        </div>
      </form>
      <p id="withdraw-status" class="status" role="status" aria-live="polite"></p>
      <button id="photo-view-close" class="button secondary small" type="button">${t('ingest:close')}</button>
    </article>
  </section>
</section>
`,
  });
}
