import type { Context } from 'hono';
import type { Category } from '../src/vocabulary.ts';
import { translate } from './language.ts';

const KEYS: Record<Category, string> = {
  prisoner: 'family:defaultPrisoner',
  deceased: 'family:defaultDeceased',
  unknown: 'family:defaultUnknown',
};

/** The default sentence for a confirmed match's category, in the caller's language (DESIGN §9). */
export function familyWords(c: Context): (category: Category) => string {
  const t = translate(c);
  return (category) => t(KEYS[category]);
}
