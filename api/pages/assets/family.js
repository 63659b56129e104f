/* global window, navigator, FormData, document */
// `/`: a family sends 1–5 photos of one person, picks the face when a photo shows several, and
// receives the case link and access code once.
import { byId, el, plainError, say, show, showError, upload } from './common.js';

// Limits come from the server (data attributes of the form), never copied here.
const MAX_PHOTOS = Number(byId('search-form').dataset.maxPhotos) || 1;
const form = byId('search-form');
const picker = byId('photo-input');
const camera = byId('camera-input');
const chosen = byId('chosen');
const formError = byId('form-error');
const progress = byId('upload-progress');
const sendButton = byId('send');
const status = byId('status');
const progressText = byId('progress-text');
const startSection = byId('start');
const chooseSection = byId('choose');
const doneSection = byId('done');

/** @type {{file: File, url: string, faceIndex?: number}[]} */
let photos = [];
let sending = false;

function addFiles(list) {
  showError(formError, '');
  let dropped = 0;
  for (const file of list) {
    if (photos.length >= MAX_PHOTOS) {
      dropped++;
      continue;
    }
    photos.push({ file, url: URL.createObjectURL(file) });
  }
  if (dropped > 0) showError(formError, `You can send at most ${MAX_PHOTOS} photos. ${dropped === 1 ? 'One photo was' : `${dropped} photos were`} not added.`);
  render();
  say(status, `${photos.length} ${photos.length === 1 ? 'photo' : 'photos'} chosen.`);
}

function removePhoto(i) {
  const [p] = photos.splice(i, 1);
  if (p) URL.revokeObjectURL(p.url);
  render();
  say(status, `Photo removed. ${photos.length} ${photos.length === 1 ? 'photo' : 'photos'} chosen.`);
  (chosen.querySelector('button') || picker).focus();
}

function render() {
  chosen.replaceChildren(
    ...photos.map((p, i) =>
      el(
        'li',
        { class: 'chosen-item' },
        el('img', { src: p.url, alt: `Photo ${i + 1}` }),
        el('span', { class: 'name', text: `${i + 1}. ${p.file.name || 'photo'}` }),
        el('button', { type: 'button', class: 'button secondary small', 'aria-label': `Remove photo ${i + 1}`, text: 'Remove', onclick: () => removePhoto(i) }),
      ),
    ),
  );
  sendButton.textContent = photos.length > 1 ? `Start the search with ${photos.length} photos` : 'Start the search';
}

picker.addEventListener('change', () => {
  addFiles(picker.files || []);
  picker.value = '';
});
camera.addEventListener('change', () => {
  addFiles(camera.files || []);
  camera.value = '';
});

form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (sending) return;
  if (photos.length === 0) {
    showError(formError, 'Choose at least one photo of your relative.');
    picker.focus();
    return;
  }
  void send();
});

/** What the family typed about their relative: only the fields they filled in. */
function aboutRelative() {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [key, id] of [['name', 'subject-name'], ['born', 'subject-born'], ['details', 'subject-details']]) {
    const value = /** @type {HTMLInputElement} */ (byId(id)).value.trim();
    if (value) out[key] = value;
  }
  return out;
}

