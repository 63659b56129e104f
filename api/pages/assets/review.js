/* global document, HTMLElement */
// `/review`: the verifier console. Pending candidates best first; reference and candidate faces
// side by side; confirm / reject / skip with buttons or keys c, r, s, and j / k to move.
import { api, byId, el, imageUrl, plainError, say, show, staffSignIn, urlBag } from './common.js';

const PAGE = 20;
const consoleSection = byId('console');
const needed = Number(consoleSection.dataset.confirmations) || 2;
const queueList = byId('queue');
const queueStatus = byId('queue-status');
const decisionStatus = byId('decision-status');
const item = byId('item');
const whole = byId('whole');
const wholeImg = byId('whole-img');
const wholeBox = byId('whole-box');
const reveal = byId('reveal');
const refWholeSection = byId('ref-whole-section');
const refWholeImg = byId('ref-whole-img');
const refWholeBox = byId('ref-whole-box');
const note = byId('note');
const bag = urlBag();

let token = null;
let items = [];
let index = 0;
let next = null;
let busy = false;
let firstPage = null;
const skipped = new Set();

const BAND_WORDS = {
  strong: 'strong (≤ 0.1 % false matches)',
  possible: 'possible (≤ 1 % false matches)',
  weak: 'weak (below "possible")',
};

/** The family form's fields; other keys (API clients) are shown as they are. */
const SUBJECT_WORDS = { name: 'Name', born: 'Born', details: 'Details' };

const signIn = staffSignIn({
  key: 'kinfinder.verifier',
  async check(t) {
    const r = await api(`review?limit=${PAGE}`, { token: t });
    if (r.ok) {
      firstPage = r.data;
      return true;
    }
    if (r.status === 401) return 'This token is not valid. Check that you copied all of it.';
    if (r.status === 403) return 'This token is not a verifier token.';
    return plainError(r, 'Sign-in failed.');
  },
  onReady(t) {
    token = t;
    show(consoleSection, true);
    const page = firstPage;
    firstPage = null;
    if (page) accept(page, true);
    else void loadQueue(true);
  },
});

byId('sign-out').addEventListener('click', () => signIn.signOut());
byId('reload').addEventListener('click', () => void loadQueue(true));
byId('more').addEventListener('click', () => void loadQueue(false));

async function loadQueue(fresh) {
  say(queueStatus, 'Loading the queue…');
  const r = await api(`review?limit=${PAGE}${!fresh && next ? `&after=${encodeURIComponent(next)}` : ''}`, { token });
  if (!r.ok) {
    if (r.status === 401) return signIn.signOut();
    say(queueStatus, plainError(r, 'The queue could not be loaded.'));
    return;
  }
  accept(r.data, fresh);
}

function accept(data, fresh) {
  const known = new Set(fresh ? [] : items.map((i) => i.id));
  items = fresh ? data.items : items.concat(data.items.filter((i) => !known.has(i.id)));
  next = data.next || null;
  if (fresh) {
    index = 0;
    skipped.clear();
  }
  renderQueue();
  select(Math.min(index, Math.max(items.length - 1, 0)));
}

function renderQueue() {
  queueList.replaceChildren(
    ...items.map((c, i) =>
      el(
        'li',
        {},
        el(
          'button',
          { type: 'button', class: `queue-item${skipped.has(c.id) ? ' skipped' : ''}`, 'aria-current': i === index ? 'true' : undefined, onclick: () => select(i, true) },
          el('span', { class: `band band-${c.band}`, text: c.band }),
          ` ${c.similarity.toFixed(3)}`,
          c.confirmations > 0 ? el('span', { class: 'tick', text: ` ✓ ${c.confirmations}/${needed}` }) : '',
          skipped.has(c.id) ? el('span', { class: 'visually-hidden', text: ' (skipped)' }) : '',
        ),
      ),
    ),
  );
  show(byId('more'), Boolean(next));
  show(byId('empty'), items.length === 0);
  show(item, items.length > 0);
  queueStatus.textContent = items.length === 0 ? 'Queue empty.' : `${items.length}${next ? '+' : ''} pending ${items.length === 1 ? 'candidate' : 'candidates'} loaded, best first.`;
}

