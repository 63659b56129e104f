/* global window, document, FormData */
// `/case`: the family's case, opened with the case code alone. The code comes from the link's
// #fragment (never sent to the server in a URL), from the form, or from sessionStorage when the
// family chose to keep it there. A result is told in the family's terms: for the dead, a gentle
// warning and the support contact come first, and the photo only after an explicit click.
import { api, byId, el, errorText, imageUrl, say, session, show, showError, t, upload, urlBag } from './common.js';
import { photoPicker, uploadErrorText } from './photos.js';

const STORE_KEY = 'kinfinder.case';
const signin = byId('signin');
const caseSection = byId('case');
const codeInput = byId('code');
const codeError = byId('code-error');
const remember = byId('remember');
const statusBox = byId('case-status');
const pageStatus = byId('page-status');
const ORG = caseSection.dataset.org || '';
const CONTACT = caseSection.dataset.contact || '';
const SUBJECT = ['surname', 'givenName', 'patronymic', 'birthDate', 'unit', 'idNumber', 'marks', 'notes'];
const images = urlBag();

let code = null;
let shownStatus = null;
let shownConfirmed = '';
let timer = null;

/**
 * The family's status (DESIGN §14): `open` until a result is confirmed, whether or not the
 * archive holds candidates; then `answered`, with a lead-in that fits the news it brings (only
 * the death notice asks the family to read it with someone close to them).
 */
const LEAD = { deceased: 'case:leadDeceased', prisoner: 'case:leadPrisoner', unknown: 'case:leadUnknown' };
function statusWords(status, confirmed) {
  if (status !== 'answered') return ['case:openTitle', 'case:openText'];
  const kinds = confirmed.map((c) => c.category);
  const lead = kinds.includes('deceased') ? LEAD.deceased : kinds.includes('prisoner') ? LEAD.prisoner : LEAD.unknown;
  return ['case:answeredTitle', lead];
}

/** Crockford base32 as the server reads it: case, dashes and spaces ignored, I/L → 1, O → 0. */
function normalize(typed) {
  const s = typed
    .toUpperCase()
    .replace(/[\s\u00a0\-\u2010-\u2015\u2212_.]/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  return /^[0-9A-HJKMNP-TV-Z]{12}$/.test(s) ? `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}` : null;
}

function fromFragment() {
  let raw;
  try {
    raw = decodeURIComponent(window.location.hash.slice(1)).trim();
  } catch {
    raw = '';
  }
  // Take the code out of the address bar: it should not stay in the history or a shared screenshot.
  if (raw) window.history.replaceState(null, '', window.location.pathname);
  return raw || null;
}

async function load({ fromForm = false, quiet = false } = {}) {
  if (!quiet) say(pageStatus, t('case:checking'));
  const r = await api('case', { token: code });
  if (r.ok) {
    say(pageStatus, '');
    show(signin, false);
    show(caseSection, true);
    render(r.data);
    byId('checked-at').textContent = t('case:checkedAt', {
      time: new Date().toLocaleTimeString(document.documentElement.lang),
    });
    return true;
  }
  if (r.status === 401 || r.status === 403 || r.status === 404) {
    session.remove(STORE_KEY);
    code = null;
    show(caseSection, false);
    show(signin, true);
    say(pageStatus, '');
    showError(codeError, t('case:errWrong'));
    if (fromForm) codeInput.focus();
    return false;
  }
  // Waiting after too many wrong codes, or no connection: said where the family is looking.
  if (caseSection.hidden) {
    show(signin, true);
    showError(codeError, errorText(r.data));
  } else say(pageStatus, errorText(r.data));
  return false;
}

function render(data) {
  const s = data.search.status;
  const confirmed = data.confirmed || [];
  const answered = s === 'answered';
  // A new approved event changes what is shown as much as a new result does.
  const key = confirmed.map((c) => `${c.id}:${c.status}:${(c.history || []).length}`).join(',');
  const photos = data.referencePhotos || 0;
  byId('photos-given').textContent = photos > 0 ? t('case:photosGiven', { count: photos }) : t('case:noPhotosGiven');
  // "More photos can help" reads wrong to a family who has sent none: their own sentence says it.
  show(byId('add-text'), photos > 0);
  // Under a final result there is nothing more to send (DESIGN §14): no "add photos".
  show(byId('add-section'), !answered);
  renderNotices(data.notices || []);
  const statusKey = `${s}:${confirmed.map((c) => c.category).join(',')}`;
  if (statusKey !== shownStatus) {
    shownStatus = statusKey;
    const [title, text] = statusWords(s, confirmed);
    statusBox.replaceChildren(el('p', { class: `badge badge-${s}`, text: t(title) }), el('p', { text: t(text) }));
  }
  if (key !== shownConfirmed) {
    shownConfirmed = key;
    images.release();
    byId('records').replaceChildren(...confirmed.map((c, i) => record(c, i, confirmed.length)));
    show(byId('result'), confirmed.length > 0);
  }
  fillDetails(data.subject || {});
}

/** A result taken back (reopened, or its photo withdrawn): said first, with whom to call. */
let shownNotices = '';
function renderNotices(notices) {
  const box = byId('notices');
  const key = JSON.stringify(notices);
  if (key === shownNotices) return;
  shownNotices = key;
  const rechecked = notices.find((n) => n.kind === 'result_rechecked');
  // What became of him changed since the family's result (issue 26): the news is in the result's history.
  const changed = notices.filter((n) => n.kind === 'status_changed').at(-1);
  if (!rechecked && changed) {
    const on = new Date(changed.at).toLocaleDateString(document.documentElement.lang, {
      year: 'numeric',
      month: 'long',
      day: 'numeric',
    });
    box.replaceChildren(
      el(
        'div',
        { class: 'notice-status', role: 'status' },
        el('p', { text: t('case:noticeStatusChanged', { date: on }) }),
      ),
    );
    show(box, true);
    return;
  }
  if (!rechecked) {
    box.replaceChildren();
    show(box, false);
    return;
  }
  const date = new Date(rechecked.at).toLocaleDateString(document.documentElement.lang, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  });
  const call =
    ORG && CONTACT
      ? t('case:noticeCall', { org: ORG, contact: CONTACT })
      : CONTACT
        ? t('case:noticeCallContact', { contact: CONTACT })
        : t('case:noticeCallNoContact');
  box.replaceChildren(
    el(
      'div',
      { class: 'warning notice-rechecked', role: 'alert' },
      el('h2', { text: t('case:noticeTitle') }),
      el('p', { text: t('case:noticeText', { date }) }),
      el('p', { class: 'support', text: call }),
    ),
  );
  show(box, true);
}

