import { html } from 'hono/html';
import { organisationInSentence, type Organisation } from '../../src/i18n/organisation.ts';
import type { Markup, PageContext } from './layout.ts';

/** Who runs the service and how to reach them, in the reader's language (src/i18n/organisation.ts). */
export type { Organisation };

/** The line under the header of every family page: who runs this, and how to talk to a person. */
export function organisationBanner(ui: PageContext, org: Organisation): Markup {
  const { t } = ui;
  return html`<aside class="org-banner" aria-label="${t('family:orgContactLabel')}"><div class="wrap">
<p>${org.name ? t('family:orgRunBy', { org: organisationInSentence(org.name, t) }) : t('family:orgUnnamed')}
${org.contact ? html`<strong class="contact">${t('family:orgContact', { contact: org.contact })}</strong>` : t('family:orgNoContact')}</p>
</div></aside>`;
}

/** What is kept, for how long, and how to delete it: on the start page and in the case. */
export function keptSection(ui: PageContext, id: string): Markup {
  const { t } = ui;
  return html`<section class="kept" aria-labelledby="${id}">
  <h2 id="${id}">${t('family:keptHeading')}</h2>
  <ul class="facts">
    <li>${t('family:kept1')}</li>
    <li>${t('family:kept2')}</li>
    <li>${t('family:kept3')}</li>
    <li>${t('family:kept4')}</li>
  </ul>
</section>`;
}

/** The subject fields of DESIGN §11, as the start page and the case page ask for them. */
export function subjectFields(ui: PageContext, prefix: string): Markup {
  const { t } = ui;
  const input = (
    name: string,
    extra: Markup | string = '',
  ) => html`<label for="${prefix}-${name}">${t(`family:${name}`)}</label>
<input id="${prefix}-${name}" name="${name}" type="text" maxlength="200" autocomplete="off" ${extra}>`;
  return html`${input('surname')}
${input('givenName')}
${input('patronymic')}
<label for="${prefix}-birthDate">${t('family:birthDate')}</label>
<p class="hint" id="${prefix}-birthDate-hint">${t('family:birthDateHint')}</p>
<input id="${prefix}-birthDate" name="birthDate" type="text" maxlength="10" autocomplete="off" inputmode="numeric" aria-describedby="${prefix}-birthDate-hint">
${input('unit')}
${input('idNumber')}
<label for="${prefix}-marks">${t('family:marks')}</label>
<textarea id="${prefix}-marks" name="marks" rows="2" maxlength="2000"></textarea>
<label for="${prefix}-notes">${t('family:notes')}</label>
<textarea id="${prefix}-notes" name="notes" rows="2" maxlength="2000"></textarea>`;
}
