import type { Category } from '../vocabulary.ts';
import type { Translate } from './catalogue.ts';

const KEYS: Record<Category, string> = {
  prisoner: 'family:defaultPrisoner',
  deceased: 'family:defaultDeceased',
  unknown: 'family:defaultUnknown',
};

/**
 * The default sentence for a confirmed match's category (DESIGN §9), for a family whose
 * confirming verifier wrote none: the HTTP API's and the bot's alike.
 */
export function defaultFamilyMessage(t: Translate): (category: Category) => string {
  return (category) => t(KEYS[category]);
}