/** The support line: the organisation and how to reach a person. */
function support() {
  const text =
    ORG && CONTACT
      ? t('case:support', { org: ORG, contact: CONTACT })
      : CONTACT
        ? t('case:supportContact', { contact: CONTACT })
        : t('case:supportNoContact');
  return el('p', { class: 'support', text });
}

const WORDS = {
  prisoner: { title: 'case:prisonerTitle', text: 'case:prisonerText', photo: 'case:prisonerPhotoWarning' },
  deceased: { title: 'case:deceasedTitle', text: 'case:deceasedText', photo: 'case:deceasedPhotoWarning' },
  unknown: { title: 'case:unknownTitle', text: 'case:unknownText', photo: 'case:unknownPhotoWarning' },
};
/** How the result was reached decides the words: "compared your photos" only when a face was compared. */
const REACHED = ['photo', 'record', 'both'];

/**
 * What the checkers say: the standard sentence in the family's language first; beneath it, marked
 * as theirs, the verifier's own words (they may have written in another language).
 */
function message(c) {
  const standard = c.defaultMessage || c.familyMessage;
  const own = c.verifierMessage && c.verifierMessage.trim() !== (standard || '').trim() ? c.verifierMessage : null;
  return el(
    'div',
    { class: 'family-message' },
    el('h4', { text: t('case:messageHeading') }),
    el('p', { class: 'message standard', text: standard }),
    own ? el('p', { class: 'hint verifier-words-label', text: t('case:verifierWords') }) : null,
    own ? el('blockquote', { class: 'verifier-words' }, el('p', { text: own })) : null,
  );
}

/** An event's date as the archive knows it (a year, a month, or a day), in the page's language. */
function eventDate(date) {
  const [y, m, d] = date.split('-').map(Number);
  const lang = document.documentElement.lang;
  if (d)
    return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(lang, {
      timeZone: 'UTC',
      year: 'numeric',
      month: 'long',
      day: 'numeric',
    });
  if (m)
    return new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString(lang, {
      timeZone: 'UTC',
      year: 'numeric',
      month: 'long',
    });
  return String(y);
}

