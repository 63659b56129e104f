import type { Context } from 'hono';
import { defaultFamilyMessage } from '../src/i18n/family-words.ts';
import type { Category } from '../src/vocabulary.ts';
import { translate } from './language.ts';

/** The default sentence for a confirmed match's category, in the caller's language (DESIGN §9). */
export function familyWords(c: Context): (category: Category) => string {
  return defaultFamilyMessage(translate(c));
}
