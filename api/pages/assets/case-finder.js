/* global window, URLSearchParams */
// Finding a case (issue 29), shared by the verifier console (/review) and the admin page (/admin):
// staff type what a caller says (a surname in any script, a date of birth, a document number, the
// start of the case code, or the case id), open the case found, and issue a new code for a family
// who lost theirs, shown large to be read out over the phone. An admin also reopens a final
// candidate of the case, with a reason. Every search and every new code is audited by the server.
import { LANG, api, byId, el, plainError, say, show, showError, t } from './common.js';

const c = (key, vars) => t(`cases:${key}`, vars);
const PAGE = 20;
const FIELDS = ['surname', 'givenName', 'patronymic', 'birthDate', 'idNumber', 'unit'];
const FINAL = ['confirmed', 'rejected'];

/** Words for an API refusal: the server's message (in the page's language where it has one). */
function refusal(res) {
  const e = (res.data && res.data.error) || {};
  if (res.status === 0) return plainError(res);
  return e.message || plainError(res);
}

const when = (iso) => new Intl.DateTimeFormat(LANG, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));

/**
 * Builds the finder inside `root` (an empty element of the page). `token()` gives the signed-in
 * token; `reopen` lets the reader reopen final candidates (admins); `onUnauthorized` signs out.
 * `brief` (the hotline desk): what the search found and a new code only; no case status, no
 * candidates (the desk does not read cases, and must not tell a caller what review is doing).
 */
