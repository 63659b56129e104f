import { html } from 'hono/html';
import { layout, type Markup, type PageContext } from './layout.ts';
import { signInSection } from './signin.ts';

/** `/ingest`: operators upload batches and watch them being processed. */
export function ingestPage(o: { ui: PageContext; maxPhotoMb: number }): Markup {
  return layout({
    ui: o.ui,
    title: 'Upload photos',
    script: 'ingest.js',
    staff: true,
    body: html`
<h1>Upload photos to the archive</h1>
${signInSection({ what: 'operator', intro: 'Sign in with your operator access token to upload photos.' })}

<section id="upload" aria-label="Upload" hidden data-max-mb="${o.maxPhotoMb}">
  <div class="toolbar">
    <p class="hint">Photos of prisoners and of the dead, with where they come from. Each photo is checked for faces after upload.</p>
    <button id="sign-out" class="button secondary small" type="button">Sign out</button>
  </div>
  <form id="ingest-form" novalidate>
    <label for="source">Source</label>
    <p class="hint" id="source-hint">The organisation, archive or list these photos come from. Verifiers see it.</p>
    <input id="source" name="source" type="text" autocomplete="off" aria-describedby="source-hint">
    <fieldset>
      <legend>About these photos (optional, applies to every file in this upload)</legend>
      <label for="meta-place">Where they were taken</label>
      <input id="meta-place" type="text" autocomplete="off">
      <label for="meta-date">When they were taken</label>
      <input id="meta-date" type="text" autocomplete="off" aria-describedby="meta-date-hint">
      <p class="hint" id="meta-date-hint">For example 2024-03 or "spring 2024".</p>
      <label for="meta-notes">Notes</label>
      <textarea id="meta-notes" rows="2"></textarea>
    </fieldset>
    <div id="drop" class="dropzone">
      <p><strong>Drag photos or folders here</strong>, or</p>
      <label class="button secondary file-button" for="files">Choose photos
        <input id="files" type="file" multiple accept="image/*,.zip,application/zip" aria-describedby="drop-hint">
      </label>
      <p class="hint" id="drop-hint">JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIF, up to ${o.maxPhotoMb} MB each.
      Zip archives cannot be uploaded here: unpack them first, or ask an administrator to run <code>kinfinder ingest archive.zip</code>.</p>
    </div>
    <p id="form-error" class="error" role="alert" hidden></p>
    <div class="actions">
      <button id="start" class="button primary" type="submit" disabled>Upload</button>
      <button id="clear" class="button secondary" type="button" hidden>Clear finished</button>
    </div>
  </form>
  <p id="summary" class="status" role="status" aria-live="polite"></p>
  <h2 class="small-heading" id="files-heading" hidden>Files</h2>
  <ol id="file-list" class="file-list" aria-labelledby="files-heading"></ol>
</section>
`,
  });
}
