import { describe, expect, it } from 'vitest';
import { languageOfTelegram } from '../../bot/app.ts';
import { isNewsForFamily } from '../../src/match/status.ts';
import { CANDIDATE_STATUSES } from '../../src/vocabulary.ts';

// Issue 31: when a family hears that there is news (DESIGN §20), and which language the bot
// speaks to a Telegram user before they choose one.

describe('isNewsForFamily', () => {
  it('is news exactly when a result is confirmed or one the family was shown is taken back', () => {
    const table = CANDIDATE_STATUSES.flatMap((before) =>
      [...CANDIDATE_STATUSES, 'withdrawn' as const].map((after) => [before, after, isNewsForFamily(before, after)]),
    );
    const news = table.filter(([, , n]) => n).map(([b, a]) => `${b}→${a}`);
    expect(news.sort()).toEqual(
      [
        'pending→confirmed',
        'disputed→confirmed',
        'rejected→confirmed',
        'confirmed→pending',
        'confirmed→rejected',
        'confirmed→disputed',
        'confirmed→withdrawn',
      ].sort(),
    );
  });
});

describe('languageOfTelegram', () => {
  it('takes ru, uk and en with or without a region, and nothing else', () => {
    expect(['uk', 'ru-RU', 'en-GB', 'UK', 'en_US', 'be', 'de', '', undefined].map(languageOfTelegram)).toEqual([
      'uk',
      'ru',
      'en',
      'uk',
      'en',
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
