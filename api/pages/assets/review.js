/* global document, window, HTMLElement */
// `/review`: the verifier console (issue 13). Work goes by case: the family's photos and words,
// then the case's candidates best first. Review is blind: an item shows nothing of other
// verifiers' answers until this verifier has answered (the API leaves it out). Keys: c confirm,
// r reject, u unsure, s skip, j / k move, z undo, v show the whole photo, n / m the note and the
// message for the family; they work everywhere
// except while typing, and Esc leaves a text field. Focus moves to each new item, announced.
import { caseFinder } from './case-finder.js';
import { LANG, api, byId, el, imageUrl, plainError, say, show, staffSignIn, t, urlBag } from './common.js';

const PAGE = 20;
const RENEW_MS = 60_000;
const consoleSection = byId('console');
const needed = Number(consoleSection.dataset.confirmations) || 2;
const queueBox = byId('queue');
const queueStatus = byId('queue-status');
const decisionStatus = byId('decision-status');
const myDay = byId('my-day');
const item = byId('item');
const heading = byId('item-heading');
const whole = byId('whole');
const wholeImg = byId('whole-img');
const wholeBox = byId('whole-box');
const reveal = byId('reveal');
const refWholeSection = byId('ref-whole-section');
const refWholeImg = byId('ref-whole-img');
const refWholeBox = byId('ref-whole-box');
const note = byId('note');
const familyMessage = byId('family-message');
const empty = byId('empty');
const bag = urlBag();
const refBag = urlBag();

const r = (key, vars) => t(`review:${key}`, vars);

/** The families' catalogue (review.ts, #family-field's data): each language's name and default sentences. */
const FAMILY_WORDS = (() => {
  try {
    return JSON.parse(byId('family-field').dataset.familyWords || '{}');
  } catch {
    return {};
  }
})();
/** The sentence the message box was pre-filled with: sent as nothing if left as it is. */
let prefilled = '';

/**
 * The message box in the family's language (DESIGN §15): the language named beside it and the
 * default sentence for the photo's category from the family's catalogue, ready to add to.
 */
function prefillFamilyMessage(c) {
  const family = c.lang ? FAMILY_WORDS[c.lang] : undefined;
  const label = byId('family-lang');
  if (!family) {
    prefilled = '';
    familyMessage.value = '';
    familyMessage.removeAttribute('lang');
    label.textContent = r('familyLangUnknown');
    return;
  }
  prefilled = family.defaults[c.category] || family.defaults.unknown || '';
  familyMessage.value = prefilled;
  familyMessage.setAttribute('lang', c.lang);
  label.textContent = `${r('familyLang', { language: family.name })} ${r('familyPrefilled')}`;
}
const recT = (key, vars) => t(`records:${key}`, vars);

/** A candidate found by its record alone has no face, no similarity and no band. */
const simText = (c) => (typeof c.similarity === 'number' ? c.similarity.toFixed(3) : '—');
const bandWord = (c, kind) => (c.band ? r(`${kind}_${c.band}`) : recT('evidence_recordOnly'));
/** Strangers per search at this archive's size, as verifiers read them (src/match/bar.ts:strangersSaid). */
function strangersText(x) {
  if (typeof x !== 'number') return r('strangersUnknown');
  if (x < 0.95) return r('strangersOneIn', { n: roundNicely(1 / Math.max(x, 1e-9)).toLocaleString(LANG) });
  return r('strangersPerSearch', { n: roundNicely(x).toLocaleString(LANG) });
}
function roundNicely(x) {
  if (x < 10) return Math.max(1, Math.round(x));
  const p = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.round(x / p) * p;
}
/** Evidence labels: a field or level the catalogue lacks shows as its name, never as a bare key. */
const recLabel = (key, raw) => {
  const got = recT(key);
  return got === `records:${key}` ? raw : got;
};

let token = null;
let role = 'verifier';
let queue = 'pending';
/** Items in queue order; `local` holds what this page knows beyond the API's answer. */
let items = [];
const cases = new Map();
let index = 0;
let next = null;
let busy = false;
let firstPage = null;
let renewTimer = null;

