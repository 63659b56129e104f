/* global window, FormData */
// `/ingest`: operators drop many photos (or folders), name the source, and watch each file being
// uploaded, queued and processed. Zip archives go through `kinfinder ingest` instead.
import { api, byId, el, formatBytes, say, show, showError, staffSignIn, upload } from './common.js';

const BATCH_FILES = 10;
const POLL_MS = 1500;
const POLL_AT_ONCE = 8;
const uploadSection = byId('upload');
const maxMb = Number(uploadSection.dataset.maxMb) || 20;
const form = byId('ingest-form');
const fileInput = byId('files');
const drop = byId('drop');
const list = byId('file-list');
const summary = byId('summary');
const startButton = byId('start');
const clearButton = byId('clear');
const formError = byId('form-error');

let token = null;
let uploading = false;
let pollTimer = null;
/** @type {{file: File, name: string, state: string, message: string, id?: string, li: HTMLElement, polled: number}[]} */
const rows = [];

const ZIP_MESSAGE = 'zip archives cannot be uploaded on this page. Unpack it and drop the photos (or the folder) here, or ask an administrator to run "kinfinder ingest" with the zip file.';

const STATE_WORDS = {
  ready: 'Ready to upload',
  uploading: 'Uploading',
  queued: 'Uploaded, waiting to be processed',
  processing: 'Looking for faces…',
  done: 'Done',
  failed: 'Failed',
  rejected: 'Not accepted',
  zip: 'Not uploaded',
};

const signIn = staffSignIn({
  key: 'kinfinder.operator',
  async check(t) {
    // An empty upload: an operator gets "attach at least one photo" (400), anyone else 401/403.
    const r = await api('photos', { token: t, method: 'POST', form: new FormData() });
    if (r.status === 400) return true;
    if (r.status === 401) return 'This token is not valid. Check that you copied all of it.';
    if (r.status === 403) return 'This token is not an operator token.';
    return 'Sign-in failed. Please try again.';
  },
  onReady(t) {
    token = t;
    show(uploadSection, true);
  },
});
byId('sign-out').addEventListener('click', () => signIn.signOut());

function isZip(file) {
  return /\.zip$/i.test(file.name) || /zip/.test(file.type || '');
}

function fileError(err, row) {
  const code = (err && err.code) || '';
  switch (code) {
    case 'unsupported_format':
      return isZip(row.file) ? ZIP_MESSAGE : 'Not a photo format we can read. Use JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIF.';
    case 'empty_file':
      return 'The file is empty.';
    case 'file_too_large':
      return `The file is too large. The limit is ${maxMb} MB per photo.`;
    case 'too_many_pixels':
      return 'The photo has too many pixels to be processed safely. Upload a smaller copy.';
    case 'corrupt_image':
      return 'The photo is damaged and cannot be opened.';
    case 'network':
      return 'The connection failed during the upload. Try again.';
    case 'unauthorized':
      return 'Your sign-in is no longer valid. Sign in again and retry.';
    default:
      return (err && err.message) || (typeof err === 'string' ? err : 'Something went wrong with this file.');
  }
}

function addFiles(files) {
  showError(formError, '');
  for (const file of files) {
    if (!file || file.name.startsWith('.')) continue;
    const name = file.relativePath || file.webkitRelativePath || file.name;
    const li = el('li', { class: 'file-row' });
    const row = { file, name, state: 'ready', message: '', li, polled: 0 };
    if (isZip(file)) {
      row.state = 'zip';
      row.message = ZIP_MESSAGE;
    } else if (file.size > maxMb * 1024 * 1024) {
      row.state = 'rejected';
      row.message = `Too large (${formatBytes(file.size)}). The limit is ${maxMb} MB per photo.`;
    }
    rows.push(row);
    list.append(li);
    paint(row);
  }
  update();
}

function paint(row, percent) {
  const words = row.state === 'uploading' && percent !== undefined ? `Uploading ${percent}%` : STATE_WORDS[row.state] || row.state;
  row.li.className = `file-row state-${row.state}`;
  row.li.replaceChildren(
    el('span', { class: 'file-name', text: row.name }),
    el('span', { class: 'file-size', text: formatBytes(row.file.size) }),
    el('span', { class: 'file-state', text: row.message ? `${words}: ${row.message}` : words }),
  );
}

function update() {
  const count = (s) => rows.filter((r) => r.state === s).length;
  const ready = count('ready');
  startButton.disabled = uploading || ready === 0;
  startButton.textContent = ready > 0 ? `Upload ${ready} ${ready === 1 ? 'photo' : 'photos'}` : 'Upload';
  show(byId('files-heading'), rows.length > 0);
  const finished = rows.filter((r) => ['done', 'failed', 'rejected', 'zip'].includes(r.state)).length;
  show(clearButton, finished > 0 && !uploading);
  if (rows.length === 0) {
    summary.textContent = '';
    return;
  }
  const parts = [];
  const add = (n, words) => n > 0 && parts.push(`${n} ${words}`);
  add(ready, 'ready');
  add(count('uploading'), 'uploading');
  add(count('queued') + count('processing'), 'being processed');
  add(count('done'), 'done');
  add(count('failed') + count('rejected') + count('zip'), 'not accepted or failed');
  const text = `${rows.length} ${rows.length === 1 ? 'file' : 'files'}: ${parts.join(', ')}.`;
  if (summary.textContent !== text) summary.textContent = text;
}

