/* global URLSearchParams, document, fetch, window */
// `/admin` (issue 29): people and their tokens, finding a case (case-finder.js), disputes settled
// with a way to reopen one, and the audit log with people's names and filters. Everything through
// the API with the admin's token (kept in this tab only, as on the other staff pages).
import { caseFinder } from './case-finder.js';
import { LANG, api, byId, el, plainError, say, show, showError, staffSignIn, t } from './common.js';

const a = (key, vars) => t(`admin:${key}`, vars);
const AUDIT_PAGE = 50;
const ACTOR_ROLES = ['admin', 'verifier', 'operator', 'family', 'anonymous', 'cli', 'jobs'];
const SETTLED_PAGE = 20;
let token = null;
let auditNext = null;
let auditQuery = '';
let settledNext = null;

const when = (iso) =>
  iso ? new Intl.DateTimeFormat(LANG, { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso)) : '';
const refusal = (res) => (res.data && res.data.error && res.data.error.message) || plainError(res);
/** A role, or a system actor, in the page's words (the catalogue has each; anything else as sent). */
const roleWord = (role) => {
  const w = a(`role_${role}`);
  return w === `admin:role_${role}` ? role || '—' : w;
};

/**
 * An audit action in the page's words (src/i18n/audit-actions.ts: the same key, dots as '_');
 * an action the catalogue lacks as its code.
 */
const actionLabel = (action) => {
  const key = `action_${String(action).replaceAll('.', '_')}`;
  const w = a(key);
  return w === `admin:${key}` ? action : w;
};

const signIn = staffSignIn({
  key: 'kinfinder.admin',
  async check(tk) {
    const r = await api('tokens?revoked=false', { token: tk });
    if (r.status === 401) return a('signinBad');
    if (r.status === 403) return a('signinWrongRole');
    if (!r.ok) return plainError(r, a('signinFailed'));
    return true;
  },
  onReady(value) {
    token = value;
    show(byId('admin'), true);
    caseFinder({ root: byId('case-finder'), token: () => token, reopen: true, onUnauthorized: () => signIn.signOut() });
    void loadPeople();
    void loadSettled(null);
    void loadAudit(null);
  },
});
byId('sign-out').addEventListener('click', () => signIn.signOut());

// ---- people and tokens ----

async function loadPeople() {
  const revoked = byId('show-revoked').checked;
  const r = await api(`tokens?revoked=${revoked}`, { token });
  if (r.status === 401) return signIn.signOut();
  if (!r.ok) return say(byId('people-status'), refusal(r));
  const people = new Map();
  for (const tk of r.data.items || []) {
    const key = tk.personId || tk.id;
    if (!people.has(key)) people.set(key, { id: tk.personId, name: tk.name, role: tk.role, tokens: [] });
    people.get(key).tokens.push(tk);
  }
  const sorted = [...people.values()].sort((x, y) => x.name.localeCompare(y.name, LANG));
  byId('people-body').replaceChildren(...sorted.map(personRow));
  // The audit filter offers the same people (a person's id finds every token of theirs).
  const select = byId('audit-person');
  const chosen = select.value;
  select.replaceChildren(
    el('option', { value: '', text: a('anyone') }),
    ...sorted.filter((p) => p.id).map((p) => el('option', { value: p.id, text: `${p.name} (${roleWord(p.role)})` })),
    // Everyone of a role, and the callers who are no person (families, anonymous, the command line).
    ...ACTOR_ROLES.map((r) => el('option', { value: r, text: a('everyRole', { role: roleWord(r) }) })),
  );
  select.value = chosen;
}

