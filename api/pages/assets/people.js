// The operator page's archive persons (issue 26): the people of the batch being followed, with a
// form for what became of each; and the suggested merges, answered with two buttons.
import { api, byId, el, imageUrl, say, show, t, urlBag } from './common.js';

const KINDS = ['captured', 'held', 'released', 'died', 'remains_returned'];
const images = urlBag();
let token = null;
let shownPeople = '';

export function setPeopleToken(value) {
  token = value;
}

function field(id, label, input, hint) {
  const parts = [el('label', { for: id, text: label })];
  if (hint) parts.push(el('p', { class: 'hint', id: `${id}-hint`, text: hint }));
  parts.push(input);
  return parts;
}

/** The small form under a person: kind, date, place, source. */
function eventForm(person) {
  const id = (name) => `ev-${person.id}-${name}`;
  const kind = el(
    'select',
    { id: id('kind') },
    ...KINDS.map((k) => el('option', { value: k, text: t(`ingest:event_${k}`) })),
  );
  const date = el('input', {
    id: id('date'),
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'off',
    'aria-describedby': `${id('date')}-hint`,
  });
  const place = el('input', { id: id('place'), type: 'text', autocomplete: 'off' });
  const source = el('input', { id: id('source'), type: 'text', autocomplete: 'off' });
  const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const save = el('button', { class: 'button secondary small', type: 'submit', text: t('ingest:eventSave') });
  const form = el(
    'form',
    { class: 'event-form', novalidate: true },
    ...field(id('kind'), t('ingest:eventKind'), kind),
    ...field(id('date'), t('ingest:eventDate'), date, t('ingest:eventDateHint')),
    ...field(id('place'), t('ingest:eventPlace'), place),
    ...field(id('source'), t('ingest:eventSource'), source),
    save,
    status,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    const json = { kind: kind.value, date: date.value.trim() };
    if (place.value.trim()) json.place = place.value.trim();
    if (source.value.trim()) json.source = source.value.trim();
    const r = await api(`persons/${person.id}/events`, { token, method: 'POST', json });
    save.disabled = false;
    if (r.ok) {
      form.reset();
      say(status, t('ingest:eventSaved'));
    } else say(status, t('ingest:eventFailed', { message: r.data?.error?.message || r.status }));
  });
  return el('details', { class: 'event-add' }, el('summary', { text: t('ingest:eventAdd') }), form);
}

/** The persons of a batch (called as the batch's summary moves). */
export async function loadPeople(batchId) {
  if (!token || !batchId) return;
  const r = await api(`persons?batch=${encodeURIComponent(batchId)}`, { token });
  if (!r.ok) return;
  const items = r.data.items || [];
  const key = items.map((p) => `${p.id}:${p.photos}:${p.inBatch}:${p.status}`).join(',');
  if (key === shownPeople) return;
  shownPeople = key;
  show(byId('people'), items.length > 0);
  byId('people-list').replaceChildren(
    ...items.map((p) =>
      el(
        'li',
        { class: 'person' },
        el('p', {
          text: t('ingest:personRow', { name: p.ref || t('ingest:personNoRef'), count: p.photos, inBatch: p.inBatch }),
        }),
        el('p', {
          class: 'hint',
          text: p.status
            ? t('ingest:personStatus', { status: t(`ingest:event_${p.status}`) })
            : t('ingest:personNoStatus'),
        }),
        eventForm(p),
      ),
    ),
  );
}

/** One side of a suggestion: the face crop of its first photo with a face. */
function side(label, photos) {
  const face = photos.flatMap((p) => p.faces || [])[0];
  const img = el('img', { alt: label, hidden: !face });
  if (face)
    void imageUrl(face.cropUrl, token).then((u) => {
      images.add(u);
      if (u) img.src = u;
    });
  return el(
    'figure',
    { class: 'merge-side' },
    img,
    el('figcaption', { text: face ? label : `${label} (${t('ingest:mergeNoFace')})` }),
  );
}

/** Suggested merges, best first; each answered once. */
export async function loadMerges() {
  if (!token) return;
  const r = await api('persons/suggestions?limit=20', { token });
  if (!r.ok) return;
  const items = r.data.items || [];
  images.release();
  show(byId('merges-empty'), items.length === 0);
  byId('merges-list').replaceChildren(
    ...items.map((s) => {
      const buttons = ['accept', 'refuse'].map((decision) => {
        const b = el('button', {
          type: 'button',
          class: decision === 'accept' ? 'button primary small' : 'button secondary small',
          text: t(decision === 'accept' ? 'ingest:mergeAccept' : 'ingest:mergeRefuse'),
        });
        b.addEventListener('click', async () => {
          for (const x of buttons) x.disabled = true;
          const res = await api(`persons/suggestions/${s.id}`, { token, method: 'POST', json: { decision } });
          if (res.ok) {
            say(byId('merges-status'), t(decision === 'accept' ? 'ingest:mergeAccepted' : 'ingest:mergeRefused'));
            void loadMerges();
          } else {
            for (const x of buttons) x.disabled = false;
            say(byId('merges-status'), t('ingest:mergeFailed', { message: res.data?.error?.message || res.status }));
          }
        });
        return b;
      });
      return el(
        'li',
        { class: 'merge' },
        el(
          'div',
          { class: 'merge-pair' },
          side(t('ingest:mergeFirst'), s.photosA),
          side(t('ingest:mergeSecond'), s.photosB),
        ),
        el('p', { class: 'hint', text: t('ingest:mergeSimilarity', { value: s.similarity.toFixed(3) }) }),
        el('p', { class: 'hint', text: t('ingest:mergeSides', { a: s.photosA.length, b: s.photosB.length }) }),
        el('div', { class: 'actions' }, ...buttons),
      );
    }),
  );
}
