import { Bot, InlineKeyboard, type Context } from 'grammy';
import { normalizeCaseCode } from '../src/access/case-code.ts';
import { codeThrottles, signInWithCaseCode } from '../src/access/code-sign-in.ts';
import type { Principal } from '../src/access/principal.ts';
import { sharedThrottles, type Throttle, type WindowOptions } from '../src/access/throttles.ts';
import { readChat, saveChat, type BotChat } from '../src/cases/bot-chat.ts';
import { deleteCase } from '../src/cases/delete.ts';
import { removeNotifyAddresses, setNotifyAddress } from '../src/cases/notify.ts';
import { openCase, type CaseDeps } from '../src/cases/open.ts';
import { MAX_REFERENCE_PHOTOS } from '../src/cases/reference-photos.ts';
import { viewOwnCase } from '../src/cases/view.ts';
import { isKinfinderError, KinfinderError } from '../src/errors.ts';
import { translator, type Translate } from '../src/i18n/catalogue.ts';
import { familyErrorText } from '../src/i18n/family-errors.ts';
import { isLanguage, LANGUAGE_NAMES, LANGUAGES, type Language } from '../src/i18n/languages.ts';
import type { Logger } from '../src/log.ts';
import type { OrganisationSettings } from '../src/i18n/organisation.ts';
import { checkSubjectFields, subjectRecord } from '../src/records/record.ts';
import { assertValidText } from '../src/text.ts';
import { caseStatusText } from './present.ts';

/** The questions, one at a time, in the order a relative tells them (the page's fields). */
export const QUESTIONS = ['surname', 'givenName', 'patronymic', 'birthDate', 'idNumber', 'unit', 'marks'] as const;
type Question = (typeof QUESTIONS)[number];

export interface BotDeps extends CaseDeps {
  logger: Logger;
  /** KINFINDER_DEFAULT_LANG: for a Telegram user whose language is none of ru, uk, en. */
  defaultLanguage: Language;
  /** KINFINDER_RATE_CASES_PER_HOUR, as for an address: cases one chat may open in an hour. */
  caseRate: WindowOptions;
  /** Who runs the service and how to reach a person, per language, as on the family pages. */
  organisation?: OrganisationSettings | undefined;
}

export interface TelegramSettings {
  token: string;
  /** KINFINDER_TELEGRAM_API_ROOT; Telegram's own when absent. */
  apiRoot?: string | undefined;
}

/** What a conversation keeps between messages (in the database, src/cases/bot-chat.ts). */
interface Draft {
  photos: string[];
  subject: Partial<Record<Question, string>>;
  /** The face chosen in a group photo, by the photo's place. */
  faces: Record<string, number>;
}

function draftOf(chat: BotChat): Draft {
  const d = chat.draft as Partial<Draft>;
  return { photos: d.photos ?? [], subject: d.subject ?? {}, faces: d.faces ?? {} };
}

/** The Telegram user's language when it is one of ours (`uk`, `ru-RU`, `en-GB`), else undefined. */
export function languageOfTelegram(code: string | undefined): Language | undefined {
  const base = code?.toLowerCase().split(/[-_]/)[0];
  return isLanguage(base) ? base : undefined;
}

const clientOf = (chatId: number) => `telegram:${chatId}`;

/**
 * The Telegram bot (DESIGN §20): opens a case as the family page does (photos, or none, and the
 * description one question at a time), answers /status as `GET /case` does, deletes a case
 * after a confirmation, and leaves the chat for notices. It is an adapter like the HTTP API:
 * every rule is the use case's (src/cases/*), every text the catalogue's; where a conversation
 * stands is in the database (bot_chats), never in this process.
 */
