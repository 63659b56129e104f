import type { FamilyCaseView } from './view.ts';

/**
 * Which words a family reads for its case (issue 27), as catalogue keys, so every channel (the
 * case page, a bot, a letter) tells the same thing in the family's language. The case page
 * (api/pages/assets/case.js, plain browser JavaScript) follows the same rule.
 *
 * - the status: `open` reads "we are looking" whatever the archive holds; `answered` has a
 *   lead-in that fits the news (only the death notice asks to read it with someone close);
 * - a notice first when a result they were given is being checked again, with whom to call;
 * - each result in words for how it was reached (by photo, by record, or both).
 */
export interface FamilyWordKeys {
  status: { title: string; text: string };
  notices: Array<{ title: string; text: string }>;
  confirmed: Array<{ id: string; title: string; text: string; photoWarning: string }>;
}

const CATEGORY_WORDS = {
  prisoner: { title: 'case:prisonerTitle', text: 'case:prisonerText', photo: 'case:prisonerPhotoWarning' },
  deceased: { title: 'case:deceasedTitle', text: 'case:deceasedText', photo: 'case:deceasedPhotoWarning' },
  unknown: { title: 'case:unknownTitle', text: 'case:unknownText', photo: 'case:unknownPhotoWarning' },
} as const;

export function familyWordKeys(v: Pick<FamilyCaseView, 'case' | 'notices' | 'confirmed'>): FamilyWordKeys {
  const kinds = v.confirmed.map((c) => c.category);
  const status =
    v.case.status !== 'answered'
      ? { title: 'case:openTitle', text: 'case:openText' }
      : {
          title: 'case:answeredTitle',
          text: kinds.includes('deceased')
            ? 'case:leadDeceased'
            : kinds.includes('prisoner')
              ? 'case:leadPrisoner'
              : 'case:leadUnknown',
        };
  return {
    status,
    notices: v.notices
      .filter((n) => n.kind === 'result_rechecked')
      .map(() => ({ title: 'case:noticeTitle', text: 'case:noticeText' })),
    confirmed: v.confirmed.map((c) => {
      const w = CATEGORY_WORDS[c.category];
      return { id: c.id, title: w.title, text: `${w.text}_${c.reachedBy}`, photoWarning: w.photo };
    }),
  };
}
