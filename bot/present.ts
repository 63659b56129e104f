import { familyWordKeys } from '../src/cases/family-words.ts';
import type { FamilyCaseView } from '../src/cases/view.ts';
import type { Translate } from '../src/i18n/catalogue.ts';
import { defaultFamilyMessage } from '../src/i18n/family-words.ts';
import type { Language } from '../src/i18n/languages.ts';
import { organisationFor, organisationInSentence, type OrganisationSettings } from '../src/i18n/organisation.ts';

// What /status answers: the family's view (src/cases/view.ts:viewOwnCase, reduced by
// src/access/visibility.ts) in the words src/cases/family-words.ts chooses for every channel,
// laid out as the case page lays them out (api/pages/assets/case.js): a notice first, then the
// status, then each result with whom to talk to. The photo stays on the page.

export function caseStatusText(
  view: FamilyCaseView,
  t: Translate,
  lang: Language,
  settings: OrganisationSettings | undefined,
): string {
  const words = familyWordKeys(view);
  // Who runs the service in this reader's language, named in a sentence as the page names it.
  const own = organisationFor(settings, lang);
  const org = { name: own.name ? organisationInSentence(own.name, t) : undefined, contact: own.contact };
  const date = (d: Date) => d.toLocaleDateString(lang, { year: 'numeric', month: 'long', day: 'numeric' });
  const support =
    org?.name && org.contact
      ? t('case:support', { org: org.name, contact: org.contact })
      : org?.contact
        ? t('case:supportContact', { contact: org.contact })
        : t('case:supportNoContact');
  const call =
    org?.name && org.contact
      ? t('case:noticeCall', { org: org.name, contact: org.contact })
      : org?.contact
        ? t('case:noticeCallContact', { contact: org.contact })
        : t('case:noticeCallNoContact');
  const parts: string[] = [];
  const rechecked = view.notices.filter((n) => n.kind === 'result_rechecked');
  words.notices.forEach((n, i) =>
    parts.push(`${t(n.title)}\n${t(n.text, { date: date(rechecked[i]!.at) })}\n\n${call}`),
  );
  const photos =
    view.referencePhotos > 0 ? t('case:photosGiven', { count: view.referencePhotos }) : t('case:noPhotosGiven');
  parts.push(`${t(words.status.title)}\n${t(words.status.text)}\n\n${photos}`);
  const standard = defaultFamilyMessage(t);
  view.confirmed.forEach((c, i) => {
    const w = words.confirmed[i]!;
    const lines = [
      view.confirmed.length > 1
        ? t('case:resultN', { n: i + 1, count: view.confirmed.length })
        : t('case:resultHeading'),
      t(w.title),
      t(w.text),
    ];
    // The hardest news: the words first, then a person to talk to, before anything else.
    if (c.category === 'deceased') lines.push(support);
    // The standard sentence in the family's language; beneath it, marked as theirs, the
    // verifier's own words (perhaps in another language), as the page shows them.
    const sentence = standard(c.category);
    const own = c.familyMessage && c.familyMessage.trim() !== sentence.trim() ? c.familyMessage : null;
    lines.push(`${t('case:messageHeading')}:\n${sentence}${own ? `\n${t('case:verifierWords')}\n«${own}»` : ''}`);
    lines.push(t('case:confirmedOn', { date: date(c.confirmedAt) }));
    if (c.category !== 'deceased') lines.push(support);
    lines.push(t('bot:photoOnPage'));
    parts.push(lines.join('\n\n'));
  });
  return parts.join('\n\n— — —\n\n');
}