const shortId = (id) => id.slice(0, 8);
const time = (iso) => new Date(iso).toLocaleTimeString(LANG, { hour: '2-digit', minute: '2-digit' });
/** The reader's own midnight: "today" is their day, not the server's. */
function midnight() {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

const signIn = staffSignIn({
  key: 'kinfinder.verifier',
  async check(tk) {
    const me = await api(`review/me?since=${encodeURIComponent(midnight())}`, { token: tk });
    if (me.status === 401) return r('signinBad');
    if (me.status === 403) return r('signinWrongRole');
    if (!me.ok) return plainError(me, r('signinFailed'));
    role = me.data.role;
    queue = role === 'admin' ? 'disputed' : 'pending';
    const page = await api(`review?limit=${PAGE}&queue=${queue}`, { token: tk });
    if (!page.ok) return plainError(page, r('signinFailed'));
    firstPage = page.data;
    showDay(me.data);
    return true;
  },
  onReady(tk) {
    token = tk;
    show(consoleSection, true);
    const admin = role === 'admin';
    show(byId('unsure'), !admin);
    byId('note-label').textContent = admin ? r('reasonLabel') : r('noteLabel');
    if (admin) byId('rules-hint').textContent = r('adminHint');
    caseFinder({
      root: byId('case-finder'),
      token: () => token,
      reopen: admin,
      onUnauthorized: () => signIn.signOut(),
    });
    const page = firstPage;
    firstPage = null;
    if (page) accept(page, true);
    else void loadQueue(true);
  },
});

byId('sign-out').addEventListener('click', () => signIn.signOut());
byId('reload').addEventListener('click', () => void loadQueue(true));
byId('more').addEventListener('click', () => void loadQueue(false));
byId('weaker').addEventListener('click', () => void loadWeaker());

/** The case's candidates under its bar, on demand: put after the case's own, marked, to review alike. */
async function loadWeaker() {
  const c = items[index];
  if (!c) return;
  const status = byId('weaker-status');
  say(status, r('loading'));
  const res = await api(`searches/${c.searchId}/candidates?below=1`, { token });
  if (!res.ok) {
    if (res.status === 401) return signIn.signOut();
    say(status, plainError(res, r('loadFailed')));
    return;
  }
  const known = new Set(items.map((i) => i.id));
  const fresh = res.data.items.filter((i) => !known.has(i.id)).map((i) => ({ ...i, local: { weaker: true } }));
  let last = index;
  for (const [i, x] of items.entries()) if (x.searchId === c.searchId) last = i;
  items.splice(last + 1, 0, ...fresh);
  renderQueue();
  say(status, fresh.length ? r('weakerLoaded', { count: fresh.length }) : r('weakerNone'));
}

function showDay(d) {
  const decided = (d.decisions || []).filter((x) => x.decision !== 'retract' && x.counts).length;
  myDay.textContent =
    role === 'admin'
      ? r('dayAdmin', { decided, disputed: d.queues.disputed ?? 0 })
      : r('day', { decided, pending: d.queues.pending ?? 0, disputed: d.queues.disputed ?? 0 });
}

async function refreshDay() {
  const me = await api(`review/me?since=${encodeURIComponent(midnight())}`, { token });
  if (me.ok) showDay(me.data);
}

async function loadQueue(fresh) {
  say(queueStatus, r('loading'));
  const after = !fresh && next ? `&after=${encodeURIComponent(next)}` : '';
  const res = await api(`review?limit=${PAGE}&queue=${queue}${after}`, { token });
  if (!res.ok) {
    if (res.status === 401) return signIn.signOut();
    say(queueStatus, plainError(res, r('loadFailed')));
    return false;
  }
  accept(res.data, fresh);
  return true;
}

function accept(data, fresh) {
  if (fresh) {
    items = [];
    cases.clear();
    index = 0;
  }
  for (const c of data.cases || []) cases.set(c.id, c);
  const known = new Set(items.map((i) => i.id));
  for (const i of data.items) if (!known.has(i.id)) items.push({ ...i, local: {} });
  next = data.next || null;
  renderQueue();
  if (fresh) {
    const first = nextOpen(-1);
    select(first >= 0 ? first : 0, { focus: true, announce: true });
  }
}

/** State of an item as the queue shows it: decided by me, skipped, held by another, or open. */
function stateOf(c) {
  if (c.myDecision) return c.myDecision.settles ? 'done' : c.myDecision.decision;
  if (c.local.skipped) return 'skipped';
  if (c.local.held) return 'held';
  return 'open';
}

const STATE_WORDS = {
  confirm: 'stateConfirm',
  reject: 'stateReject',
  unsure: 'stateUnsure',
  skipped: 'stateSkipped',
  held: 'stateHeld',
  done: 'stateDone',
};
const STATE_MARKS = { confirm: '✓', reject: '✗', unsure: '?', skipped: '↷', held: '⏳', done: '✓' };

function renderQueue() {
  const groups = [];
  for (const [i, c] of items.entries()) {
    let g = groups[groups.length - 1];
    if (!g || g.caseId !== c.searchId) {
      g = { caseId: c.searchId, entries: [] };
      groups.push(g);
    }
    g.entries.push([i, c]);
  }
  queueBox.replaceChildren(
    ...groups.map((g) => {
      const kase = cases.get(g.caseId);
      const headingId = `queue-case-${g.caseId}`;
      return el(
        'section',
        { class: `queue-case${kase && kase.confirmedMatch ? ' has-match' : ''}`, 'aria-labelledby': headingId },
        el('h3', { id: headingId, class: 'queue-case-heading', text: r('caseLabel', { id: shortId(g.caseId) }) }),
        el(
          'ol',
          {},
          ...g.entries.map(([i, c]) => {
            const state = stateOf(c);
            return el(
              'li',
              {},
              el(
                'button',
                {
                  type: 'button',
                  class: `queue-item state-${state}`,
                  'aria-current': i === index ? 'true' : undefined,
                  'data-id': c.id,
                  onclick: () => select(i, { focus: true }),
                },
                el('span', {
                  class: `band band-${c.band || 'record'}`,
                  text: c.band ? r(`bandShort_${c.band}`) : r('bandShort_record'),
                }),
                ` ${c.band || typeof c.matchWeight !== 'number' ? simText(c) : r('weightShort', { weight: c.matchWeight.toFixed(1) })}`,
                state !== 'open'
                  ? el('span', { class: 'queue-state', text: ` ${STATE_MARKS[state]} ${r(STATE_WORDS[state])}` })
                  : '',
                c.local.weaker ? el('span', { class: 'queue-weaker', text: ` · ${r('weakerMark')}` }) : '',
              ),
            );
          }),
        ),
      );
    }),
  );
  show(byId('more'), Boolean(next));
  const none = items.length === 0;
  empty.textContent = queue === 'disputed' ? r('emptyDisputed') : r('empty');
  show(empty, none);
  show(item, !none);
  queueStatus.textContent = none ? '' : r('loaded', { count: items.length, cases: groups.length });
}

function figure(dl, k, v) {
  dl.append(el('dt', { text: k }), el('dd', { text: v }));
}

function fmt(n, digits = 0, unit = '') {
  return typeof n === 'number' && Number.isFinite(n) ? `${n.toFixed(digits)}${unit}` : r('unknown');
}

function text(v) {
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('; ');
  return typeof v === 'string' ? v : JSON.stringify(v);
}

// jsonb keeps keys in its own order (by length): show them in the order a person reads a record.
const SUBJECT_ORDER = [
  'surname',
  'givenName',
  'patronymic',
  'name',
  'born',
  'birthDate',
  'unit',
  'idNumber',
  'marks',
  'details',
  'notes',
];
const META_ORDER = [
  'names',
  'birthDate',
  'idNumbers',
  'unit',
  'marks',
  'capturedAt',
  'date',
  'location',
  'place',
  'notes',
];
function ordered(obj, order) {
  const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.entries(obj || {}).sort(([a], [b]) => rank(a) - rank(b));
}

/** A field's label in the reader's language; a field we do not know is named as it is. */
function label(prefix, key) {
  const k = `${prefix}_${key}`;
  const got = r(k);
  return got === `review:${k}` ? r('metaOther', { key }) : got;
}

function headingOf(i) {
  const c = items[i];
  const inCase = items.filter((x) => x.searchId === c.searchId);
  // Found by its record alone there is no band and no similarity to name: its weight instead.
  if (!c.band && typeof c.similarity !== 'number' && typeof c.matchWeight === 'number') {
    return r('itemHeadingRecord', {
      case: shortId(c.searchId),
      n: inCase.indexOf(c) + 1,
      total: inCase.length,
      weight: c.matchWeight.toFixed(1),
    });
  }
  return r('itemHeading', {
    case: shortId(c.searchId),
    n: inCase.indexOf(c) + 1,
    total: inCase.length,
    band: c.band ? r(`bandShort_${c.band}`) : recT('field_names'),
    similarity: simText(c),
  });
}

function renderMine(c) {
  const mine = byId('mine');
  const undo = byId('undo');
  const m = c.myDecision;
  show(mine, Boolean(m));
  show(undo, Boolean(m && m.retractableUntil));
  if (!m) return;
  mine.replaceChildren(
    el('p', { text: r('mine', { decision: r(`kind_${m.decision}`), time: time(m.at) }) }),
    m.retractableUntil ? el('p', { class: 'hint', text: r('mineUndo', { time: time(m.retractableUntil) }) }) : '',
  );
}

function renderOthers(c) {
  const section = byId('others-section');
  const list = byId('others');
  // Absent while the review is blind: the API sends the decisions only after mine.
  show(section, Array.isArray(c.decisions));
  if (!Array.isArray(c.decisions)) return list.replaceChildren();
  if (c.decisions.length === 0) return list.replaceChildren(el('li', { text: r('othersNone') }));
  list.replaceChildren(
    ...c.decisions.map((d) =>
      el(
        'li',
        { class: `decision decision-${d.decision}` },
        el('span', {
          text: r('decisionBy', { decision: r(`kind_${d.decision}`), name: d.by.name || d.by.role, time: time(d.at) }),
        }),
        d.note ? el('span', { class: 'decision-text', text: r('decisionNote', { text: d.note }) }) : '',
        d.reason ? el('span', { class: 'decision-text', text: r('decisionReason', { text: d.reason }) }) : '',
        d.familyMessage
          ? el('span', { class: 'decision-text', text: r('decisionFamily', { text: d.familyMessage }) })
          : '',
      ),
    ),
  );
}

function renderCase(c) {
  const kase = cases.get(c.searchId);
  const caseNote = byId('case-note');
  caseNote.textContent = r('caseHasMatch');
  show(caseNote, Boolean(c.caseConfirmed));
  // another case opened with the same photo, or describing the same man: an answer here concerns it
  const related = (kase && kase.related) || [];
  const rel = byId('case-related');
  rel.textContent = related.map((x) => r(`related_${x.why}`, { id: shortId(x.id) })).join(' ');
  show(rel, related.length > 0);
  const about = byId('subject-figures');
  about.replaceChildren();
  const told = ordered(c.subject, SUBJECT_ORDER).filter(
    ([, v]) => v !== null && v !== '' && !(Array.isArray(v) && v.length === 0),
  );
  if (told.length === 0) about.append(el('dd', { class: 'nothing', text: r('caseToldNothing') }));
  for (const [k, v] of told) figure(about, label('subject', k), text(v));
  const strip = byId('case-refs');
  if (strip.dataset.caseId === c.searchId) return;
  strip.dataset.caseId = c.searchId;
  byId('weaker-status').textContent = '';
  refBag.release();
  const refs = (kase && kase.referenceFaces) || [];
  // A family with no photo: said, not an empty strip under its heading.
  if (refs.length === 0) {
    strip.replaceChildren(el('li', { class: 'nothing', text: r('noRefPhoto') }));
    return;
  }
  strip.replaceChildren(
    ...refs.map((ref, n) => {
      const img = el('img', { alt: r('caseRefAlt', { n: n + 1 }) });
      void imageUrl(ref.cropUrl, token).then((u) => {
        if (strip.dataset.caseId !== c.searchId) return;
        if (refBag.add(u)) img.src = u;
      });
      return el('li', {}, img);
    }),
  );
}

function select(i, { focus = false, announce = false } = {}) {
  if (items.length === 0) {
    bag.release();
    stopRenew();
    if (focus) empty.focus();
    return;
  }
  index = Math.max(0, Math.min(i, items.length - 1));
  const c = items[index];
  for (const b of queueBox.querySelectorAll('button.queue-item')) {
    if (b.dataset.id === c.id) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
  bag.release();
  note.value = '';
  prefillFamilyMessage(c);
  heading.textContent = headingOf(index);
  show(byId('held'), Boolean(c.local.held) && !c.myDecision);
  renderMine(c);
  renderOthers(c);
  renderCase(c);

  const match = byId('match-figures');
  match.replaceChildren();
  // What the family would be told if this is him (issue 25): first, before the evidence.
  figure(match, r('category'), r(`category_${c.category || 'unknown'}`));
  figure(
    match,
    r('similarity'),
    typeof c.similarity === 'number' ? r('similarityValue', { value: simText(c) }) : recT('evidence_recordOnly'),
  );
  // No face compared, no band: the similarity row already says the record found it (not twice).
  if (c.band) figure(match, r('band'), bandWord(c, 'band'));
  // What the evidence means in this archive: strangers per search this high, not a per-pair rate.
  figure(match, r('strangers'), strangersText(c.strangersPerSearch));
  // Why this candidate (issue 14): each field's agreement level and weight, then the total.
  for (const e of Array.isArray(c.evidence) ? c.evidence : []) {
    const w = typeof e.weight === 'number' ? `${e.weight >= 0 ? '+' : ''}${e.weight.toFixed(1)}` : '';
    figure(
      match,
      recLabel(`field_${e.field}`, e.field),
      `${recLabel(`level_${e.level}`, e.level)} (${recT('evidence_weight')} ${w})`,
    );
  }
  if (typeof c.matchWeight === 'number') {
    // never "100.0 %": the model's probability is not certainty, and a verifier must not read it so
    const p =
      typeof c.matchProbability !== 'number'
        ? '—'
        : c.matchProbability > 0.999
          ? '> 99.9 %'
          : c.matchProbability < 0.001
            ? '< 0.1 %'
            : `${(c.matchProbability * 100).toFixed(1)} %`;
    figure(match, recT('evidence_title'), recT('evidence_total', { weight: c.matchWeight.toFixed(1), probability: p }));
  }
  figure(match, r('rank'), String(c.rank));
  figure(match, r('status'), r(`status_${c.status}`));
  figure(
    match,
    r('confirmations'),
    typeof c.confirmations === 'number'
      ? r('confirmationsValue', { count: c.confirmations, needed })
      : r('confirmationsBlind'),
  );

  // No archive face (found by the record), no face quality to show.
  show(byId('quality-section'), Boolean(c.face));
  const q = (c.face && c.face.quality) || {};
  const quality = byId('quality-figures');
  quality.replaceChildren();
  const flags = Array.isArray(q.flags) ? q.flags : [];
  figure(quality, r('flags'), flags.length ? flags.map((f) => label('flag', f)).join(', ') : r('flagsNone'));
  figure(quality, r('faceSize'), fmt(q.faceSize, 0, ' px'));
  figure(quality, r('eyeDistance'), fmt(q.eyeDistance, 0, ' px'));
  figure(quality, r('sharpness'), fmt(q.sharpness, 0));
  figure(quality, r('yaw'), fmt(q.yaw, 0, '°'));
  figure(quality, r('roll'), fmt(q.roll, 0, '°'));
  figure(quality, r('detectionScore'), fmt(q.detectionScore ?? c.face?.score, 2));

  const rec = byId('record-figures');
  rec.replaceChildren();
  figure(rec, r('source'), c.photo.source || r('sourceNone'));
  figure(rec, r('file'), c.photo.originalName || r('unknown'));
  for (const [k, v] of ordered(c.photo.metadata, META_ORDER)) figure(rec, label('meta', k), text(v));

  renderPerson(c, c.id);

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
  // A crop that does not exist (no face on the archive photo, a family without a photo) is not
  // shown as a broken image: its place says why.
  for (const [img, url] of [
    [refImg, c.referenceFace?.cropUrl],
    [candImg, c.face?.cropUrl],
  ]) {
    show(img, Boolean(url));
    show(img.parentElement.querySelector('.no-face'), !url);
  }
  show(byId('face-pair'), Boolean(c.face || c.referenceFace));
  void load(refImg, c.referenceFace?.cropUrl);
  void load(candImg, c.face?.cropUrl);
  void load(wholeImg, c.photo.imageUrl);
  void load(refWholeImg, c.referenceFace?.photoUrl);
  hold(c);
  if (focus) heading.focus();
  if (announce) say(decisionStatus, r('saidNow', { heading: heading.textContent }));
}

/**
 * The man proposed, with every photo of his side by side (issue 26): each photo's face crop (not
 * the whole photo: it may show the dead) and its record; the one shown above is marked. And what
 * became of him, as verifiers approved it for families.
 */
function renderPerson(c, current) {
  const photos = Array.isArray(c.photos) ? c.photos : [];
  byId('person-status').textContent = c.personStatus
    ? r('personStatus', { status: r(`personStatus_${c.personStatus}`) })
    : r('personStatusNone');
  byId('person-count').textContent = r('personPhotos', { count: photos.length });
  const list = byId('person-photos');
  list.replaceChildren(
    ...photos.map((p) => {
      const facts = el('dl', { class: 'figures' });
      figure(facts, r('file'), p.originalName || r('unknown'));
      for (const [k, v] of ordered(p.metadata || {}, META_ORDER)) figure(facts, label('meta', k), text(v));
      const face = Array.isArray(p.faces) ? p.faces[0] : undefined;
      const img = el('img', { alt: r('candCropAlt'), hidden: !face });
      if (face)
        void imageUrl(face.cropUrl, token).then((u) => {
          if (items[index]?.id !== current) {
            if (u) URL.revokeObjectURL(u);
            return;
          }
          bag.add(u);
          if (u) img.src = u;
        });
      const notes = [];
      if (p.id === c.photoId) notes.push(r('personPhotoShown'));
      if (!face) notes.push(r('personPhotoNoFace'));
      if (p.status === 'withdrawn') notes.push(r('personPhotoWithdrawn'));
      return el(
        'li',
        { class: p.id === c.photoId ? 'person-photo shown' : 'person-photo' },
        img,
        notes.length ? el('p', { class: 'hint', text: notes.join(' · ') }) : null,
        facts,
      );
    }),
  );
}

/** Holds the item open for me (a short lease), renewed while it is on screen. */
function hold(c) {
  stopRenew();
  if (c.myDecision || !token) return;
  const take = async () => {
    const res = await api(`candidates/${c.id}/lease`, { token, method: 'POST' });
    if (items[index]?.id !== c.id) return;
    const held = res.status === 409 && res.data?.error?.code === 'leased';
    if (held !== Boolean(c.local.held)) {
      c.local.held = held;
      show(byId('held'), held);
      renderQueue();
    }
  };
  void take();
  renewTimer = window.setInterval(() => void take(), RENEW_MS);
}

function stopRenew() {
  if (renewTimer) window.clearInterval(renewTimer);
  renewTimer = null;
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
  if (c && c.face && wholeImg.naturalWidth) placeBox(wholeBox, wholeImg, c.face.box, c.photo.width, c.photo.height);
});
refWholeImg.addEventListener('load', () => {
  const ref = items[index]?.referenceFace;
  if (ref && refWholeImg.naturalWidth) placeBox(refWholeBox, refWholeImg, ref.box, ref.photoWidth, ref.photoHeight);
});

function setRevealed(on) {
  whole.classList.toggle('blurred', !on);
  reveal.setAttribute('aria-pressed', on ? 'true' : 'false');
  reveal.textContent = on ? r('blur') : r('reveal');
}
reveal.addEventListener('click', () => setRevealed(whole.classList.contains('blurred')));

/** The first item after `from` that still waits for me (not decided, not skipped), or -1. */
function nextOpen(from) {
  for (let i = from + 1; i < items.length; i++)
    if (stateOf(items[i]) === 'open' || stateOf(items[i]) === 'held') return i;
  return -1;
}

/** After a decision: the next open item, the next case when this one is done, or more from the server. */
async function advance(said) {
  const from = index;
  const caseId = items[from]?.searchId;
  let to = nextOpen(from);
  if (to < 0 && next) {
    await loadQueue(false);
    to = nextOpen(from);
  }
  const parts = [said];
  if (to >= 0 && items[to].searchId !== caseId && caseId) parts.push(r('saidCaseDone', { case: shortId(caseId) }));
  if (to < 0) {
    parts.push(r('saidAllDone'));
    select(from, { focus: true });
  } else {
    select(to, { focus: true });
    parts.push(r('saidNow', { heading: heading.textContent }));
  }
  say(decisionStatus, parts.join(' '));
}

function saidFor(decision, after) {
  if (role === 'admin') return r('saidSettled', { status: r(`status_${after.status}`) });
  if (after.status === 'disputed') return r('saidDisputed');
  if (decision === 'unsure') return r('saidUnsure');
  if (decision === 'reject') return after.status === 'rejected' ? r('saidRejectFinal') : r('saidRejectPending');
  return after.status === 'confirmed'
    ? r('saidConfirmFinal')
    : r('saidConfirmPending', { count: after.confirmations ?? 0, needed });
}

function setBusy(on) {
  busy = on;
  for (const id of ['confirm', 'reject', 'unsure', 'undo']) byId(id).disabled = on;
}

async function decide(decision) {
  const c = items[index];
  if (!c || busy) return;
  if (c.myDecision) {
    say(decisionStatus, r('saidAlready'));
    return;
  }
  const written = note.value.trim();
  const message = familyMessage.value.trim();
  const body = { decision };
  if (role === 'admin') {
    if (!written) {
      say(decisionStatus, r('saidNeedAdminReason'));
      note.focus();
      return;
    }
    body.reason = written;
  } else if (decision === 'unsure') {
    if (!written) {
      say(decisionStatus, r('saidNeedReason'));
      note.focus();
      return;
    }
    body.reason = written;
  } else if (written) body.note = written;
  // Left as pre-filled: the family reads that sentence anyway, in their page's language.
  if (decision === 'confirm' && message && message !== prefilled.trim()) body.familyMessage = message;
  setBusy(true);
  const res = await api(`candidates/${c.id}/decisions`, { token, method: 'POST', json: body });
  setBusy(false);
  if (res.status === 201) {
    Object.assign(c, res.data.candidate, { local: c.local });
    lastDecidedId = c.id;
    renderQueue();
    void refreshDay();
    await advance(saidFor(decision, res.data.candidate));
    return;
  }
  if (res.status === 401) return signIn.signOut();
  if (res.status === 409) {
    // decided meanwhile (by me elsewhere, or the candidate became final or disputed): out of my queue
    drop(c.id);
    say(decisionStatus, r('saidAlready'));
    return;
  }
  say(decisionStatus, plainError(res, r('saidNotSaved')));
}

/** The item this verifier last decided here: `z` undoes it even after moving on (while the window is open). */
let lastDecidedId = null;

async function undo() {
  const current = items[index];
  if (!(current && current.myDecision && current.myDecision.retractableUntil) && lastDecidedId) {
    const at = items.findIndex((i) => i.id === lastDecidedId);
    if (at >= 0) index = at;
  }
  const c = items[index];
  if (!c || busy) return;
  if (!c.myDecision || !c.myDecision.retractableUntil) {
    say(decisionStatus, c.myDecision ? r('saidTooLate') : r('saidNothingToUndo'));
    return;
  }
  setBusy(true);
  const res = await api(`candidates/${c.id}/decisions`, { token, method: 'POST', json: { decision: 'retract' } });
  setBusy(false);
  if (res.status === 201) {
    Object.assign(c, res.data.candidate, { local: { ...c.local, skipped: false } });
    delete c.decisions;
    delete c.confirmations;
    if (lastDecidedId === c.id) lastDecidedId = null;
    renderQueue();
    select(index, { focus: true });
    void refreshDay();
    say(decisionStatus, r('saidRetracted'));
    return;
  }
  if (res.status === 401) return signIn.signOut();
  const code = res.data?.error?.code;
  say(
    decisionStatus,
    code === 'too_late'
      ? r('saidTooLate')
      : code === 'conflict'
        ? r('saidNothingToUndo')
        : plainError(res, r('saidNotSaved')),
  );
}

function drop(id) {
  const at = items.findIndex((i) => i.id === id);
  if (at >= 0) items.splice(at, 1);
  if (at >= 0 && at < index) index--;
  renderQueue();
  select(Math.min(index, items.length - 1), { focus: true });
}

async function move(step, skip = false) {
  if (items.length === 0) return;
  if (skip) items[index].local.skipped = true;
  if (index + step >= items.length && next) await loadQueue(false);
  if (index + step >= items.length) {
    renderQueue();
    say(decisionStatus, skip ? r('saidSkipped') : r('saidLast'));
    return;
  }
  if (index + step < 0) {
    say(decisionStatus, r('saidFirst'));
    return;
  }
  renderQueue();
  select(index + step, { focus: true });
  say(decisionStatus, `${skip ? `${r('saidSkipped')} ` : ''}${r('saidNow', { heading: heading.textContent })}`);
}

byId('confirm').addEventListener('click', () => void decide('confirm'));
byId('reject').addEventListener('click', () => void decide('reject'));
byId('unsure').addEventListener('click', () => void decide('unsure'));
byId('undo').addEventListener('click', () => void undo());
byId('skip').addEventListener('click', () => void move(1, true));
byId('next').addEventListener('click', () => void move(1));
byId('prev').addEventListener('click', () => void move(-1));

const typing = (node) =>
  node instanceof HTMLElement && (node.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(node.tagName));

document.addEventListener('keydown', (e) => {
  if (!token || consoleSection.hidden || e.ctrlKey || e.metaKey || e.altKey) return;
  // The case finder is another task: a key pressed on its buttons never decides a candidate.
  if (e.target instanceof HTMLElement && e.target.closest('#find-case')) return;
  if (typing(e.target)) {
    // Esc leaves the text field (what was typed stays), so the keys work again.
    if (e.key === 'Escape') {
      e.preventDefault();
      e.target.blur();
      (item.hidden ? empty : heading).focus();
    }
    return;
  }
  const actions = {
    c: () => decide('confirm'),
    r: () => decide('reject'),
    u: () => (role === 'admin' ? undefined : decide('unsure')),
    s: () => move(1, true),
    j: () => move(1),
    k: () => move(-1),
    z: () => undo(),
    v: () => reveal.click(),
    n: () => note.focus(),
    m: () => familyMessage.focus(),
  };
  // By the key's letter, or by where it sits: on a Ukrainian or Russian layout the C key types
  // "с", and a verifier should not have to switch layouts to work the queue.
  const physical = /^Key([A-Z])$/.exec(e.code || '')?.[1]?.toLowerCase();
  const act = actions[e.key.toLowerCase()] ?? (physical ? actions[physical] : undefined);
  if (!act || items.length === 0) return;
  e.preventDefault();
  void act();
});