function tokenLine(tk) {
  const parts = [a('created', { date: when(tk.createdAt) })];
  parts.push(tk.lastUsedAt ? a('lastUsed', { date: when(tk.lastUsedAt) }) : a('neverUsed'));
  if (tk.revokedAt) parts.push(a('revokedAt', { date: when(tk.revokedAt) }));
  const li = el('li', { class: tk.revokedAt ? 'revoked' : '' }, el('span', { text: parts.join(' · ') }));
  if (!tk.revokedAt) {
    const revoke = el('button', { type: 'button', class: 'button danger small', text: a('revoke') });
    // Two presses: a token in use is not revoked by a slip of the finger.
    revoke.addEventListener('click', async () => {
      if (revoke.dataset.armed !== 'yes') {
        revoke.dataset.armed = 'yes';
        revoke.textContent = a('revokeConfirm');
        return;
      }
      const r = await api(`tokens/${tk.id}`, { token, method: 'DELETE' });
      if (r.status === 401) return signIn.signOut();
      if (!r.ok) return say(byId('people-status'), refusal(r));
      say(byId('people-status'), a('revoked', { name: tk.name }));
      void loadPeople();
    });
    li.append(' ', revoke);
  }
  return li;
}

function personRow(p) {
  const cell = (col, ...children) => el('td', { 'data-label': a(col) }, ...children);
  const add = el('button', {
    type: 'button',
    class: 'button secondary small',
    text: a('addToken'),
    'aria-label': a('addTokenFor', { name: p.name }),
    onclick: () => void createToken(p.name, p.role),
  });
  return el(
    'tr',
    {},
    cell('colPerson', el('strong', { text: p.name })),
    cell('colRole', roleWord(p.role)),
    cell('colTokens', el('ul', { class: 'token-list' }, ...p.tokens.map(tokenLine))),
    el('td', { class: 'actions-cell' }, add),
  );
}

async function createToken(name, role) {
  showError(byId('token-error'), '');
  const r = await api('tokens', { token, method: 'POST', json: { name, role } });
  if (r.status === 401) return signIn.signOut();
  if (!r.ok) return showError(byId('token-error'), refusal(r));
  byId('new-token-label').textContent = a('newToken', { name: r.data.name, role: roleWord(r.data.role) });
  byId('new-token-value').textContent = r.data.token;
  show(byId('new-token'), true);
  say(byId('people-status'), a('tokenCreated', { name: r.data.name }));
  void loadPeople();
}

byId('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = byId('person-name').value.trim();
  if (!name) {
    showError(byId('token-error'), a('nameNeeded'));
    byId('person-name').focus();
    return;
  }
  void createToken(name, byId('person-role').value);
  byId('person-name').value = '';
});
byId('show-revoked').addEventListener('change', () => void loadPeople());

// ---- disputes settled ----

async function loadSettled(before) {
  const r = await api(`audit?action=candidate.settle_*&limit=${SETTLED_PAGE}${before ? `&before=${before}` : ''}`, {
    token,
  });
  if (!r.ok) return;
  const events = r.data.events || [];
  if (!before) byId('settled-list').replaceChildren();
  byId('settled-list').append(...events.map(settledItem));
  show(byId('settled-empty'), !before && events.length === 0);
  settledNext = r.data.next || null;
  show(byId('settled-more'), Boolean(settledNext));
}
byId('settled-more').addEventListener('click', () => void loadSettled(settledNext));

function settledItem(e) {
  const outcome = e.action === 'candidate.settle_confirm' ? a('settledConfirm') : a('settledReject');
  const who = e.actorName || roleWord(e.actorRole);
  const id = `reopen-settled-${e.id}`;
  const reason = el('input', { id, type: 'text', autocomplete: 'off', maxlength: '2000' });
  const msg = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const form = el(
    'form',
    { class: 'reopen-form', novalidate: true },
    el('label', { for: id, text: a('reopenReason') }),
    reason,
    el('button', { type: 'submit', class: 'button secondary small', text: a('reopen') }),
    msg,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!reason.value.trim()) {
      say(msg, a('reopenNeedsReason'));
      reason.focus();
      return;
    }
    const r = await api(`candidates/${e.subjectId}/reopen`, {
      token,
      method: 'POST',
      json: { reason: reason.value.trim() },
    });
    if (r.status === 401) return signIn.signOut();
    if (r.status === 409) return say(msg, a('reopenNotFinal'));
    if (!r.ok) return say(msg, refusal(r));
    say(msg, a('reopened'));
    void loadAudit(null);
  });
  return el(
    'li',
    {},
    el('span', {
      text: `${when(e.at)} · ${who} · ${outcome} · ${a('candidate', { id: String(e.subjectId || '').slice(0, 8) })}`,
    }),
    form,
  );
}