export function caseFinder({ root, token, reopen = false, brief = false, onUnauthorized }) {
  const input = (id, label, hint, attrs = {}) => {
    const hintId = `${id}-hint`;
    return [
      el('label', { for: id, text: label }),
      hint ? el('p', { class: 'hint', id: hintId, text: hint }) : null,
      el('input', { id, type: 'text', autocomplete: 'off', 'aria-describedby': hint ? hintId : undefined, ...attrs }),
    ];
  };
  const form = el(
    'form',
    { id: 'find-form', class: 'find-form', novalidate: true },
    el(
      'div',
      { class: 'find-fields' },
      el('div', {}, ...input('find-q', c('qLabel'), c('qHint'))),
      el('div', {}, ...input('find-birth', c('birthLabel'), c('birthHint'), { inputmode: 'numeric' })),
      el('div', {}, ...input('find-id', c('idLabel'), null)),
      el(
        'div',
        {},
        ...input('find-code', c('codeLabel'), c('codeHint'), { autocapitalize: 'characters', spellcheck: 'false' }),
      ),
    ),
    el('p', { id: 'find-error', class: 'error', role: 'alert', hidden: true }),
    el('button', { class: 'button primary', type: 'submit', text: c('search') }),
  );
  const status = el('p', { id: 'find-status', class: 'status', role: 'status', 'aria-live': 'polite' });
  const results = el('ul', { id: 'find-results', class: 'found-cases', 'aria-labelledby': 'find-status' });
  const more = el('button', {
    id: 'find-more',
    class: 'button secondary small',
    type: 'button',
    text: c('more'),
    hidden: true,
  });
  const card = el('article', {
    id: 'case-card',
    class: 'case-card',
    hidden: true,
    'aria-labelledby': 'case-card-heading',
  });
  root.replaceChildren(form, status, results, more, card);

  let query = '';
  let next = null;
  let shown = 0;

  const subjectLine = (s) => {
    const name = [s.surname, s.givenName, s.patronymic].filter(Boolean).join(' ') || c('noName');
    const parts = [name];
    if (s.birthDate) parts.push(c('born', { date: s.birthDate }));
    if (s.idNumber) parts.push(c('doc', { number: s.idNumber }));
    return parts.join(' · ');
  };

  const resultItem = (f) =>
    el(
      'li',
      {},
      el('span', { class: 'found-name', text: subjectLine(f.subject) }),
      el('span', {
        class: 'hint',
        text: [
          brief ? null : c(`status_${f.status}`),
          c('opened', { date: when(f.createdAt) }),
          f.lang ? c('familyLanguage', { language: c(`lang_${f.lang}`) }) : null,
          f.id.slice(0, 8),
        ]
          .filter(Boolean)
          .join(' · '),
      }),
      el('button', {
        type: 'button',
        class: 'button secondary small',
        text: c('open'),
        'aria-label': c('openCase', { name: subjectLine(f.subject) }),
        onclick: () => void openCase(f),
      }),
    );

  async function search(after) {
    const res = await api(`searches?${query}&limit=${PAGE}${after ? `&after=${encodeURIComponent(after)}` : ''}`, {
      token: token(),
    });
    if (res.status === 401) return onUnauthorized();
    if (!res.ok) {
      showError(byId('find-error'), refusal(res));
      return;
    }
    const items = res.data.items || [];
    if (!after) {
      results.replaceChildren();
      shown = 0;
    }
    results.append(...items.map(resultItem));
    shown += items.length;
    next = res.data.next || null;
    show(more, Boolean(next));
    say(status, shown === 0 ? c('none') : c('found', { count: shown }));
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    showError(byId('find-error'), '');
    const params = new URLSearchParams();
    const add = (name, id) => {
      const v = byId(id).value.trim();
      if (v) params.set(name, v);
    };
    add('q', 'find-q');
    add('birthDate', 'find-birth');
    add('idNumber', 'find-id');
    add('code', 'find-code');
    if ([...params.keys()].length === 0) {
      showError(byId('find-error'), c('typeSomething'));
      byId('find-q').focus();
      return;
    }
    query = params.toString();
    show(card, false);
    void search(null);
  });
  more.addEventListener('click', () => void search(next));

  async function openCase(found) {
    let view = null;
    if (!brief) {
      const res = await api(`searches/${found.id}`, { token: token() });
      if (res.status === 401) return onUnauthorized();
      if (!res.ok) {
        say(status, refusal(res));
        return;
      }
      view = res.data;
    }
    const figures = el('dl', { class: 'figures' });
    const fig = (label, value) => figures.append(el('dt', { text: label }), el('dd', { text: value }));
    fig(c('caseId'), found.id);
    if (view) fig(c('status'), c(`status_${view.search.status}`));
    fig(c('openedAt'), when(found.createdAt));
    if (found.lang) fig(c('language'), c(`lang_${found.lang}`));
    for (const f of FIELDS) if (found.subject[f]) fig(c(`field_${f}`), found.subject[f]);
    if (view) fig(c('photos'), String((view.referenceFaces || []).length));

    const heading = el('h3', {
      id: 'case-card-heading',
      tabindex: '-1',
      text: c('caseHeading', { name: subjectLine(found.subject) }),
    });
    const codeBox = el('div', { class: 'code-card', hidden: true, id: 'new-code-box' });
    const issue = el('button', { type: 'button', class: 'button primary', id: 'reissue', text: c('reissue') });
    const confirmBox = el(
      'div',
      { class: 'warning', hidden: true, id: 'reissue-confirm' },
      el('p', { text: c('reissueWarning') }),
      el('button', { type: 'button', class: 'button danger', id: 'reissue-yes', text: c('reissueYes') }),
      ' ',
      el('button', {
        type: 'button',
        class: 'button secondary',
        text: c('cancel'),
        onclick: () => show(confirmBox, false),
      }),
    );
    const cardStatus = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    issue.addEventListener('click', () => {
      show(confirmBox, true);
      byId('reissue-yes').focus();
    });
    confirmBox.querySelector('#reissue-yes').addEventListener('click', async () => {
      const r = await api(`searches/${found.id}/case-code`, { token: token(), method: 'POST' });
      if (r.status === 401) return onUnauthorized();
      show(confirmBox, false);
      if (!r.ok) {
        say(cardStatus, refusal(r));
        return;
      }
      codeBox.replaceChildren(
        el('p', { class: 'code-label', id: 'new-code-label', text: c('newCodeLabel') }),
        el('p', { class: 'case-code', id: 'new-code', 'aria-labelledby': 'new-code-label', text: r.data.caseCode }),
        el('p', { class: 'hint', text: c('newCodeHint') }),
      );
      show(codeBox, true);
      say(cardStatus, c('newCodeIssued'));
    });

    card.replaceChildren(
      ...[
        heading,
        figures,
        el('div', { class: 'actions' }, issue),
        confirmBox,
        codeBox,
        cardStatus,
        view ? candidateList(view.candidates || [], found) : null,
        el('button', {
          type: 'button',
          class: 'button secondary small',
          text: c('closeCase'),
          onclick: () => show(card, false),
        }),
      ].filter(Boolean),
    );
    show(card, true);
    heading.focus();
  }

  /** The case's candidates, best first: status and figures; an admin reopens a final one with a reason. */
  function candidateList(items, found) {
    const section = el(
      'section',
      { 'aria-labelledby': 'case-cands-heading' },
      el('h4', { id: 'case-cands-heading', text: c('candidates') }),
    );
    if (items.length === 0) {
      section.append(el('p', { class: 'hint', text: c('noCandidates') }));
      return section;
    }
    const list = el('ol', { class: 'case-candidates' });
    for (const it of items) {
      const sim = typeof it.similarity === 'number' ? it.similarity.toFixed(3) : '—';
      const li = el(
        'li',
        {},
        el('span', { text: `${c(`cand_${it.status}`)} · ${c('similarity', { value: sim })} · ${it.id.slice(0, 8)}` }),
      );
      if (reopen && FINAL.includes(it.status)) li.append(reopenForm(it, found));
      list.append(li);
    }
    section.append(list);
    return section;
  }

  function reopenForm(it, found) {
    const id = `reopen-${it.id}`;
    const msg = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    const reason = el('input', { id, type: 'text', autocomplete: 'off', maxlength: '2000' });
    const f = el(
      'form',
      { class: 'reopen-form', novalidate: true },
      el('label', { for: id, text: c('reopenReason') }),
      reason,
      el('button', { type: 'submit', class: 'button secondary small', text: c('reopen') }),
      msg,
    );
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!reason.value.trim()) {
        say(msg, c('reopenNeedsReason'));
        reason.focus();
        return;
      }
      const r = await api(`candidates/${it.id}/reopen`, {
        token: token(),
        method: 'POST',
        json: { reason: reason.value.trim() },
      });
      if (r.status === 401) return onUnauthorized();
      if (!r.ok) return say(msg, refusal(r));
      say(msg, c('reopened'));
      window.setTimeout(() => void openCase(found), 800);
    });
    return f;
  }

  return { openCase };
}