async function send() {
  sending = true;
  sendButton.disabled = true;
  showError(formError, '');
  const body = new FormData();
  for (const p of photos) body.append('photo', p.file, p.file.name || 'photo.jpg');
  if (photos.some((p) => p.faceIndex !== undefined)) body.append('faceIndex', photos.map((p) => (p.faceIndex === undefined ? '' : String(p.faceIndex))).join(','));
  const subject = aboutRelative();
  if (Object.keys(subject).length > 0) body.append('subject', JSON.stringify(subject));
  show(progress, true);
  progress.value = 0;
  progressSay('Sending your photos. On a slow connection this can take a few minutes.');
  let announcedLooking = false;
  const result = await upload('searches', body, {
    onProgress: (fraction) => {
      progress.value = Math.round(fraction * 100);
      if (fraction >= 1 && !announcedLooking) {
        announcedLooking = true;
        progressSay('Photos sent. Looking for the face in each photo…');
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
  say(status, '');
  if (err.code === 'no_face') {
    const n = (err.photoIndex ?? 0) + 1;
    showError(formError, `We could not find a face in photo ${n}. Please remove it and choose a photo where the face can be seen clearly.`);
  } else if (err.code === 'no_such_face') {
    for (const p of photos) delete p.faceIndex;
    showError(formError, 'The face you chose could not be used. Please try again.');
  } else {
    showError(formError, plainError(result, 'The photos could not be sent.'));
  }
  formError.scrollIntoView({ block: 'center' });
}

function position(box, width) {
  const centre = (box.x + box.width / 2) / width;
  if (centre < 0.34) return 'on the left';
  if (centre > 0.66) return 'on the right';
  return 'in the middle';
}

function showChooser(photoIndex, faces) {
  const photo = photos[photoIndex];
  if (!photo || faces.length === 0) {
    showError(formError, 'One photo shows several people. Please use a photo where your relative is alone, or crop it.');
    return;
  }
  show(startSection, false);
  show(byId('intro'), false);
  show(chooseSection, true);
  byId('choose-text').textContent =
    photos.length > 1
      ? `Photo ${photoIndex + 1} shows ${faces.length} people. Tap the face of your relative.`
      : `This photo shows ${faces.length} people. Tap the face of your relative.`;
  say(status, `Photo ${photoIndex + 1} shows ${faces.length} people. Choose which one is your relative.`);
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
    void send();
  };

  const draw = () => {
    const w = img.naturalWidth || 1;
    const h = img.naturalHeight || 1;
    faces.forEach((f, i) => {
      const box = el('span', { class: 'face-box choose', onclick: () => choose(f.index) }, el('span', { class: 'num', text: String(i + 1) }));
      box.style.left = `${(f.box.x / w) * 100}%`;
      box.style.top = `${(f.box.y / h) * 100}%`;
      box.style.width = `${(f.box.width / w) * 100}%`;
      box.style.height = `${(f.box.height / h) * 100}%`;
      holder.append(box);
      buttons.append(faceButton(f, i, w, h));
    });
    buttons.querySelector('button')?.focus();
  };
  const faceButton = (f, i, w, _h) => {
    const canvas = el('canvas', { width: 96, height: 96, 'aria-hidden': 'true' });
    const pad = Math.max(f.box.width, f.box.height) * 0.25;
    const side = Math.max(f.box.width, f.box.height) + 2 * pad;
    try {
      canvas.getContext('2d').drawImage(img, f.box.x + f.box.width / 2 - side / 2, f.box.y + f.box.height / 2 - side / 2, side, side, 0, 0, 96, 96);
    } catch {
      // no preview: the number and position still identify the face
    }
    return el('button', { type: 'button', class: 'face-choice', onclick: () => choose(f.index) }, canvas, el('span', { text: `Person ${i + 1}, ${position(f.box, w)}` }));
  };
  img.addEventListener('load', draw, { once: true });
  img.addEventListener(
    'error',
    () => {
      // The browser cannot show this format: offer the choice by number and place only.
      faces.forEach((f, i) => buttons.append(el('button', { type: 'button', class: 'face-choice', onclick: () => choose(f.index) }, el('span', { text: `Person ${i + 1} (largest first)` }))));
      buttons.querySelector('button')?.focus();
    },
    { once: true },
  );
  img.src = photo.url;
  byId('choose-heading').focus();
}

byId('choose-cancel').addEventListener('click', () => {
  for (const p of photos) delete p.faceIndex;
  show(chooseSection, false);
  show(startSection, true);
  show(byId('intro'), true);
  say(status, '');
  picker.focus();
});

let keepWarning = false;
window.addEventListener('beforeunload', (e) => {
  if (keepWarning) e.preventDefault();
});

/** The visible line under the progress bar; screen readers hear the same through the live region. */
function progressSay(text) {
  progressText.textContent = text;
  show(progressText, Boolean(text));
  say(status, text);
}

function showDone(data) {
  const id = data.search.id;
  const token = data.accessToken;
  const link = `${window.location.origin}/case/${id}#${token}`;
  for (const p of photos) URL.revokeObjectURL(p.url);
  photos = [];
  render();
  show(startSection, false);
  show(chooseSection, false);
  show(byId('intro'), false);
  const a = byId('case-link');
  a.href = link;
  a.textContent = link;
  byId('case-id').textContent = id;
  byId('case-token').textContent = token;
  byId('open-case').href = `/case/${id}#${token}`;
  show(doneSection, true);
  keepWarning = true;
  say(status, 'Your case has been created. Keep the link and access code safe.');
  byId('done-heading').focus();
}

const stopWarning = () => {
  keepWarning = false;
};
byId('open-case').addEventListener('click', stopWarning);
byId('case-link').addEventListener('click', stopWarning);
byId('copy-link').addEventListener('click', async () => {
  const text = byId('case-link').textContent || '';
  const copyStatus = byId('copy-status');
  try {
    await navigator.clipboard.writeText(text);
    stopWarning();
    say(copyStatus, 'The link is copied. Paste it somewhere safe.');
  } catch {
    const range = document.createRange();
    range.selectNodeContents(byId('case-link'));
    const sel = window.getSelection();
    sel?.removeAllRanges();
    sel?.addRange(range);
    say(copyStatus, 'The link is selected. Copy it with your phone or computer\u2019s copy command.');
  }
});
