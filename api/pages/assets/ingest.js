/* global window, FormData, localStorage, document, fetch */
// `/ingest`: operators drop many photos, folders or zip archives, name the source and category,
// and follow the batch: one summary polled for the whole batch (not a request per photo, and no
// photo read), which a reload of the page picks up again from localStorage.
import { api, byId, el, formatBytes, LANG, say, show, showError, staffSignIn, t, upload } from './common.js';
import { loadBatchChoices, startPhotoList } from './ingest-photos.js';
import { loadMerges, loadPeople, setPeopleToken } from './people.js';

const BATCH_FILES = 10;
const POLL_MS = 1500;
const BATCH_KEY = 'kinfinder.ingest.batch';
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
const csvInput = byId('metadata-csv');
const recordBox = byId('record');

let token = null;
let uploading = false;
let pollTimer = null;
/** The batch summary last shown, so the recent list is fetched again only when it moved. */
let lastSummary = '';
/** The batch being uploaded or processed: {id, total, sent, form}; kept across reloads. */
let current = loadBatch();
/**
 * What the batch's photos were sent with (source, category, place, date, notes): kept with it, so
 * photos added after a reload go on with the same (a dead man's photo must not turn "unknown"
 * because the page was reloaded). The single photo's record is not kept: it describes one photo.
 */
const BATCH_FIELDS = ['source', 'category', 'meta-place', 'meta-date', 'meta-notes'];
const batchForm = () => Object.fromEntries(BATCH_FIELDS.map((id) => [id, byId(id).value]));
if (current && current.form && typeof current.form === 'object') {
  for (const id of BATCH_FIELDS) if (typeof current.form[id] === 'string') byId(id).value = current.form[id];
}
/** @type {{file: File, name: string, state: string, message: string, li: HTMLElement}[]} */
const rows = [];

const STATES = ['ready', 'uploading', 'queued', 'processing', 'done', 'failed', 'rejected', 'zip'];
const STATE_WORDS = Object.fromEntries(STATES.map((s) => [s, t(`ingest:state_${s}`)]));

const signIn = staffSignIn({
  key: 'kinfinder.operator',
  async check(t) {
    // An empty upload: an operator gets "attach at least one photo" (400), anyone else 401/403.
    const r = await api('photos', { token: t, method: 'POST', form: new FormData() });
    if (r.status === 400) return true;
    if (r.status === 401) return t('ingest:tokenInvalid');
    if (r.status === 403) return t('ingest:tokenNotOperator');
    return t('ingest:signinFailed');
  },
  onReady(value) {
    token = value;
    setPeopleToken(value);
    show(uploadSection, true);
    startPhotoList(value, () => signIn.signOut());
    void loadRecent();
    void loadMerges();
    if (current) {
      showBatchNote(
        current.sent < current.total
          ? t('ingest:batchUnsent', { count: current.total - current.sent })
          : t('ingest:batchResumed'),
      );
      schedulePoll(0);
    }
  },
});
byId('sign-out').addEventListener('click', () => signIn.signOut());

function isZip(file) {
  return /\.zip$/i.test(file.name) || /zip/.test(file.type || '');
}

function fileError(err) {
  const code = (err && err.code) || '';
  switch (code) {
    case 'unsupported_format':
    case 'empty_file':
    case 'too_many_pixels':
    case 'corrupt_image':
    case 'network':
    case 'unauthorized':
      return t(`ingest:err_${code}`);
    case 'file_too_large':
      return t('ingest:err_file_too_large', { maxMb });
    default:
      return (err && err.message) || (typeof err === 'string' ? err : t('ingest:err_unknown'));
  }
}

function addFiles(files) {
  showError(formError, '');
  for (const file of files) {
    if (!file || file.name.startsWith('.')) continue;
    const name = file.relativePath || file.webkitRelativePath || file.name;
    const li = el('li', { class: 'file-row' });
    const row = { file, name, state: 'ready', message: '', li };
    if (!isZip(file) && file.size > maxMb * 1024 * 1024) {
      row.state = 'rejected';
      row.message = t('ingest:tooLarge', { size: formatBytes(file.size), maxMb });
    }
    rows.push(row);
    list.append(li);
    paint(row);
  }
  update();
}

