/* global URLSearchParams */
// The operator page's photo list (issue 29): the archive's photos by batch, status and category,
// a page at a time (the API's cursor), one opened to see it, and withdrawn with a reason. The
// server says what is wrong (a missing reason, too) in the page's language.
import { LANG, api, byId, el, imageUrl, plainError, say, show, showError, t, urlBag } from './common.js';

const PAGE = 25;
const bag = urlBag();
let token = null;
let onUnauthorized = () => undefined;
let query = '';
let next = null;
let shown = 0;
let current = null;

const when = (iso) => new Intl.DateTimeFormat(LANG, { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
const refusal = (res) => (res.data && res.data.error && res.data.error.message) || plainError(res);
const name = (p) => p.originalName || p.id.slice(0, 8);

/** Called once the operator is signed in. */
export function startPhotoList(tk, unauthorized) {
  token = tk;
  onUnauthorized = unauthorized;
  void loadBatchChoices();
}

/** The batch filter offers the latest batches (the list above shows the same ones). */
export async function loadBatchChoices() {
  const r = await api('batches?limit=20', { token });
  if (!r.ok) return;
  const select = byId('photos-batch');
  const chosen = select.value;
  select.replaceChildren(
    el('option', { value: '', text: t('ingest:photosAllBatches') }),
    ...(r.data.items || []).map((b) =>
      el('option', {
        value: b.id,
        text: `${when(b.createdAt)} · ${b.source || '—'} · ${t('ingest:filesCount', { count: b.counts.files })}`,
      }),
    ),
  );
  select.value = chosen;
}

async function load(after) {
  const r = await api(`photos?${query}limit=${PAGE}${after ? `&after=${after}` : ''}`, { token });
  if (r.status === 401) return onUnauthorized();
  if (!r.ok) return say(byId('photos-count'), refusal(r));
  const items = r.data.items || [];
  if (!after) {
    byId('photos-body').replaceChildren();
    shown = 0;
  }
  byId('photos-body').append(...items.map(row));
  shown += items.length;
  next = r.data.next || null;
  show(byId('photos-more'), Boolean(next));
  show(byId('photos-table'), shown > 0);
  say(byId('photos-count'), shown === 0 ? t('ingest:photosEmpty') : t('ingest:photosCount', { count: shown }));
}

function row(p) {
  const cell = (col, text, cls) => el('td', { 'data-label': t(`ingest:${col}`), text, class: cls });
  const open = el('button', {
    type: 'button',
    class: 'button secondary small',
    text: t('ingest:open'),
    'aria-label': `${t('ingest:open')}: ${name(p)}`,
    onclick: () => void openPhoto(p),
  });
  return el(
    'tr',
    {},
    cell('colFile', name(p)),
    cell('colAdded', when(p.createdAt)),
    cell('colCategory', t(`ingest:category_${p.category}`)),
    cell('colStatus', t(`ingest:status_${p.status}`)),
    cell('colFaces', String(p.faceCount), 'num'),
    el('td', { class: 'actions-cell' }, open),
  );
}

/** Why a photo failed, in the page's words where the catalogue has them (as the failures CSV says it). */
function failure(err) {
  const key = `ingest:csvReason_${err.code}`;
  const words = t(key);
  return words !== key ? words : err.message || err.code;
}

async function openPhoto(p) {
  current = p;
  bag.release();
  const view = byId('photo-view');
  const img = byId('photo-view-img');
  byId('photo-view-heading').textContent = name(p);
  const figures = byId('photo-view-figures');
  const fig = (label, value) => figures.append(el('dt', { text: label }), el('dd', { text: value }));
  figures.replaceChildren();
  fig(t('ingest:colStatus'), t(`ingest:status_${p.status}`));
  fig(t('ingest:colCategory'), t(`ingest:category_${p.category}`));
  fig(t('ingest:colSource'), p.source || '—');
  fig(t('ingest:colAdded'), when(p.createdAt));
  if (p.status === 'done') fig(t('ingest:colFaces'), t('ingest:photoFaces', { count: p.faceCount }));
  if (p.error) fig(t('ingest:colStatus'), t('ingest:photoError', { message: failure(p.error) }));
  byId('withdraw-reason').value = '';
  showError(byId('withdraw-error'), '');
  byId('withdraw-status').textContent = '';
  show(byId('withdraw-form'), p.status !== 'withdrawn');
  show(img, false);
  show(view, true);
  byId('photo-view-heading').focus();
  // A withdrawn photo's display copy is gone with its faces; a queued one has none yet.
  if (p.status === 'done' || p.status === 'failed') {
    const url = bag.add(await imageUrl(p.imageUrl, token));
    if (url && current === p) {
      img.src = url;
      img.alt = t('ingest:photoAlt', { name: name(p) });
      show(img, true);
    }
  }
}

byId('photos-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const params = new URLSearchParams();
  for (const [key, id] of [
    ['batch', 'photos-batch'],
    ['status', 'photos-status'],
    ['category', 'photos-category'],
  ]) {
    const v = byId(id).value;
    if (v) params.set(key, v);
  }
  const s = params.toString();
  query = s ? `${s}&` : '';
  show(byId('photo-view'), false);
  void load(null);
});
byId('photos-more').addEventListener('click', () => void load(next));
byId('photo-view-close').addEventListener('click', () => {
  show(byId('photo-view'), false);
  bag.release();
  current = null;
});

byId('withdraw-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!current) return;
  const p = current;
  // The reason is checked by the server, which says what is missing in this page's language.
  const reason = byId('withdraw-reason').value;
  const r = await api(`photos/${p.id}/withdraw`, { token, method: 'POST', json: reason.trim() ? { reason } : {} });
  if (r.status === 401) return onUnauthorized();
  if (!r.ok) {
    showError(byId('withdraw-error'), t('ingest:withdrawFailed', { message: refusal(r) }));
    byId('withdraw-reason').focus();
    return;
  }
  showError(byId('withdraw-error'), '');
  const cases = (r.data.cases || []).length;
  say(byId('withdraw-status'), cases > 0 ? t('ingest:withdrawnCases', { count: cases }) : t('ingest:withdrawn'));
  p.status = 'withdrawn';
  show(byId('withdraw-form'), false);
  show(byId('photo-view-img'), false);
  bag.release();
  void load(null);
});
