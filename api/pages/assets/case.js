/* global window, document */
// `/case/:id`: the case status in plain words and, once confirmed, the record; the photo only on
// request. The access code comes from the link's #fragment (never sent to the server in a URL),
// from the form, or from sessionStorage when the family chose to keep it there.
import { api, byId, el, imageUrl, plainError, say, session, show, showError, urlBag } from './common.js';

const caseId = byId('case-number').dataset.caseId;
const storeKey = `kinfinder.case.${caseId}`;
const signin = byId('signin');
const caseSection = byId('case');
const codeInput = byId('code');
const codeError = byId('code-error');
const remember = byId('remember');
const statusBox = byId('case-status');
const pageStatus = byId('page-status');
const images = urlBag();

let token = null;
let shownStatus = null;
let shownConfirmed = '';
let timer = null;

const STATUS = {
  searching: {
    title: 'We are still searching',
    text: 'No possible match has been found yet. New photos arrive all the time and are compared with your relative automatically. Please check again later.',
  },
  under_review: {
    title: 'Possible matches are being checked',
    text: 'The computer has found faces that may be your relative. Trained people are now checking them. Many suggestions turn out to be someone else, so this does not mean your relative has been found. Nothing is confirmed until the checkers agree.',
  },
  match_confirmed: {
    title: 'A match has been confirmed',
    text: 'Trained people have checked the photos and agree they show your relative. The record is below. The photo itself is shown only if you ask for it.',
  },
  closed: {
    title: 'This case is closed',
    text: 'The search for this case has ended. If you think this is a mistake, please contact the organisation that helped you.',
  },
};

function fromFragment() {
  const raw = decodeURIComponent(window.location.hash.slice(1)).trim();
  return raw || null;
}

function humanKey(k) {
  const words = k.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function humanValue(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

async function load({ fromForm = false, quiet = false } = {}) {
  if (!quiet) say(pageStatus, 'Checking your case…');
  const r = await api(`searches/${caseId}`, { token });
  if (r.ok) {
    say(pageStatus, '');
    show(signin, false);
    show(caseSection, true);
    render(r.data);
    byId('checked-at').textContent = `Last checked at ${new Date().toLocaleTimeString()}.`;
    return true;
  }
  if (r.status === 401 || r.status === 403 || r.status === 404) {
    session.remove(storeKey);
    token = null;
    show(caseSection, false);
    show(signin, true);
    say(pageStatus, '');
    showError(codeError, 'This access code does not open this case. Check that you copied all of it. If the case was deleted, the code no longer works.');
    if (fromForm) codeInput.focus();
    return false;
  }
  say(pageStatus, plainError(r, 'The case could not be loaded. Please try again.'));
  return false;
}

function render(data) {
  const s = data.search.status;
  const confirmed = data.confirmed || [];
  const key = confirmed.map((c) => c.id).join(',');
  if (s !== shownStatus) {
    shownStatus = s;
    const words = STATUS[s] || { title: 'Status unknown', text: `The case reports "${s}".` };
    statusBox.replaceChildren(el('p', { class: `badge badge-${s}`, text: words.title }), el('p', { text: words.text }));
  }
  if (key !== shownConfirmed) {
    shownConfirmed = key;
    images.release();
    const records = byId('records');
    records.replaceChildren(...confirmed.map((c, i) => record(c, i, confirmed.length)));
    show(byId('result'), confirmed.length > 0);
  }
}

function record(c, i, n) {
  const dl = el('dl', { class: 'figures' });
  const add = (k, v) => {
    if (v === '' || v === undefined || v === null) return;
    dl.append(el('dt', { text: k }), el('dd', { text: v }));
  };
  add('Where the photo comes from', c.photo.source || 'Not recorded');
  for (const [k, v] of Object.entries(c.photo.metadata || {})) add(humanKey(k), humanValue(v));
  add('File name in the archive', c.photo.originalName);

  const warnId = `photo-warning-${i}`;
  const holder = el('div', { class: 'revealed-photo', hidden: true });
  const button = el('button', { type: 'button', class: 'button secondary', 'aria-describedby': warnId, 'aria-expanded': 'false', text: 'Show photo' });
  button.addEventListener('click', async () => {
    if (!holder.hidden) {
      show(holder, false);
      button.textContent = 'Show photo';
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    if (!holder.firstChild) {
      button.disabled = true;
      say(pageStatus, 'Loading the photo…');
      const url = images.add(await imageUrl(c.photo.imageUrl, token));
      button.disabled = false;
      if (!url) {
        say(pageStatus, 'The photo could not be loaded. Please try again.');
        return;
      }
      holder.append(el('img', { src: url, alt: `The confirmed photo from the archive${c.photo.source ? `, from ${c.photo.source}` : ''}` }));
      say(pageStatus, '');
    }
    show(holder, true);
    button.textContent = 'Hide photo';
    button.setAttribute('aria-expanded', 'true');
  });

  return el(
    'article',
    { class: 'record', 'aria-label': n > 1 ? `Confirmed record ${i + 1} of ${n}` : 'Confirmed record' },
    dl,
    el('div', { class: 'warning', id: warnId }, el('p', { text: 'The photo may show your relative as a prisoner, injured, or after death. It may be very distressing. You may want to have someone with you before you look.' })),
    button,
    holder,
  );
}

function startTimer() {
  stopTimer();
  timer = window.setInterval(() => {
    if (document.visibilityState === 'visible' && token) void load({ quiet: true });
  }, 60_000);
}
function stopTimer() {
  if (timer) window.clearInterval(timer);
  timer = null;
}

async function open(t, { fromForm = false, keep = false } = {}) {
  token = t;
  const ok = await load({ fromForm });
  if (!ok) return;
  if (keep) session.set(storeKey, t);
  show(byId('forget'), session.get(storeKey) !== null);
  startTimer();
  if (fromForm) byId('status-heading').focus();
}

byId('code-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const t = codeInput.value.trim();
  if (!t) {
    showError(codeError, 'Enter your access code.');
    codeInput.focus();
    return;
  }
  showError(codeError, '');
  void open(t, { fromForm: true, keep: remember.checked });
});

byId('refresh').addEventListener('click', () => void load());

byId('forget').addEventListener('click', () => {
  session.remove(storeKey);
  show(byId('forget'), false);
  say(pageStatus, 'The access code is no longer kept in this tab.');
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
  const r = await api(`searches/${caseId}`, { token, method: 'DELETE' });
  byId('delete-yes').disabled = false;
  if (r.status === 204) {
    stopTimer();
    images.release();
    session.remove(storeKey);
    token = null;
    if (window.location.hash) window.history.replaceState(null, '', window.location.pathname);
    show(caseSection, false);
    show(byId('deleted'), true);
    byId('deleted-heading').focus();
    return;
  }
  say(pageStatus, plainError(r, 'The case could not be deleted. Please try again.'));
});

const initial = fromFragment() || session.get(storeKey);
if (initial) void open(initial);
else show(signin, true);