function paint(row, percent) {
  const words =
    row.state === 'uploading' && percent !== undefined
      ? t('ingest:uploadingPercent', { percent })
      : STATE_WORDS[row.state] || row.state;
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
  startButton.textContent = ready > 0 ? t('ingest:uploadN', { count: ready }) : t('ingest:upload');
  show(byId('files-heading'), rows.length > 0);
  // A typed record describes one person: offered only when one photo (not an archive) is to go.
  const single = rows.filter((r) => r.state === 'ready');
  show(recordBox, single.length === 1 && !isZip(single[0].file));
  const finished = rows.filter((r) => ['queued', 'done', 'failed', 'rejected'].includes(r.state)).length;
  show(clearButton, finished > 0 && !uploading);
  if (rows.length === 0) {
    summary.textContent = '';
    return;
  }
  const text = summaryText();
  if (summary.textContent !== text) summary.textContent = text;
}

/** "3 files: ready: 1, uploaded: 2.", every word from the catalogue: a Russian or Ukrainian page shows no English count line. */
function summaryText() {
  const count = (s) => rows.filter((r) => r.state === s).length;
  const parts = [];
  const add = (n, key) => n > 0 && parts.push(t(`ingest:${key}`, { count: n }));
  add(count('ready'), 'filesReady');
  add(count('uploading'), 'filesUploading');
  add(count('queued'), 'filesUploaded');
  add(count('failed') + count('rejected'), 'filesRefused');
  return t('ingest:filesSummary', { count: rows.length, parts: parts.join(', ') });
}

// The metadata CSV: one file, its name shown in the page's words (not the browser's "No file chosen").
const csvChosen = byId('metadata-csv-chosen');
const csvRemove = byId('metadata-csv-remove');
function showCsv() {
  const f = csvInput.files && csvInput.files[0];
  csvChosen.textContent = f ? f.name : t('ingest:csvNone');
  show(csvRemove, Boolean(f));
}
csvInput.addEventListener('change', () => {
  showError(formError, '');
  showCsv();
});
csvRemove.addEventListener('click', () => {
  csvInput.value = '';
  showCsv();
  csvInput.focus();
});

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
  if (!recordBox.hidden) Object.assign(m, record());
  return m;
}

/** The single photo's record (DESIGN §11 metadata fields); `;` separates several names or numbers. */
function record() {
  const r = {};
  const list = (id) =>
    byId(id)
      .value.split(';')
      .map((s) => s.trim())
      .filter(Boolean);
  const names = list('rec-names');
  const ids = list('rec-id');
  const birth = byId('rec-birth').value.trim();
  const unit = byId('rec-unit').value.trim();
  const marks = byId('rec-marks').value.trim();
  if (names.length > 0) r.names = names;
  if (birth) r.birthDate = birth;
  if (ids.length > 0) r.idNumbers = ids;
  if (unit) r.unit = unit;
  if (marks) r.marks = marks;
  return r;
}

const BIRTH_PROBLEMS = {
  future: 'Future',
  not_a_date: 'NotADate',
  no_such_month: 'NoSuchMonth',
  no_such_day: 'NoSuchDay',
  too_early: 'TooEarly',
};

/**
 * A refused record or metadata CSV, in the page's language: the server's details carry codes
 * (row, column, reason), its message stays English for scripts and is shown only when no code fits.
 */
function metadataError(err) {
  const d = err || {};
  const reason = BIRTH_PROBLEMS[d.reason];
  const problem = reason ? t(`records:problem_birthDate${reason}`) : '';
  if (typeof d.row === 'number')
    return problem
      ? t('ingest:err_metadataCsv', { row: d.row, problem })
      : t('ingest:err_metadataCsvUnreadable', { message: d.message || '' });
  if (problem) return t('ingest:err_metadata', { problem });
  if (/^metadata CSV/.test(d.message || '')) return t('ingest:err_metadataCsvUnreadable', { message: d.message });
  return t('ingest:err_metadata', { problem: d.message || t('ingest:err_unknown') });
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (uploading) return;
  const ready = rows.filter((r) => r.state === 'ready');
  if (ready.length === 0) {
    showError(formError, t('ingest:addPhotosFirst'));
    return;
  }
  void uploadAll(ready);
});

