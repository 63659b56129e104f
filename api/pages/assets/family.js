/* global window, navigator, FormData, document */
// `/`: a family sends 1–5 photos of one person (or, without a photo, what they know: surname,
// date of birth, ID number, unit, marks), picks the face when a photo shows several, and
// receives the case code once: large, to copy, print or save.
import { byId, el, say, show, showError, t, upload } from './common.js';
import { photoPicker, uploadErrorText } from './photos.js';

const form = byId('search-form');
// Limits come from the server (data attributes of the form), never copied here.
const MAX_PHOTOS = Number(form.dataset.maxPhotos) || 1;
const MAX_MB = Number(form.dataset.maxMb) || 20;
const picker = byId('photo-input');
const camera = byId('camera-input');
const formError = byId('form-error');
const progress = byId('upload-progress');
const sendButton = byId('send');
const status = byId('status');
const progressText = byId('progress-text');
const startSection = byId('start');
const chooseSection = byId('choose');
const doneSection = byId('done');
const SUBJECT = ['surname', 'givenName', 'patronymic', 'birthDate', 'unit', 'idNumber', 'marks', 'notes'];

let sending = false;
const list = photoPicker({
  list: byId('chosen'),
  error: formError,
  maxPhotos: MAX_PHOTOS,
  maxMb: MAX_MB,
  onChange: (photos) => {
    sendButton.textContent =
      photos.length > 1 ? t('family:start_withPhotos', { count: photos.length }) : t('family:start');
    say(status, t('family:photosChosen', { count: photos.length }));
  },
});

picker.addEventListener('change', () => {
  list.add(picker.files || []);
  picker.value = '';
});
camera.addEventListener('change', () => {
  list.add(camera.files || []);
  camera.value = '';
});

form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (sending) return;
  // Without a photo a case needs at least a surname or a document number (DESIGN §11).
  const about = aboutRelative();
  if (list.photos.length === 0 && !about.surname && !about.idNumber) {
    showError(formError, t('family:errNoPhoto'));
    /** @type {HTMLDetailsElement} */ (byId('about')).open = true;
    byId('subject-surname').focus();
    return;
  }
  void send();
});

/** What the family typed about their relative: only the fields they filled in. */
function aboutRelative() {
  /** @type {Record<string, string>} */
  const out = {};
  for (const key of SUBJECT) {
    const value = /** @type {HTMLInputElement} */ (byId(`subject-${key}`)).value.trim();
    if (value) out[key] = value;
  }
  return out;
}

/** The visible line under the progress bar; screen readers hear the same through the live region. */
function progressSay(text) {
  progressText.textContent = text;
  show(progressText, Boolean(text));
  say(status, text);
}

async function send() {
  const photos = list.photos;
  sending = true;
  sendButton.disabled = true;
  showError(formError, '');
  const body = new FormData();
  for (const p of photos) body.append('photo', p.file, p.file.name || 'photo.jpg');
  if (photos.some((p) => p.faceIndex !== undefined))
    body.append('faceIndex', photos.map((p) => (p.faceIndex === undefined ? '' : String(p.faceIndex))).join(','));
  const subject = aboutRelative();
  if (Object.keys(subject).length > 0) body.append('subject', JSON.stringify(subject));
  show(progress, true);
  progress.value = 0;
  progressSay(photos.length > 0 ? t('family:sending') : t('family:sendingDetails'));
  let announcedLooking = false;
  const result = await upload('searches', body, {
    onProgress: (fraction) => {
      progress.value = Math.round(fraction * 100);
      if (fraction >= 1 && !announcedLooking && photos.length > 0) {
        announcedLooking = true;
        progressSay(t('family:looking'));
      }
    },
  });
  show(progress, false);
  progressSay('');
  sending = false;
  sendButton.disabled = false;

  if (result.status === 201) return showDone(result.data);
  const err = result.data.error || {};
  if (err.code === 'choose_face') return showChooser(err.photoIndex ?? 0, result.data.faces || err.faces || []);
  if (err.code === 'no_such_face') for (const p of photos) delete p.faceIndex;
  showError(formError, err.code === 'no_such_face' ? t('family:errNoSuchFace') : uploadErrorText(result, photos));
  formError.scrollIntoView({ block: 'center' });
}

/** Where a face is in the photo, in words, for people who cannot see the boxes. */
function position(box, width) {
  const centre = (box.x + box.width / 2) / width;
  if (centre < 0.34) return t('family:left');
  if (centre > 0.66) return t('family:right');
  return t('family:middle');
}