// ---- the audit log ----

/** A local date (the reader's midnight) as an ISO instant; `nextDay` for an "until" that includes the day. */
function dayStart(value, nextDay) {
  const [y, m, d] = value.split('-').map(Number);
  return new Date(y, m - 1, d + (nextDay ? 1 : 0)).toISOString();
}

async function loadAudit(before) {
  const r = await api(
    `audit?${auditQuery}${auditQuery ? '&' : ''}limit=${AUDIT_PAGE}${before ? `&before=${before}` : ''}`,
    { token },
  );
  if (r.status === 401) return signIn.signOut();
  if (!r.ok) return showError(byId('audit-error'), refusal(r));
  const events = r.data.events || [];
  const rows = events.map(auditRow);
  if (before) byId('audit-body').append(...rows);
  else byId('audit-body').replaceChildren(...rows);
  auditNext = r.data.next || null;
  show(byId('audit-more'), Boolean(auditNext));
  const count = byId('audit-body').children.length;
  say(byId('audit-status'), count === 0 ? a('auditEmpty') : a('auditShown', { count }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An event's details as "key: value" pairs, ids shortened as the subject column shows them (the whole in the tooltip). */
function detailsText(d) {
  const short = (v) =>
    typeof v === 'string' && UUID.test(v)
      ? v.slice(0, 8)
      : Array.isArray(v)
        ? `[${v.map(short).join(' ')}]`
        : v && typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);
  return Object.entries(d)
    .map(([k, v]) => `${k}: ${short(v)}`)
    .join(', ');
}

function auditRow(e) {
  const cell = (col, text, title) => el('td', { 'data-label': a(col), text, title });
  const details = detailsText(e.details || {});
  return el(
    'tr',
    {},
    cell('colWhen', when(e.at)),
    cell('colWho', e.actorName ? `${e.actorName} (${roleWord(e.actorRole)})` : roleWord(e.actorRole)),
    // The label for the reader, the code beneath it for whoever greps the log or the CSV.
    el(
      'td',
      { 'data-label': a('colAction') },
      el('span', {}, actionLabel(e.action), el('small', { class: 'action-code', text: e.action })),
    ),
    cell(
      'colSubject',
      e.subjectId ? `${e.subjectType || ''} ${String(e.subjectId).slice(0, 8)}` : '—',
      e.subjectId || undefined,
    ),
    cell('colDetails', details.length > 160 ? `${details.slice(0, 159)}…` : details, JSON.stringify(e.details || {})),
  );
}

byId('audit-form').addEventListener('submit', (e) => {
  e.preventDefault();
  showError(byId('audit-error'), '');
  const p = new URLSearchParams();
  const person = byId('audit-person').value;
  const action = byId('audit-action').value;
  const subject = byId('audit-case').value.trim();
  const from = byId('audit-from').value;
  const to = byId('audit-to').value;
  if (person) p.set('actor', person);
  if (action) p.set('action', action);
  if (subject) p.set('subject', subject);
  if (from) p.set('since', dayStart(from, false));
  if (to) p.set('until', dayStart(to, true));
  auditQuery = p.toString();
  void loadAudit(null);
});
byId('audit-more').addEventListener('click', () => void loadAudit(auditNext));

/** The log with the filters shown, as CSV: fetched with the token and handed to the browser as a file. */
byId('audit-csv').addEventListener('click', async () => {
  let res;
  try {
    res = await fetch(`/api/v1/audit.csv${auditQuery ? `?${auditQuery}` : ''}`, {
      headers: { authorization: `Bearer ${token}` },
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    return showError(byId('audit-error'), plainError({ status: 0, data: {} }));
  }
  if (res.status === 401) return signIn.signOut();
  if (!res.ok) return showError(byId('audit-error'), a('csvFailed'));
  const url = URL.createObjectURL(await res.blob());
  const link = el('a', { href: url, download: 'audit.csv' });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
});
