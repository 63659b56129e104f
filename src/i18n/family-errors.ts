import { hasMessage, type Translate } from './catalogue.ts';

/**
 * An error's message for a family, in their language (`errors:<code>`, or the more precise
 * `errors:<code>_<reason>` where a refusal names one), or undefined where the code has none.
 * The HTTP API's family routes and the Telegram bot word errors alike through this.
 */
export function familyErrorText(t: Translate, code: string, details?: Record<string, unknown>): string | undefined {
  const reason = typeof details?.reason === 'string' ? details.reason : undefined;
  const key = reason && hasMessage(`errors:${code}_${reason}`) ? `errors:${code}_${reason}` : `errors:${code}`;
  const retryAfter = typeof details?.retryAfter === 'number' ? details.retryAfter : undefined;
  const vars = { ...details, ...(retryAfter !== undefined ? { count: retryAfter } : {}) };
  if (!hasMessage(key) && !(retryAfter !== undefined && hasMessage(`${key}_other`))) return undefined;
  return t(key, vars);
}
