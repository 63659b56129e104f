import type { Context } from 'hono';
import type { Category } from '../src/vocabulary.ts';

// Replaced by the message catalogue once the i18n core is on main.
const DEFAULTS: Record<Category, string> = {
  prisoner: 'Trained checkers agree that this photo, from records of prisoners of war, shows your relative.',
  deceased: 'Trained checkers agree that this photo, from records of soldiers who have died, shows your relative. We are very sorry.',
  unknown: 'Trained checkers agree that this photo shows your relative.',
};

/** The default sentence for a confirmed match's category, in the caller's language. */
export function familyWords(_c: Context): (category: Category) => string {
  return (category) => DEFAULTS[category];
}