clearButton.addEventListener('click', () => {
  for (let i = rows.length - 1; i >= 0; i--) {
    if (['queued', 'done', 'failed', 'rejected'].includes(rows[i].state)) {
      rows[i].li.remove();
      rows.splice(i, 1);
    }
  }
  update();
  fileInput.focus();
});

async function uploadAll(ready) {
  showError(formError, ''); // a refusal of the last try no longer stands
  uploading = true;
  update();
  const source = byId('source').value.trim();
  const category = byId('category').value;
  const meta = metadata();
  const csv = csvInput.files && csvInput.files[0];
  if (!current || current.finished) {
    const made = await api('batches', {
      token,
      method: 'POST',
      json: { source: source || undefined, category, channel: 'page' },
    });
    if (!made.ok) {
      uploading = false;
      update();
      if (made.status === 401) return signIn.signOut();
      showError(formError, t('ingest:batchFailed'));
      return;
    }
    current = { id: made.data.id, total: 0, sent: 0 };
    // the new batch heads the list at once, not only after the next reload
    void loadRecent();
  }
  current.total += ready.length;
  current.form = batchForm();
  saveBatch();
  showBatchNote(t('ingest:batchWorking'));
  schedulePoll(0);
  say(summary, t('ingest:uploadingFiles', { count: ready.length }));
  for (let i = 0; i < ready.length; i += BATCH_FILES) {
    const group = ready.slice(i, i + BATCH_FILES);
    const body = new FormData();
    for (const r of group) body.append('file', r.file, r.name);
    body.append('batch', current.id);
    body.append('category', category);
    if (source) body.append('source', source);
    if (Object.keys(meta).length > 0) body.append('metadata', JSON.stringify(meta));
    // The whole CSV with every request: the server matches its rows to the files it holds.
    if (csv) body.append('metadataCsv', csv, csv.name);
    for (const r of group) {
      r.state = 'uploading';
      paint(r, 0);
    }
    update();
    const res = await upload('photos', body, {
      token,
      onProgress: (f) => {
        for (const r of group) paint(r, Math.round(f * 100));
      },
    });
    if (res.status === 401) {
      uploading = false;
      update();
      return signIn.signOut();
    }
    if (res.data.error && res.data.error.code === 'invalid_metadata') {
      // Refused before any file was taken: the files stay ready to go once the record is fixed.
      for (const r of ready.slice(i)) {
        r.state = 'ready';
        paint(r);
      }
      current.total -= ready.length - i;
      saveBatch();
      uploading = false;
      update();
      say(summary, summaryText()); // over the "uploading…" just announced
      showError(formError, metadataError(res.data.error));
      return;
    }
    const results = Array.isArray(res.data.photos) ? res.data.photos : null;
    // A zip file comes back as one result per photo inside it: a row per file sent, its results together.
    group.forEach((r) => {
      const mine = results
        ? results.filter((o) => o.originalName === r.name || String(o.originalName).startsWith(`${r.name}!`))
        : [];
      const refused = mine.filter((o) => !o.id);
      if (mine.length > 0 && refused.length < mine.length) {
        r.state = 'queued';
        r.message = mine.length === 1 && mine[0].duplicateOf ? t('ingest:duplicate') : t('ingest:uploadedWaiting');
      } else {
        r.state = 'rejected';
        const out = refused[0];
        r.message = fileError(out ? out.error : res.data.error || { code: res.status === 0 ? 'network' : '' });
      }
      paint(r);
    });
    current.sent += group.length;
    saveBatch();
    update();
  }
  // The record described the photo just sent; the next photo starts blank.
  for (const id of ['rec-names', 'rec-birth', 'rec-id', 'rec-unit', 'rec-marks']) byId(id).value = '';
  uploading = false;
  update();
  schedulePoll(0);
}

function loadBatch() {
  try {
    const v = JSON.parse(localStorage.getItem(BATCH_KEY) || 'null');
    return v && typeof v.id === 'string' ? v : null;
  } catch {
    return null;
  }
}