/** What became of him since (approved events only, newest first), and his status now. */
function history(c) {
  if (!c.history || c.history.length === 0) return null;
  const what = (kind) => t(`case:event_${kind}`);
  const items = c.history.map((e) =>
    el('li', {
      text: t(e.place ? 'case:eventLinePlace' : 'case:eventLine', {
        date: eventDate(e.date),
        what: what(e.kind),
        place: e.place,
      }),
    }),
  );
  const parts = [
    el('h4', { text: t('case:historyHeading') }),
    el('p', { class: 'status-now', text: t('case:statusNow', { status: what(c.status) }) }),
  ];
  if (c.status === 'died')
    parts.push(el('div', { class: 'gentle', role: 'note' }, el('p', { text: t('case:statusDiedText') }), support()));
  parts.push(el('ul', { class: 'history' }, ...items));
  return el('div', { class: 'person-history' }, ...parts);
}

function record(c, i, n) {
  const words = WORDS[c.category] || WORDS.unknown;
  const reached = REACHED.includes(c.reachedBy) ? c.reachedBy : 'photo';
  const text = `${words.text}_${reached}`;
  const warnId = `photo-warning-${i}`;
  const holder = el('div', { class: 'revealed-photo', hidden: true });
  const button = el('button', {
    type: 'button',
    class: 'button secondary',
    'aria-describedby': warnId,
    'aria-expanded': 'false',
    text: t('case:showPhoto'),
  });
  button.addEventListener('click', async () => {
    if (!holder.hidden) {
      show(holder, false);
      button.textContent = t('case:showPhoto');
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    if (!holder.firstChild) {
      button.disabled = true;
      say(pageStatus, t('case:photoLoading'));
      const url = images.add(await imageUrl(c.photoUrl, code));
      button.disabled = false;
      if (!url) {
        say(pageStatus, t('case:photoFailed'));
        return;
      }
      holder.append(el('img', { src: url, alt: t('case:photoAlt') }));
      say(pageStatus, '');
    }
    show(holder, true);
    button.textContent = t('case:hidePhoto');
    button.setAttribute('aria-expanded', 'true');
  });
  const confirmedOn = new Date(c.confirmedAt).toLocaleDateString(document.documentElement.lang, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  });
  const parts = [el('h3', { text: t(words.title) })];
  if (c.category === 'deceased') {
    // The hardest news: the words first, then a person to talk to, before anything else.
    parts.push(el('div', { class: 'gentle', role: 'note' }, el('p', { text: t(text) }), support()));
  } else {
    parts.push(el('p', { text: t(text) }));
  }
  parts.push(message(c), el('p', { class: 'hint', text: t('case:confirmedOn', { date: confirmedOn }) }));
  const since = history(c);
  if (since) parts.push(since);
  if (c.category !== 'deceased') parts.push(support());
  parts.push(el('div', { class: 'warning', id: warnId }, el('p', { text: t(words.photo) })), button, holder);
  return el(
    'article',
    {
      class: `record record-${c.category}`,
      'aria-label': n > 1 ? t('case:resultN', { n: i + 1, count: n }) : t('case:resultHeading'),
    },
    ...parts,
  );
}

function startTimer() {
  stopTimer();
  timer = window.setInterval(() => {
    if (document.visibilityState === 'visible' && code) void load({ quiet: true });
  }, 60_000);
}
function stopTimer() {
  if (timer) window.clearInterval(timer);
  timer = null;
}

async function open(c, { fromForm = false, keep = false } = {}) {
  code = c;
  const ok = await load({ fromForm });
  if (!ok) return;
  if (keep) session.set(STORE_KEY, c);
  byId('code-shown').textContent = t('case:yourCode', { code: c });
  startTimer();
  if (fromForm) byId('status-heading').focus();
}

byId('code-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const typed = codeInput.value.trim();
  if (!typed) {
    showError(codeError, t('case:errEmpty'));
    codeInput.focus();
    return;
  }
  const c = normalize(typed);
  if (!c) {
    showError(codeError, t('case:errShape'));
    codeInput.focus();
    return;
  }
  showError(codeError, '');
  void open(c, { fromForm: true, keep: remember.checked });
});

byId('refresh').addEventListener('click', () => void load());

// More photos, later.
const addForm = byId('add-form');
const addError = byId('add-error');
const addSend = byId('add-send');
const addInput = byId('photo-input');
const list = photoPicker({
  list: byId('chosen'),
  error: addError,
  maxPhotos: Number(addForm.dataset.maxPhotos) || 1,
  maxMb: Number(addForm.dataset.maxMb) || 20,
  onChange: (photos) => show(addSend, photos.length > 0),
});
addInput.addEventListener('change', () => {
  list.add(addInput.files || []);
  addInput.value = '';
});
addForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const photos = list.photos;
  if (photos.length === 0) return;
  addSend.disabled = true;
  showError(addError, '');
  say(byId('add-status'), t('family:sending'));
  const body = new FormData();
  for (const p of photos) body.append('photo', p.file, p.file.name || 'photo.jpg');
  const r = await upload('case/photos', body, { token: code });
  addSend.disabled = false;
  if (r.status === 201) {
    list.clear();
    say(byId('add-status'), t('case:added', { count: r.data.added }));
    void load({ quiet: true });
    return;
  }
  say(byId('add-status'), '');
  const err = (r.data && r.data.error) || {};
  if (err.code === 'choose_face' && typeof err.photoIndex === 'number') {
    showError(addError, uploadErrorText({ data: { error: { ...err, message: t('family:errGroup') } } }, photos));
  } else showError(addError, uploadErrorText(r, photos));
});