fileInput.addEventListener('change', () => {
  addFiles([...(fileInput.files || [])]);
  fileInput.value = '';
});

// Drag and drop, folders included (read through the entries API where the browser has it).
for (const type of ['dragenter', 'dragover']) {
  drop.addEventListener(type, (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
}
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', async (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const dt = e.dataTransfer;
  if (!dt) return;
  const entries = [...(dt.items || [])].map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null));
  if (entries.length > 0 && entries.every(Boolean)) {
    const files = [];
    for (const entry of entries) await walk(entry, '', files);
    addFiles(files);
  } else addFiles([...dt.files]);
  say(summary, summary.textContent);
});

async function walk(entry, prefix, out) {
  if (entry.isFile) {
    const file = await new Promise((resolve) => entry.file(resolve, () => resolve(null)));
    if (file) {
      file.relativePath = prefix + file.name;
      out.push(file);
    }
    return;
  }
  if (!entry.isDirectory) return;
  const reader = entry.createReader();
  for (;;) {
    const batch = await new Promise((resolve) => reader.readEntries(resolve, () => resolve([])));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, `${prefix}${entry.name}/`, out);
  }
}

function metadata() {
  const m = {};
  const place = byId('meta-place').value.trim();
  const date = byId('meta-date').value.trim();
  const notes = byId('meta-notes').value.trim();
  if (place) m.location = place;
  if (date) m.date = date;
  if (notes) m.notes = notes;
  return m;
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (uploading) return;
  const ready = rows.filter((r) => r.state === 'ready');
  if (ready.length === 0) {
    showError(formError, 'Add some photos first.');
    return;
  }
  void uploadAll(ready);
});

clearButton.addEventListener('click', () => {
  for (let i = rows.length - 1; i >= 0; i--) {
    if (['done', 'failed', 'rejected', 'zip'].includes(rows[i].state)) {
      rows[i].li.remove();
      rows.splice(i, 1);
    }
  }
  update();
  fileInput.focus();
});

async function uploadAll(ready) {
  uploading = true;
  update();
  const source = byId('source').value.trim();
  const meta = metadata();
  say(summary, `Uploading ${ready.length} ${ready.length === 1 ? 'photo' : 'photos'}…`);
  for (let i = 0; i < ready.length; i += BATCH_FILES) {
    const batch = ready.slice(i, i + BATCH_FILES);
    const body = new FormData();
    for (const r of batch) body.append('file', r.file, r.name);
    if (source) body.append('source', source);
    if (Object.keys(meta).length > 0) body.append('metadata', JSON.stringify(meta));
    for (const r of batch) {
      r.state = 'uploading';
      paint(r, 0);
    }
    update();
    const res = await upload('photos', body, {
      token,
      onProgress: (f) => {
        for (const r of batch) paint(r, Math.round(f * 100));
      },
    });
    const results = Array.isArray(res.data.photos) ? res.data.photos : null;
    batch.forEach((r, j) => {
      const out = results ? results[j] : null;
      if (out && out.id) {
        r.id = out.id;
        r.state = out.status === 'done' ? 'done' : out.status === 'failed' ? 'failed' : out.status === 'processing' ? 'processing' : 'queued';
        r.message = out.duplicateOf ? 'already in the archive (uploaded before)' : '';
      } else {
        r.state = 'rejected';
        r.message = fileError(out ? out.error : res.data.error || { code: res.status === 0 ? 'network' : '' }, r);
      }
      paint(r);
    });
    if (res.status === 401) {
      uploading = false;
      update();
      return signIn.signOut();
    }
    update();
  }
  uploading = false;
  update();
  schedulePoll();
}

function schedulePoll() {
  if (pollTimer) return;
  pollTimer = window.setTimeout(poll, POLL_MS);
}

async function poll() {
  pollTimer = null;
  const pending = rows.filter((r) => r.id && (r.state === 'queued' || r.state === 'processing')).sort((a, b) => a.polled - b.polled);
  if (pending.length === 0) return;
  await Promise.all(
    pending.slice(0, POLL_AT_ONCE).map(async (r) => {
      r.polled = Date.now();
      const res = await api(`photos/${r.id}`, { token });
      if (!res.ok) return;
      const p = res.data;
      const dup = r.message.startsWith('already') ? 'already in the archive; ' : '';
      if (p.status === 'done') {
        const n = (p.faces || []).length;
        r.state = 'done';
        r.message = dup + (n === 0 ? 'no face found in this photo' : `${n} ${n === 1 ? 'face' : 'faces'} found`);
      } else if (p.status === 'failed') {
        r.state = 'failed';
        r.message = fileError(p.error, r);
      } else {
        r.state = p.status;
      }
      paint(r);
    }),
  );
  update();
  schedulePoll();
}
