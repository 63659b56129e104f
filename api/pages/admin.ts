import { html } from 'hono/html';
import { auditActionKey } from '../../src/i18n/audit-actions.ts';
import { AUDIT_ACTIONS, STAFF_ROLES } from '../../src/vocabulary.ts';
import { layout, type Markup, type PageContext } from './layout.ts';
import { signInSection } from './signin.ts';

/**
 * `/admin` (issue 29): what an admin did with curl before: people and their tokens, the audit
 * log with names and filters, disputes settled (and reopening a final candidate with a reason),
 * and finding a case to re-issue its code. Texts in the `admin` and `cases` namespaces; the script
 * (assets/admin.js) fills the lists.
 */
export function adminPage(o: { ui: PageContext }): Markup {
  const t = (key: string, vars?: Record<string, unknown>) => o.ui.t(`admin:${key}`, vars);
  return layout({
    ui: o.ui,
    title: t('title'),
    script: 'admin.js',
    messages: ['admin', 'cases'],
    staff: true,
    body: html`
<h1>${t('heading')}</h1>
${signInSection({
  what: 'admin',
  intro: t('signinIntro'),
  texts: { heading: t('signinHeading'), kept: t('signinKept'), label: t('signinLabel'), button: t('signinButton') },
})}
<div id="admin" hidden>
  <div class="toolbar">
    <nav class="in-page" aria-label="${t('sectionsNav')}">
      <a href="#people-heading">${t('peopleHeading')}</a> <a href="#cases-heading">${o.ui.t('cases:heading')}</a>
      <a href="#settled-heading">${t('settledHeading')}</a> <a href="#audit-heading">${t('auditHeading')}</a>
    </nav>
    <button id="sign-out" class="button secondary small" type="button">${t('signOut')}</button>
  </div>

  <section aria-labelledby="people-heading">
    <h2 id="people-heading">${t('peopleHeading')}</h2>
    <p class="hint">${t('peopleHint')}</p>
    <form id="token-form" class="inline-form" novalidate>
      <div>
        <label for="person-name">${t('personName')}</label>
        <input id="person-name" type="text" autocomplete="off" maxlength="200">
      </div>
      <div>
        <label for="person-role">${t('personRole')}</label>
        <select id="person-role">
          ${STAFF_ROLES.map((r) => html`<option value="${r}">${t(`role_${r}`)}</option>`)}
        </select>
      </div>
      <button class="button primary" type="submit">${t('createToken')}</button>
    </form>
    <p id="token-error" class="error" role="alert" hidden></p>
    <div id="new-token" class="code-card" hidden>
      <p class="code-label" id="new-token-label"></p>
      <p class="new-token" id="new-token-value" aria-labelledby="new-token-label"></p>
      <p class="hint">${t('tokenOnce')}</p>
    </div>
    <p id="people-status" class="status" role="status" aria-live="polite"></p>
    <table id="people-table" class="batches">
      <thead><tr>
        <th scope="col">${t('colPerson')}</th><th scope="col">${t('colRole')}</th><th scope="col">${t('colTokens')}</th><th scope="col"></th>
      </tr></thead>
      <tbody id="people-body"></tbody>
    </table>
    <p><label class="check"><input id="show-revoked" type="checkbox"> ${t('showRevoked')}</label></p>
  </section>

  <section aria-labelledby="cases-heading">
    <h2 id="cases-heading">${o.ui.t('cases:heading')}</h2>
    <p class="hint">${o.ui.t('cases:intro')}</p>
    <div id="case-finder"></div>
  </section>

  <section aria-labelledby="settled-heading">
    <h2 id="settled-heading">${t('settledHeading')}</h2>
    <p class="hint">${t('settledHint')}</p>
    <p id="settled-empty" class="hint" hidden>${t('settledEmpty')}</p>
    <ul id="settled-list" class="settled"></ul>
    <button id="settled-more" class="button secondary small" type="button" hidden>${t('more')}</button>
  </section>

  <section aria-labelledby="audit-heading">
    <h2 id="audit-heading">${t('auditHeading')}</h2>
    <form id="audit-form" class="inline-form audit-filters" novalidate>
      <div>
        <label for="audit-person">${t('filterPerson')}</label>
        <select id="audit-person"><option value="">${t('anyone')}</option></select>
      </div>
      <div>
        <label for="audit-action">${t('filterAction')}</label>
        <select id="audit-action">
          <option value="">${t('anyAction')}</option>
          ${AUDIT_ACTIONS.map((a) => html`<option value="${a}">${o.ui.t(auditActionKey(a))}</option>`)}
        </select>
      </div>
      <div>
        <label for="audit-case">${t('filterCase')}</label>
        <input id="audit-case" type="text" autocomplete="off" spellcheck="false" aria-describedby="audit-case-hint">
        <p class="hint" id="audit-case-hint">${t('filterCaseHint')}</p>
      </div>
      <div>
        <label for="audit-from">${t('filterFrom')}</label>
        <input id="audit-from" type="date">
      </div>
      <div>
        <label for="audit-to">${t('filterTo')}</label>
        <input id="audit-to" type="date">
      </div>
      <button class="button primary" type="submit">${t('filterApply')}</button>
    </form>
    <p id="audit-error" class="error" role="alert" hidden></p>
    <p id="audit-status" class="status" role="status" aria-live="polite"></p>
    <table id="audit-table" class="batches">
      <thead><tr>
        <th scope="col">${t('colWhen')}</th><th scope="col">${t('colWho')}</th><th scope="col">${t('colAction')}</th>
        <th scope="col">${t('colSubject')}</th><th scope="col">${t('colDetails')}</th>
      </tr></thead>
      <tbody id="audit-body"></tbody>
    </table>
    <div class="actions">
      <button id="audit-more" class="button secondary small" type="button" hidden>${t('more')}</button>
      <button id="audit-csv" class="button secondary small" type="button">${t('auditCsv')}</button>
    </div>
  </section>
</div>
`,
  });
}
