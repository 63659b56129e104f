import type { FamilyCaseView } from '../src/cases/view.ts';
import type { Translate } from '../src/i18n/catalogue.ts';
import { defaultFamilyMessage } from '../src/i18n/family-words.ts';
import type { Language } from '../src/i18n/languages.ts';
import type { CaseStatus, Category } from '../src/vocabulary.ts';

// What /status answers: the family's view (src/cases/view.ts:viewOwnCase, reduced by
// src/access/visibility.ts) in the words of the case page (api/pages/assets/case.js), key for key.

const STATUS: Record<CaseStatus, [string, string]> = {
  searching: ['case:searchingTitle', 'case:searchingText'],
  under_review: ['case:underReviewTitle', 'case:underReviewText'],
  match_confirmed: ['case:confirmedTitle', 'case:confirmedText'],
  closed: ['case:closedTitle', 'case:closedText'],
};

const WORDS: Record<Category, { title: string; text: string }> = {
  prisoner: { title: 'case:prisonerTitle', text: 'case:prisonerText' },
  deceased: { title: 'case:deceasedTitle', text: 'case:deceasedText' },
  unknown: { title: 'case:unknownTitle', text: 'case:unknownText' },
};

export function caseStatusText(
  view: FamilyCaseView,
  t: Translate,
  lang: Language,
  org: { name: string | undefined; contact: string | undefined } | undefined,
): string {
  const [title, text] = STATUS[view.case.status] ?? STATUS.searching;
  const support =
    org?.name && org.contact ? t('case:support', { org: org.name, contact: org.contact }) : t('case:supportNoContact');
  const message = defaultFamilyMessage(t);
  const parts = [`${t(title)}\n${t(text)}\n\n${t('case:photosGiven', { count: view.referencePhotos })}`];
  view.confirmed.forEach((c, i) => {
    const words = WORDS[c.category] ?? WORDS.unknown;
    const date = c.confirmedAt.toLocaleDateString(lang, { year: 'numeric', month: 'long', day: 'numeric' });
    const lines = [
      view.confirmed.length > 1
        ? t('case:resultN', { n: i + 1, count: view.confirmed.length })
        : t('case:resultHeading'),
      t(words.title),
      t(words.text),
    ];
    // The hardest news: the words first, then a person to talk to, before anything else.
    if (c.category === 'deceased') lines.push(support);
    lines.push(
      `${t('case:messageHeading')}: ${c.familyMessage ?? message(c.category)}`,
      t('case:confirmedOn', { date }),
    );
    if (c.category !== 'deceased') lines.push(support);
    lines.push(t('bot:photoOnPage'));
    parts.push(lines.join('\n\n'));
  });
  return parts.join('\n\n— — —\n\n');
}