function figure(dl, k, v) {
  dl.append(el('dt', { text: k }), el('dd', { text: v }));
}

function fmt(n, digits = 0, unit = '') {
  return typeof n === 'number' && Number.isFinite(n) ? `${n.toFixed(digits)}${unit}` : 'unknown';
}

function select(i, focus = false) {
  if (items.length === 0) {
    bag.release();
    return;
  }
  index = Math.max(0, Math.min(i, items.length - 1));
  const c = items[index];
  for (const [j, b] of [...queueList.querySelectorAll('button')].entries()) {
    if (j === index) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
  bag.release();
  note.value = '';
  byId('item-heading').textContent = `Candidate ${index + 1} of ${items.length}${next ? '+' : ''}: ${c.band}, similarity ${c.similarity.toFixed(3)}`;
  const already = byId('already');
  if (c.confirmations > 0) {
    already.textContent = `Already confirmed by another verifier (${c.confirmations} of ${needed}). ${c.confirmations + 1 >= needed ? 'Your confirmation would make it final and the family would see it.' : ''}`;
    show(already, true);
  } else show(already, false);

  const match = byId('match-figures');
  match.replaceChildren();
  figure(match, 'Similarity', `${c.similarity.toFixed(3)} (cosine)`);
  figure(match, 'Band', BAND_WORDS[c.band] || c.band);
  figure(match, 'Rank in its case', String(c.rank));
  figure(match, 'Case', c.searchId.slice(0, 8));
  figure(match, 'Confirmations', `${c.confirmations} of ${needed}`);

  const q = c.face.quality || {};
  const quality = byId('quality-figures');
  quality.replaceChildren();
  figure(quality, 'Face size', fmt(q.faceSize, 0, ' px'));
  figure(quality, 'Eye distance', fmt(q.eyeDistance, 0, ' px'));
  figure(quality, 'Sharpness', `${fmt(q.sharpness, 0)}${typeof q.sharpness === 'number' && q.sharpness < 50 ? ' (blurry)' : ''}`);
  figure(quality, 'Head turn (yaw)', fmt(q.yaw, 0, '°'));
  figure(quality, 'Tilt (roll)', fmt(q.roll, 0, '°'));
  figure(quality, 'Detection score', fmt(q.detectionScore ?? c.face.score, 2));

  const rec = byId('record-figures');
  rec.replaceChildren();
  figure(rec, 'Source', c.photo.source || 'not recorded');
  figure(rec, 'File', c.photo.originalName);
  for (const [k, v] of Object.entries(c.photo.metadata || {})) figure(rec, k, typeof v === 'string' ? v : JSON.stringify(v));

  const about = byId('subject-figures');
  about.replaceChildren();
  const subject = c.subject || {};
  const told = Object.entries(subject).filter(([, v]) => v !== null && v !== '');
  if (told.length === 0) figure(about, 'Nothing', 'The family gave no details.');
  for (const [k, v] of told) figure(about, SUBJECT_WORDS[k] || k, typeof v === 'string' ? v : JSON.stringify(v));

  setRevealed(false);
  show(wholeBox, false);
  show(refWholeBox, false);
  // a family that deleted its photos leaves candidates without a reference face
  show(refWholeSection, Boolean(c.referenceFace));
  const refImg = byId('ref-crop');
  const candImg = byId('cand-crop');
  for (const img of [refImg, candImg, wholeImg, refWholeImg]) img.removeAttribute('src');
  const current = c.id;
  const load = async (img, url) => {
    if (!url) return;
    const blobUrl = await imageUrl(url, token);
    if (items[index]?.id !== current) {
      if (blobUrl) URL.revokeObjectURL(blobUrl);
      return;
    }
    bag.add(blobUrl);
    if (blobUrl) img.src = blobUrl;
  };
  void load(refImg, c.referenceFace?.cropUrl);
  void load(candImg, c.face.cropUrl);
  void load(wholeImg, c.photo.imageUrl);
  void load(refWholeImg, c.referenceFace?.photoUrl);
  if (focus) byId('item-heading').focus();
}

/**
 * Places `box` over `img`. Boxes are in the original photo's pixels and the image served is
 * scaled down when the original is large, so the original's size comes with the box.
 */
function placeBox(boxEl, img, b, width, height) {
  const w = width || img.naturalWidth;
  const h = height || img.naturalHeight;
  boxEl.style.left = `${(b.x / w) * 100}%`;
  boxEl.style.top = `${(b.y / h) * 100}%`;
  boxEl.style.width = `${(b.width / w) * 100}%`;
  boxEl.style.height = `${(b.height / h) * 100}%`;
  show(boxEl, true);
}

wholeImg.addEventListener('load', () => {
  const c = items[index];
  if (c && wholeImg.naturalWidth) placeBox(wholeBox, wholeImg, c.face.box, c.photo.width, c.photo.height);
});
refWholeImg.addEventListener('load', () => {
  const r = items[index]?.referenceFace;
  if (r && refWholeImg.naturalWidth) placeBox(refWholeBox, refWholeImg, r.box, r.photoWidth, r.photoHeight);
});

function setRevealed(on) {
  whole.classList.toggle('blurred', !on);
  reveal.setAttribute('aria-pressed', on ? 'true' : 'false');
  reveal.textContent = on ? 'Blur the whole photo' : 'Show the whole photo';
}
reveal.addEventListener('click', () => setRevealed(whole.classList.contains('blurred')));

async function decide(decision) {
  const c = items[index];
  if (!c || busy) return;
  busy = true;
  for (const id of ['confirm', 'reject']) byId(id).disabled = true;
  const text = note.value.trim();
  const r = await api(`candidates/${c.id}/decisions`, { token, method: 'POST', json: text ? { decision, note: text } : { decision } });
  busy = false;
  for (const id of ['confirm', 'reject']) byId(id).disabled = false;
  if (r.status === 201) {
    const after = r.data.candidate;
    let msg;
    if (decision === 'reject') msg = 'Rejected. This pair will not be proposed again.';
    else if (after.status === 'confirmed') msg = `Confirmed. With ${after.confirmations} of ${needed} confirmations the match is final; the family can now see it.`;
    else msg = `Confirmed (${after.confirmations} of ${needed}). Another verifier must also confirm before the family sees anything.`;
    drop(c.id);
    say(decisionStatus, msg);
    return;
  }
  if (r.status === 409) {
    drop(c.id);
    say(decisionStatus, 'Already decided: you or another verifier decided this candidate before. It was removed from your queue.');
    return;
  }
  if (r.status === 401) return signIn.signOut();
  say(decisionStatus, plainError(r, 'The decision was not saved.'));
}

function drop(id) {
  const at = items.findIndex((i) => i.id === id);
  if (at >= 0) items.splice(at, 1);
  skipped.delete(id);
  if (at >= 0 && at < index) index--;
  renderQueue();
  if (items.length === 0 && next) void loadQueue(false);
  else select(index);
}

async function move(step, skip = false) {
  if (items.length === 0) return;
  if (skip) {
    skipped.add(items[index].id);
    say(decisionStatus, 'Skipped. It stays in the queue for later.');
  }
  if (index + step >= items.length && next) await loadQueue(false);
  if (index + step >= items.length) {
    if (!skip) say(decisionStatus, 'This is the last candidate loaded.');
    renderQueue();
    return;
  }
  if (index + step < 0) {
    say(decisionStatus, 'This is the first candidate.');
    return;
  }
  index += step;
  renderQueue();
  select(index);
}

byId('confirm').addEventListener('click', () => void decide('confirm'));
byId('reject').addEventListener('click', () => void decide('reject'));
byId('skip').addEventListener('click', () => void move(1, true));
byId('next').addEventListener('click', () => void move(1));
byId('prev').addEventListener('click', () => void move(-1));

document.addEventListener('keydown', (e) => {
  if (!token || consoleSection.hidden || e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
  const actions = { c: () => decide('confirm'), r: () => decide('reject'), s: () => move(1, true), j: () => move(1), k: () => move(-1), v: () => reveal.click() };
  const act = actions[e.key.toLowerCase()];
  if (!act || items.length === 0) return;
  e.preventDefault();
  void act();
});