// Corrections to the details: the form shows what is on record (GET /case `subject`), only fields
// the family changed are sent, and a field they emptied is sent as null, which clears it.
let onRecord = null;
let detailsDirty = false;
const detailsForm = byId('details-form');
detailsForm.addEventListener('input', () => {
  detailsDirty = true;
});
function fillDetails(subject) {
  // Never under the family's fingers: a refresh while they type leaves their typing alone.
  if (detailsDirty && onRecord) return;
  onRecord = {};
  for (const key of SUBJECT) {
    const value = typeof subject[key] === 'string' ? subject[key] : '';
    onRecord[key] = value;
    /** @type {HTMLInputElement} */ (byId(`details-${key}`)).value = value;
  }
  detailsDirty = false;
}
detailsForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  /** @type {Record<string, string | null>} */
  const changes = {};
  for (const key of SUBJECT) {
    const value = /** @type {HTMLInputElement} */ (byId(`details-${key}`)).value.trim();
    const was = (onRecord && onRecord[key]) || '';
    if (value === was) continue;
    changes[key] = value === '' ? null : value;
  }
  if (Object.keys(changes).length === 0) {
    say(byId('details-status'), t('case:detailsUnchanged'));
    return;
  }
  const r = await api('case/subject', { token: code, method: 'PATCH', json: changes });
  if (r.ok) {
    showError(byId('details-error'), '');
    detailsDirty = false;
    fillDetails(r.data.subject || {});
    say(byId('details-status'), t('case:detailsSaved'));
  } else showError(byId('details-error'), errorText(r.data));
});

byId('forget').addEventListener('click', () => {
  stopTimer();
  images.release();
  onRecord = null;
  detailsDirty = false;
  session.remove(STORE_KEY);
  code = null;
  show(caseSection, false);
  show(signin, true);
  codeInput.value = '';
  say(pageStatus, t('case:forgotten'));
});

byId('delete').addEventListener('click', () => {
  show(byId('delete-confirm'), true);
  byId('delete-no').focus();
});
byId('delete-no').addEventListener('click', () => {
  show(byId('delete-confirm'), false);
  byId('delete').focus();
});
byId('delete-yes').addEventListener('click', async () => {
  byId('delete-yes').disabled = true;
  const r = await api('case', { token: code, method: 'DELETE' });
  byId('delete-yes').disabled = false;
  if (r.status === 204) {
    stopTimer();
    images.release();
    session.remove(STORE_KEY);
    code = null;
    show(caseSection, false);
    show(byId('deleted'), true);
    byId('deleted-heading').focus();
    return;
  }
  say(pageStatus, errorText(r.data));
});

const initial = fromFragment() || session.get(STORE_KEY);
if (initial) {
  const c = normalize(initial);
  // An older kf_ token in a saved link still opens its case.
  void open(c || initial, { keep: Boolean(session.get(STORE_KEY)) });
} else show(signin, true);

// A notice that there is news (DESIGN §20): an e-mail address the family leaves, and stopping them.
const notifyStatus = byId('notify-status');
const notifyError = byId('notify-error');
byId('notify-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const email = /** @type {HTMLInputElement} */ (byId('notify-email')).value.trim();
  showError(notifyError, '');
  say(notifyStatus, '');
  if (!email) {
    showError(notifyError, t('notices:emailEmpty'));
    return;
  }
  const r = await api('case/notify', { token: code, method: 'POST', json: { email } });
  if (r.ok) {
    /** @type {HTMLInputElement} */ (byId('notify-email')).value = '';
    say(notifyStatus, t('notices:emailSaved'));
  } else showError(notifyError, errorText(r.data));
});
byId('notify-stop').addEventListener('click', async () => {
  showError(notifyError, '');
  const r = await api('case/notify', { token: code, method: 'DELETE' });
  if (r.ok) say(notifyStatus, t('notices:stopped'));
  else showError(notifyError, errorText(r.data));
});
