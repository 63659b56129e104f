/* global FormData */
// `/hotline`: the hotline desk opens a case for a caller with the desk's own token (POST
// /searches), then shows the case code large, and spelled out character by character, to be
// read aloud. Nothing of the caller's stays on the page after "another caller".
import { api, byId, errorText, say, show, showError, staffSignIn, t, upload } from './common.js';
import { caseFinder } from './case-finder.js';

const desk = byId('desk');
const form = byId('hotline-form');
const photosInput = byId('photos');
const chosen = byId('photos-chosen');
const formError = byId('form-error');
const formStatus = byId('form-status');
const done = byId('done');
const openButton = byId('open');
const MAX_PHOTOS = Number(form.dataset.maxPhotos) || 5;
const FIELDS = ['surname', 'givenName', 'patronymic', 'birthDate', 'idNumber', 'unit', 'marks', 'notes'];

let token = null;

const signIn = staffSignIn({
  key: 'kinfinder.hotline',
  async check(value) {
    // An empty case: a desk that may open cases is told "give something" (400), anyone else 401/403.
    const r = await api('searches', { token: value, method: 'POST', form: new FormData() });
    if (r.status === 400) return true;
    if (r.status === 401) return t('hotline:tokenInvalid');
    if (r.status === 403) return t('hotline:tokenNotHotline');
    return t('hotline:signinFailed');
  },
  onReady(value) {
    token = value;
    show(desk, true);
    // A caller who lost their code: found by what they say, and a new code read out (issue 29's
    // finder, without the case's status or candidates: the desk does not read cases).
    caseFinder({ root: byId('case-finder'), token: () => token, brief: true, onUnauthorized: () => signIn.signOut() });
    byId('subject-surname').focus();
  },
});
byId('sign-out').addEventListener('click', () => signIn.signOut());

photosInput.addEventListener('change', () => {
  const n = photosInput.files ? photosInput.files.length : 0;
  chosen.textContent = n === 0 ? t('hotline:noPhotos') : t('hotline:photosChosen', { count: n });
  showError(formError, n > MAX_PHOTOS ? t('family:errTooMany', { max: MAX_PHOTOS }) : '');
});

function subject() {
  const out = {};
  for (const f of FIELDS) {
    const v = byId(`subject-${f}`).value.trim();
    if (v) out[f] = v;
  }
  return out;
}

/**
 * K7Q4-M2X9-PD3F → "K 7 Q 4 – M 2 X 9 – P D 3 F": one character at a time, for reading aloud;
 * no-break spaces inside a group, so a narrow screen breaks the line only between groups.
 */
function spelled(code) {
  return code
    .split('-')
    .map((g) => g.split('').join('\u00a0'))
    .join(' – ');
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const files = photosInput.files ? [...photosInput.files] : [];
  const about = subject();
  if (files.length === 0 && !about.surname && !about.idNumber) {
    showError(formError, t('hotline:errNothing'));
    return;
  }
  if (files.length > MAX_PHOTOS) {
    showError(formError, t('family:errTooMany', { max: MAX_PHOTOS }));
    return;
  }
  showError(formError, '');
  const body = new FormData();
  for (const f of files) body.append('photo', f, f.name);
  if (Object.keys(about).length > 0) body.append('subject', JSON.stringify(about));
  openButton.disabled = true;
  say(formStatus, t('hotline:opening'));
  const r = await upload('searches', body, { token });
  openButton.disabled = false;
  say(formStatus, '');
  const code = r.ok && (r.data.caseCode || r.data.accessToken);
  if (!code) {
    showError(formError, r.ok ? t('hotline:noCodeForRole') : errorText(r.data));
    return;
  }
  form.reset();
  chosen.textContent = t('hotline:noPhotos');
  byId('case-code').textContent = code;
  byId('case-code-spelled').textContent = spelled(code);
  show(form, false);
  show(done, true);
  byId('done-heading').focus();
});

byId('another').addEventListener('click', () => {
  byId('case-code').textContent = '';
  byId('case-code-spelled').textContent = '';
  show(done, false);
  show(form, true);
  byId('subject-surname').focus();
});