function saveBatch() {
  try {
    if (current) localStorage.setItem(BATCH_KEY, JSON.stringify(current));
    else localStorage.removeItem(BATCH_KEY);
  } catch {
    // storage refused: the batch is still followed until the page is closed
  }
}

function showBatchNote(text) {
  show(byId('batch'), true);
  byId('batch-note').textContent = text;
}

function schedulePoll(ms = POLL_MS) {
  if (pollTimer) window.clearTimeout(pollTimer);
  pollTimer = window.setTimeout(poll, ms);
}

/** One request for the whole batch: its counts by status. */
async function poll() {
  pollTimer = null;
  if (!current || !token) return;
  const res = await api(`batches/${current.id}`, { token });
  if (res.status === 404) {
    current = null;
    saveBatch();
    show(byId('batch'), false);
    return;
  }
  if (!res.ok) return schedulePoll(POLL_MS * 2);
  const b = res.data;
  const c = b.counts;
  const text = t('ingest:batchSummary', {
    files: c.files,
    done: c.done,
    failed: c.failed,
    duplicates: c.duplicates,
    waiting: c.queued + c.processing,
    faces: c.faces,
  });
  // The batch's row in "Recent batches" moves with it (not frozen at the 0 files it had when made),
  // and so do its people and the merges its new photos suggest.
  if (text !== lastSummary) {
    void loadRecent();
    void loadPeople(current.id);
    void loadMerges();
  }
  lastSummary = text;
  say(byId('batch-summary'), text);
  show(byId('batch-failures'), c.failed > 0);
  const finished = b.finished && !uploading && current.sent >= current.total;
  if (finished) {
    byId('batch-note').textContent = t('ingest:batchFinished');
    current.finished = true;
    saveBatch();
    void loadRecent();
    return;
  }
  schedulePoll();
}

byId('batch-new').addEventListener('click', () => {
  current = null;
  lastSummary = '';
  saveBatch();
  show(byId('batch'), false);
  byId('batch-summary').textContent = '';
  fileInput.focus();
});

byId('batch-failures').addEventListener('click', () => {
  if (current) void downloadFailures(current.id);
});

/** The failures CSV needs the token, so it is fetched here and handed to the browser as a file. */
async function downloadFailures(id) {
  let res;
  try {
    res = await fetch(`/api/v1/batches/${id}/failures.csv`, {
      headers: { authorization: `Bearer ${token}` },
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    return;
  }
  if (!res.ok) return;
  const url = URL.createObjectURL(await res.blob());
  const a = el('a', { href: url, download: `batch-${id}-failures.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function loadRecent() {
  const res = await api('batches?limit=10', { token });
  if (!res.ok) return;
  const items = res.data.items || [];
  show(byId('recent-empty'), items.length === 0);
  void loadBatchChoices();
  show(byId('recent-table'), items.length > 0);
  const when = new Intl.DateTimeFormat(LANG, { dateStyle: 'short', timeStyle: 'short' });
  byId('recent-body').replaceChildren(
    ...items.map((b) => {
      const failures = el('button', { class: 'button secondary small', type: 'button', text: t('ingest:failuresCsv') });
      failures.addEventListener('click', () => void downloadFailures(b.id));
      if (b.counts.failed === 0) failures.hidden = true;
      // Each cell carries its column's heading: on a phone the row is a card (style.css).
      const cell = (col, text, cls) => el('td', { 'data-label': t(`ingest:${col}`), text, class: cls });
      return el(
        'tr',
        {},
        cell('colStarted', when.format(new Date(b.createdAt))),
        cell('colSource', b.source || '—'),
        cell('colCategory', t(`ingest:category_${b.category}`)),
        cell('colFiles', String(b.counts.files), 'num'),
        cell('colDone', String(b.counts.done), 'num'),
        cell('colFailed', String(b.counts.failed), 'num'),
        cell('colDuplicates', String(b.counts.duplicates), 'num'),
        cell('colState', b.finished ? t('ingest:stateFinished') : t('ingest:stateRunning')),
        el('td', { class: 'actions-cell' }, failures),
      );
    }),
  );
}