function showChooser(photoIndex, faces) {
  const photo = list.photos[photoIndex];
  if (!photo || faces.length === 0) {
    showError(formError, t('family:errGroup'));
    return;
  }
  // Numbered from left to right, as a person describes a group photo; the server's index (largest
  // first) is what is sent back.
  const ordered = [...faces].sort((a, b) => a.box.x + a.box.width / 2 - (b.box.x + b.box.width / 2));
  show(startSection, false);
  show(byId('intro'), false);
  show(byId('intro-top'), false);
  show(chooseSection, true);
  byId('choose-text').textContent = t('family:chooseText', { n: photoIndex + 1, count: faces.length });
  say(status, byId('choose-text').textContent);
  const holder = byId('chooser-photo');
  const buttons = byId('chooser-buttons');
  const img = el('img', { alt: '' });
  holder.replaceChildren(img);
  buttons.replaceChildren();

  const choose = (index) => {
    photo.faceIndex = index;
    show(chooseSection, false);
    show(startSection, true);
    show(byId('intro'), true);
    show(byId('intro-top'), true);
    void send();
  };

  const draw = () => {
    const w = img.naturalWidth || 1;
    const h = img.naturalHeight || 1;
    ordered.forEach((f, i) => {
      const box = el(
        'span',
        { class: 'face-box choose', onclick: () => choose(f.index) },
        el('span', { class: 'num', text: String(i + 1) }),
      );
      box.style.left = `${(f.box.x / w) * 100}%`;
      box.style.top = `${(f.box.y / h) * 100}%`;
      box.style.width = `${(f.box.width / w) * 100}%`;
      box.style.height = `${(f.box.height / h) * 100}%`;
      holder.append(box);
      buttons.append(faceButton(f, i, w));
    });
    buttons.querySelector('button')?.focus();
  };
  const faceButton = (f, i, w) => {
    const canvas = el('canvas', { width: 96, height: 96, 'aria-hidden': 'true' });
    const pad = Math.max(f.box.width, f.box.height) * 0.25;
    const side = Math.max(f.box.width, f.box.height) + 2 * pad;
    try {
      canvas
        .getContext('2d')
        .drawImage(
          img,
          f.box.x + f.box.width / 2 - side / 2,
          f.box.y + f.box.height / 2 - side / 2,
          side,
          side,
          0,
          0,
          96,
          96,
        );
    } catch {
      // no preview: the number and position still identify the face
    }
    return el(
      'button',
      { type: 'button', class: 'face-choice', onclick: () => choose(f.index) },
      canvas,
      el('span', { text: t('family:person', { n: i + 1, where: position(f.box, w) }) }),
    );
  };
  img.addEventListener('load', draw, { once: true });
  img.addEventListener(
    'error',
    () => {
      // The browser cannot show this format: offer the choice by number and place only.
      ordered.forEach((f, i) =>
        buttons.append(
          el(
            'button',
            { type: 'button', class: 'face-choice', onclick: () => choose(f.index) },
            el('span', { text: t('family:personOnly', { n: i + 1 }) }),
          ),
        ),
      );
      buttons.querySelector('button')?.focus();
    },
    { once: true },
  );
  img.src = photo.url;
  byId('choose-heading').focus();
}

byId('choose-cancel').addEventListener('click', () => {
  for (const p of list.photos) delete p.faceIndex;
  show(chooseSection, false);
  show(startSection, true);
  show(byId('intro'), true);
  show(byId('intro-top'), true);
  say(status, '');
  picker.focus();
});

let keepWarning = false;
window.addEventListener('beforeunload', (e) => {
  if (keepWarning) e.preventDefault();
});
const stopWarning = () => {
  keepWarning = false;
};

function showDone(data) {
  const code = data.caseCode || data.accessToken;
  list.clear();
  show(startSection, false);
  show(chooseSection, false);
  show(byId('intro'), false);
  show(byId('intro-top'), false);
  byId('case-code').textContent = code;
  byId('print-code-text').textContent = code;
  byId('print-where').textContent = t('family:printWhere', { url: `${window.location.origin}/case` });
  byId('print-date').textContent = t('family:printDate', {
    date: new Date().toLocaleDateString(document.documentElement.lang),
  });
  // The code in the #fragment: the case page reads it, and it never reaches the server in a URL.
  byId('open-case').href = `/case#${code}`;
  show(doneSection, true);
  keepWarning = true;
  say(status, t('family:doneHeading'));
  byId('done-heading').focus();
}

byId('open-case').addEventListener('click', stopWarning);
byId('print-code').addEventListener('click', () => {
  stopWarning();
  window.print();
});
byId('copy-code').addEventListener('click', async () => {
  const text = byId('case-code').textContent || '';
  const copyStatus = byId('copy-status');
  try {
    await navigator.clipboard.writeText(text);
    stopWarning();
    say(copyStatus, t('family:copied'));
  } catch {
    const range = document.createRange();
    range.selectNodeContents(byId('case-code'));
    const sel = window.getSelection();
    sel?.removeAllRanges();
    sel?.addRange(range);
    say(copyStatus, t('family:copySelected'));
  }
});