export function createBot(deps: BotDeps, tg: TelegramSettings): Bot {
  const bot = new Bot(tg.token, tg.apiRoot ? { client: { apiRoot: tg.apiRoot } } : {});
  const fileRoot = `${(tg.apiRoot ?? 'https://api.telegram.org').replace(/\/+$/, '')}/file/bot${tg.token}/`;
  const throttles = sharedThrottles(deps.db);
  const codes = codeThrottles(throttles);
  const uploads: Throttle = throttles.window('uploads', deps.caseRate);

  interface Turn {
    chatId: number;
    chat: BotChat;
    lang: Language;
    t: Translate;
    save(): Promise<void>;
  }

  async function turn(ctx: Context): Promise<Turn | undefined> {
    const chatId = ctx.chat?.id;
    // Only private chats: in a group, what a family says would be read by everyone in it.
    if (chatId === undefined || ctx.chat?.type !== 'private') return undefined;
    const chat = await readChat(deps, chatId);
    const lang = chat.language ?? languageOfTelegram(ctx.from?.language_code) ?? deps.defaultLanguage;
    const self: Turn = { chatId, chat, lang, t: translator(lang), save: () => saveChat(deps, chatId, self.chat) };
    return self;
  }

  const errorText = (t: Translate, err: unknown) =>
    (isKinfinderError(err) ? familyErrorText(t, err.code, err.details) : undefined) ??
    familyErrorText(t, 'internal') ??
    'error';

  /** A code typed by the family: the same throttles as the API's, keyed by the chat. */
  async function signIn(s: Turn, typed: string): Promise<Principal> {
    try {
      return await signInWithCaseCode(deps.db, codes, clientOf(s.chatId), typed);
    } catch (err) {
      if (isKinfinderError(err) && err.code === 'invalid_input') throw new Refusal(s.t('case:errShape'));
      if (isKinfinderError(err) && err.code === 'unauthorized') throw new Refusal(s.t('case:errWrong'));
      throw err;
    }
  }

  const codeArg = (ctx: Context) => (typeof ctx.match === 'string' ? ctx.match.trim() : '');

  // --- the case opened from a conversation -------------------------------------------------

  async function askNext(ctx: Context, s: Turn, from: number): Promise<void> {
    const next = QUESTIONS[from];
    if (!next) return openFromDraft(ctx, s);
    s.chat.step = `ask:${next}`;
    await s.save();
    await ctx.reply(`${s.t(`bot:q_${next}`)}\n\n${s.t('bot:questionOf', { n: from + 1, count: QUESTIONS.length })}`, {
      reply_markup: new InlineKeyboard().text(s.t('bot:skip'), 'skip'),
    });
  }

  async function startDraft(s: Turn): Promise<void> {
    s.chat.step = 'photos';
    s.chat.draft = { photos: [], subject: {}, faces: {} } satisfies Draft;
    await s.save();
  }

  async function download(fileId: string): Promise<Uint8Array> {
    const file = await bot.api.getFile(fileId);
    if (!file.file_path) throw new KinfinderError('invalid_input', 'Telegram gave no file for this photo');
    if (file.file_size !== undefined && file.file_size > deps.limits.maxBytes)
      throw new KinfinderError('file_too_large', 'the photo is larger than the upload limit', {
        maxMb: Math.floor(deps.limits.maxBytes / 1024 / 1024),
      });
    const res = await fetch(fileRoot + file.file_path);
    if (!res.ok) throw new KinfinderError('internal', `Telegram answered ${res.status} for a photo`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > deps.limits.maxBytes)
      throw new KinfinderError('file_too_large', 'the photo is larger than the upload limit', {
        maxMb: Math.floor(deps.limits.maxBytes / 1024 / 1024),
      });
    return bytes;
  }

  async function openFromDraft(ctx: Context, s: Turn): Promise<void> {
    const draft = draftOf(s.chat);
    s.chat.step = 'opening';
    await s.save();
    // Every attempt counts, as every anonymous upload to the API does (api/rate-limit.ts).
    const a = await uploads.admit(clientOf(s.chatId));
    if (!a.admitted) {
      s.chat.step = 'photos';
      await s.save();
      await ctx.reply(errorText(s.t, new KinfinderError('rate_limited', 'too many', { retryAfter: a.retryAfter })));
      return;
    }
    await ctx.reply(s.t('bot:opening'));
    let opened;
    try {
      const photos = [];
      for (const [i, id] of draft.photos.entries())
        photos.push({ bytes: await download(id), faceIndex: draft.faces[i] });
      opened = await openCase(deps, null, { photos, subject: draft.subject, client: clientOf(s.chatId) });
    } catch (err) {
      return openFailed(ctx, s, draft, err);
    }
    s.chat.step = 'idle';
    s.chat.draft = {};
    await s.save();
    const code = opened.caseCode!;
    await ctx.reply(
      [s.t('bot:opened'), s.t('bot:yourCode', { code }), s.t('family:doneKeep'), s.t('bot:howNext')].join('\n\n'),
    );
    await ctx.reply(s.t('bot:notifyOffer'), {
      // The code rides in the button, as it already stands in the message above: nothing is kept
      // here that would open the case without it.
      reply_markup: new InlineKeyboard().text(s.t('bot:notifyYes'), `notify:${code.replace(/-/g, '')}`),
    });
  }

  async function openFailed(ctx: Context, s: Turn, draft: Draft, err: unknown): Promise<void> {
    if (!isKinfinderError(err)) {
      deps.logger.error({ err }, 'bot: opening a case failed');
      s.chat.step = 'photos';
      await s.save();
      await ctx.reply(errorText(s.t, err));
      return;
    }
    const photoIndex = typeof err.details?.photoIndex === 'number' ? err.details.photoIndex : undefined;
    if (err.code === 'choose_face' && photoIndex !== undefined && Array.isArray(err.details?.faces)) {
      const faces = (err.details.faces as Array<{ index: number; box: { x: number; width: number } }>)
        .slice()
        // Numbered from left to right, as a person describes a group photo (the page does the same).
        .sort((p, q) => p.box.x + p.box.width / 2 - (q.box.x + q.box.width / 2));
      s.chat.step = 'face';
      await s.save();
      const kb = new InlineKeyboard();
      faces.forEach((f, i) => kb.text(s.t('family:personOnly', { n: i + 1 }), `face:${photoIndex}:${f.index}`).row());
      await ctx.reply(s.t('bot:chooseFace', { n: photoIndex + 1 }), { reply_markup: kb });
      return;
    }
    if (photoIndex !== undefined) {
      // That photo is left out; the family sends another or goes on without it.
      draft.photos.splice(photoIndex, 1);
      draft.faces = {};
      s.chat.step = 'photos';
      s.chat.draft = { ...draft };
      await s.save();
      await ctx.reply(s.t('bot:photoProblem', { n: photoIndex + 1, message: errorText(s.t, err) }), {
        reply_markup: new InlineKeyboard().text(s.t('bot:continue'), 'next'),
      });
      return;
    }
    s.chat.step = 'idle';
    s.chat.draft = {};
    await s.save();
    await ctx.reply(err.code === 'invalid_input' ? s.t('bot:needSomething') : errorText(s.t, err));
  }

  // --- the family's own case, by its code ----------------------------------------------------

  async function status(ctx: Context, s: Turn, typed: string): Promise<void> {
    const p = await signIn(s, typed);
    const view = await viewOwnCase(deps, p);
    await ctx.reply(caseStatusText(view, s.t, s.lang, deps.organisation));
  }

  async function askDelete(ctx: Context, s: Turn, typed: string): Promise<void> {
    // The code is checked now, so a mistyped one is said before the question.
    await signIn(s, typed);
    await ctx.reply(`${s.t('case:deleteQuestion')}\n\n${s.t('case:deleteText')}`, {
      reply_markup: new InlineKeyboard()
        .text(s.t('case:deleteYes'), `delete:${normalizeCaseCode(typed)!}`)
        .row()
        .text(s.t('case:deleteNo'), 'keep'),
    });
  }

  async function notify(ctx: Context, s: Turn, typed: string, on: boolean): Promise<void> {
    const p = await signIn(s, typed);
    if (on) {
      await setNotifyAddress(deps, p, { telegramChatId: String(s.chatId), language: s.lang });
      await ctx.reply(s.t('bot:notifyOn'));
    } else {
      await removeNotifyAddresses(deps, p);
      await ctx.reply(s.t('bot:notifyOff'));
    }
  }

  const BY_CODE = {
    status: (ctx: Context, s: Turn, code: string) => status(ctx, s, code),
    delete: (ctx: Context, s: Turn, code: string) => askDelete(ctx, s, code),
    notify: (ctx: Context, s: Turn, code: string) => notify(ctx, s, code, true),
    stop: (ctx: Context, s: Turn, code: string) => notify(ctx, s, code, false),
  } as const;
  type ByCode = keyof typeof BY_CODE;

  for (const command of Object.keys(BY_CODE) as ByCode[]) {
    bot.command(command, (ctx) =>
      guarded(ctx, async (s) => {
        const code = codeArg(ctx);
        if (code) return BY_CODE[command](ctx, s, code);
        // The code comes in the next message: where the conversation stands is kept.
        s.chat.step = `code:${command}`;
        await s.save();
        await ctx.reply(s.t('bot:askCode'));
      }),
    );
  }

  // --- the conversation ------------------------------------------------------------------------

  bot.command('start', (ctx) =>
    guarded(ctx, async (s) => {
      await startDraft(s);
      await ctx.reply(`${s.t('bot:welcome')}\n\n${s.t('bot:askPhotos', { max: MAX_REFERENCE_PHOTOS })}`, {
        reply_markup: new InlineKeyboard().text(s.t('bot:continue'), 'next'),
      });
    }),
  );
  bot.command('help', (ctx) => guarded(ctx, (s) => ctx.reply(s.t('bot:help')).then(() => undefined)));
  bot.command('cancel', (ctx) =>
    guarded(ctx, async (s) => {
      s.chat.step = 'idle';
      s.chat.draft = {};
      await s.save();
      await ctx.reply(s.t('bot:cancelled'));
    }),
  );
  bot.command('language', (ctx) =>
    guarded(ctx, async (s) => {
      const kb = new InlineKeyboard();
      for (const l of LANGUAGES) kb.text(LANGUAGE_NAMES[l], `lang:${l}`);
      await ctx.reply(s.t('bot:languageAsk'), { reply_markup: kb });
    }),
  );

  const photoOf = (ctx: Context): string | undefined => {
    const sizes = ctx.message?.photo;
    if (sizes && sizes.length > 0) return sizes[sizes.length - 1]!.file_id;
    const doc = ctx.message?.document;
    return doc?.mime_type?.startsWith('image/') ? doc.file_id : undefined;
  };

  bot.on(['message:photo', 'message:document'], (ctx) =>
    guarded(ctx, async (s) => {
      const fileId = photoOf(ctx);
      if (!fileId) return void (await ctx.reply(s.t('bot:help')));
      // A photo sent without /start begins a case, as the page's first step does.
      if (s.chat.step !== 'photos') await startDraft(s);
      const draft = draftOf(s.chat);
      const kb = new InlineKeyboard().text(s.t('bot:continue'), 'next');
      if (draft.photos.length >= MAX_REFERENCE_PHOTOS) {
        await ctx.reply(s.t('bot:tooManyPhotos', { max: MAX_REFERENCE_PHOTOS }), { reply_markup: kb });
        return;
      }
      draft.photos.push(fileId);
      s.chat.draft = { ...draft };
      await s.save();
      await ctx.reply(s.t('bot:photoReceived', { count: draft.photos.length, max: MAX_REFERENCE_PHOTOS }), {
        reply_markup: kb,
      });
    }),
  );

  bot.on('message:text', (ctx) =>
    guarded(ctx, async (s) => {
      const text = ctx.message.text.trim();
      // A command this bot does not know is never taken for an answer.
      if (text.startsWith('/')) return void (await ctx.reply(s.t('bot:help')));
      const [kind, what] = s.chat.step.split(':');
      if (kind === 'code' && what && what in BY_CODE) {
        s.chat.step = 'idle';
        await s.save();
        return BY_CODE[what as ByCode](ctx, s, text);
      }
      if (kind === 'ask' && (QUESTIONS as readonly string[]).includes(what ?? '')) {
        const field = what as Question;
        // Checked now, by the rules the case will be opened with, so a wrong birth date is said
        // at its own question rather than after all of them.
        try {
          assertValidText(text, field);
          subjectRecord(checkSubjectFields({ [field]: text }));
        } catch (err) {
          await ctx.reply(errorText(s.t, err));
          return askNext(ctx, s, QUESTIONS.indexOf(field));
        }
        const draft = draftOf(s.chat);
        draft.subject[field] = text;
        s.chat.draft = { ...draft };
        return askNext(ctx, s, QUESTIONS.indexOf(field) + 1);
      }
      if (s.chat.step === 'photos') {
        await ctx.reply(s.t('bot:askPhotos', { max: MAX_REFERENCE_PHOTOS }), {
          reply_markup: new InlineKeyboard().text(s.t('bot:continue'), 'next'),
        });
        return;
      }
      await ctx.reply(s.t('bot:help'));
    }),
  );

  bot.callbackQuery('next', (ctx) =>
    guarded(ctx, async (s) => {
      await ctx.answerCallbackQuery();
      if (s.chat.step !== 'photos') return;
      await askNext(ctx, s, 0);
    }),
  );
  bot.callbackQuery('skip', (ctx) =>
    guarded(ctx, async (s) => {
      await ctx.answerCallbackQuery();
      const [kind, what] = s.chat.step.split(':');
      if (kind !== 'ask') return;
      await askNext(ctx, s, QUESTIONS.indexOf(what as Question) + 1);
    }),
  );
  bot.callbackQuery(/^face:(\d+):(\d+)$/, (ctx) =>
    guarded(ctx, async (s) => {
      await ctx.answerCallbackQuery();
      if (s.chat.step !== 'face') return;
      const draft = draftOf(s.chat);
      draft.faces[ctx.match[1]!] = Number(ctx.match[2]);
      s.chat.draft = { ...draft };
      await openFromDraft(ctx, s);
    }),
  );
  bot.callbackQuery(/^notify:([0-9A-Z]{12})$/, (ctx) =>
    guarded(ctx, async (s) => {
      await ctx.answerCallbackQuery();
      await notify(ctx, s, ctx.match[1]!, true);
    }),
  );
  bot.callbackQuery(/^delete:([0-9A-Z]{12})$/, (ctx) =>
    guarded(ctx, async (s) => {
      await ctx.answerCallbackQuery();
      const p = await signIn(s, ctx.match[1]!);
      if (!p.caseId) return;
      await deleteCase(deps, p, p.caseId);
      // The buttons go, so the question cannot be answered twice.
      await ctx.editMessageReplyMarkup({ reply_markup: undefined }).catch(() => undefined);
      await ctx.reply(`${s.t('case:deletedHeading')}\n\n${s.t('case:deletedText')}`);
    }),
  );
  bot.callbackQuery('keep', (ctx) =>
    guarded(ctx, async (s) => {
      await ctx.answerCallbackQuery();
      await ctx.editMessageReplyMarkup({ reply_markup: undefined }).catch(() => undefined);
      await ctx.reply(s.t('bot:kept'));
    }),
  );
  bot.callbackQuery(/^lang:(ru|uk|en)$/, (ctx) =>
    guarded(ctx, async (s) => {
      await ctx.answerCallbackQuery();
      s.chat.language = ctx.match[1] as Language;
      await s.save();
      await ctx.reply(translator(s.chat.language)('bot:languageSet'));
    }),
  );

  /** Runs one update's handler; a refusal or an error is answered in the family's language. */
  async function guarded(ctx: Context, fn: (s: Turn) => Promise<unknown>): Promise<void> {
    const s = await turn(ctx);
    if (!s) return;
    try {
      await fn(s);
    } catch (err) {
      if (err instanceof Refusal) {
        await ctx.reply(err.message);
        return;
      }
      if (!isKinfinderError(err) || err.code === 'internal')
        deps.logger.error({ err: isKinfinderError(err) ? err.code : 'unexpected' }, 'bot: an update failed');
      await ctx.reply(errorText(s.t, err));
    }
  }

  bot.catch((err) => deps.logger.error({ err: err.error instanceof Error ? err.error.name : 'unknown' }, 'bot error'));
  return bot;
}

/** A refusal worded for the family already (a code mistyped). */
class Refusal extends Error {}

/** The bot's commands as Telegram lists them, in each language. */
export async function announceCommands(bot: Bot): Promise<void> {
  for (const lang of LANGUAGES) {
    const t = translator(lang);
    await bot.api.setMyCommands(
      [
        { command: 'start', description: t('bot:cmdStart') },
        { command: 'status', description: t('bot:cmdStatus') },
        { command: 'delete', description: t('bot:cmdDelete') },
        { command: 'language', description: t('bot:cmdLanguage') },
        { command: 'help', description: t('bot:cmdHelp') },
      ],
      { language_code: lang },
    );
  }
}
