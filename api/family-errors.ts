import type { Context } from 'hono';
import { hasMessage } from '../src/i18n/catalogue.ts';
import { familyErrorText } from '../src/i18n/family-errors.ts';
import { translate } from './language.ts';

/**
 * The routes a family calls (DESIGN §9): their error messages are in the family's language and
 * written for them; the `code` never changes, so programs keep reading it. Staff routes keep
 * the precise English messages operators and scripts rely on.
 */
export function isFamilyRoute(path: string): boolean {
  return /^\/api\/v1\/(searches|case)(\/|$)/.test(path);
}

/** The family's message for an error code, or undefined where the code has none (or staff route). */
export function familyMessage(c: Context, code: string, details?: Record<string, unknown>): string | undefined {
  if (!isFamilyRoute(c.req.path)) return undefined;
  return familyErrorText(translate(c), code, details);
}

/**
 * A staff route's refusal that names a message written for it (`details.reason`, e.g. a withdrawal
 * without a reason): in the caller's language, as the pages show it. Other staff errors keep their
 * precise English message.
 */
export function explainedMessage(c: Context, code: string, details?: Record<string, unknown>): string | undefined {
  const reason = typeof details?.reason === 'string' ? details.reason : undefined;
  if (!reason || !hasMessage(`errors:${code}_${reason}`)) return undefined;
  return translate(c)(`errors:${code}_${reason}`, details);
}
