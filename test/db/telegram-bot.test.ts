import fs from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from 'grammy';
import { createBot } from '../../bot/app.ts';
import { translator } from '../../src/i18n/catalogue.ts';
import { organisationInSentence } from '../../src/i18n/organisation.ts';
import { silentLogger } from '../../src/log.ts';
import { QUEUES } from '../../src/jobs.ts';
import { sendNotice } from '../../src/notices/send.ts';
import { noticeTransports } from '../../src/notices/transports.ts';
import { CLI, JOBS } from '../../src/access/principal.ts';
import { enqueuePhoto } from '../../src/ingest/enqueue.ts';
import { openQueue } from '../../src/queue.ts';
import { handleNoticeSend } from '../../workers/notice-send.ts';
import { ADMIN_TOKEN, LIMITS, openApiHarness, photoForm, requestJson, type ApiHarness } from '../support/api.ts';
import { BotApiEmulator, type BotUser, type ChatLine } from '../support/bot-api.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { lfwPeople } from '../support/fixtures.ts';

// Issue 31 (DESIGN §20): the Telegram bot against a local Bot API server, in Russian and
// Ukrainian — a case with a photo and one without, /status before and after two verifiers
// confirmed, /delete — and the notices that there is news, through that server and a local SMTP
// server, saying nothing of the result; nothing sent once the case is deleted.

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TOKEN = '123456789:TEST-bot-token-abcdefghijklmnop';
const CODE = /[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/;
const person = lfwPeople(2)[0]!;
const FAMILY_MESSAGE = 'Позвоните Ольге на горячую линию, она расскажет, что дальше.';
const ARCHIVE_SOURCE = 'Kharkiv morgue list 7';
const ru = translator('ru');
const uk = translator('uk');

let h: ApiHarness;
let emu: BotApiEmulator;
let bot: Bot;
let polling: Promise<void>;
let smtp: SMTPServer;
const mails: string[] = [];
const tok: Record<string, string> = {};

const text = (lines: ChatLine[]) => lines.map((l) => l.text).join('\n');
const req = (method: string, url: string, token?: string, body?: Json) =>
  requestJson(h.app, method, url, { token, body, headers: { 'x-test-client': 'telegram-bot' } });

/** A mail as the SMTP server received it, headers and body decoded (nodemailer's encodings). */
function decodeMail(raw: string): { subject: string; body: string } {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(unfolded)?.[1]?.trim() ?? '';
  const words = (s: string) =>
    s.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, enc: string, data: string) =>
      enc.toLowerCase() === 'b'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(
            data
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/gi, (_x, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          ).toString('utf8'),
    );
  let body = rest.join('\n\n');
  const cte = header('content-transfer-encoding').toLowerCase();
  if (cte === 'base64') body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (cte === 'quoted-printable')
    body = Buffer.from(
      body
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/gi, (_x, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    ).toString('utf8');
  return { subject: words(header('subject')), body };
}

/** A notice worker of its own, started and stopped by the test, on the harness's queue tables. */
async function runNoticeWorker<T>(until: () => Promise<T>): Promise<T> {
  const q = await openQueue(h.t.db, { schema: `${h.t.schema}_pgboss`, expireInSeconds: 30, logger: silentLogger });
  const notices = noticeTransports({
    telegram: { token: TOKEN, apiRoot: emu.url },
    smtp: {
      url: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
      from: 'kinfinder <news@kinfinder.test>',
    },
  });
  await q.work(QUEUES.noticeSend, { concurrency: 1 }, (payload) =>
    handleNoticeSend(payload, { db: h.t.db, logger: silentLogger, notices }),
  );
  try {
    return await until();
  } finally {
    await q.stop();
  }
}

async function pendingNotices(): Promise<number> {
  return (await h.queue.pending())[QUEUES.noticeSend] ?? 0;
}

async function waitFor(done: () => Promise<boolean> | boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function saveTranscript(name: string, user: BotUser): void {
  const dir = path.join(REPO_ROOT, 'test-artifacts/transcripts');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), `${user.transcript()}\n`);
}

/** Opens a case through the conversation: photos (maybe none), then every question answered or skipped. */
async function openThroughBot(
  user: BotUser,
  t: typeof ru,
  opts: { photos: Buffer[]; answers: Partial<Record<string, string>> },
): Promise<{ code: string; lines: ChatLine[] }> {
  const start = await user.say('/start');
  expect(text(start)).toContain(t('bot:welcome'));
  for (const [i, p] of opts.photos.entries())
    expect(text(await user.sendPhoto(p))).toContain(t('bot:photoReceived', { count: i + 1, max: 5 }));
  let lines = await user.press(t('bot:continue'));
  for (const field of ['surname', 'givenName', 'patronymic', 'birthDate', 'idNumber', 'unit', 'marks']) {
    expect(text(lines)).toContain(t(`bot:q_${field}`));
    const answer = opts.answers[field];
    lines = answer === undefined ? await user.press(t('bot:skip')) : await user.say(answer);
  }
  const all = text(lines);
  expect(all).toContain(t('bot:opened'));
  return { code: CODE.exec(all)![0], lines };
}

beforeAll(async () => {
  h = await openApiHarness();
  const mk = async (role: string, name: string) =>
    (await req('POST', '/api/v1/tokens', ADMIN_TOKEN, { role, name })).json.token as string;
  tok.verifier1 = await mk('verifier', 'verifier one');
  tok.verifier2 = await mk('verifier', 'verifier two');
  tok.admin = await mk('admin', 'admin one');
  const archive = await enqueuePhoto({ db: h.t.db, blobs: h.blobs, queue: h.queue, limits: LIMITS }, CLI, {
    name: 'body-117.jpg',
    bytes: fs.readFileSync(person.files[0]!),
    source: ARCHIVE_SOURCE,
  });
  await h.process(archive.id);
  await h.t.db.query(`UPDATE photos SET category = 'deceased' WHERE id = $1`, [archive.id]);
  emu = new BotApiEmulator(TOKEN);
  await emu.start();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push(Buffer.concat(chunks).toString('utf8'));
        done();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  bot = createBot(
    {
      db: h.t.db,
      blobs: h.blobs,
      faces: h.faces,
      manifest: h.manifest,
      limits: LIMITS,
      logger: silentLogger,
      defaultLanguage: 'en',
      caseRate: { max: 100, windowMs: 60 * 60 * 1000 },
      organisation: { name: 'Hotline of the families', contact: '+380 44 000 00 00' },
    },
    { token: TOKEN, apiRoot: emu.url },
  );
  await bot.init();
  polling = bot.start({ timeout: 1 });
}, 300_000);

afterAll(async () => {
  await bot?.stop();
  await polling?.catch(() => undefined);
  await emu?.stop();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await h?.close();
});

describe('the Telegram bot in Russian: a case with a photo, news, /status, /delete', () => {
  const user = () => emu.user(5550001, 'ru');
  let code = '';
  let caseId = '';

  it('opens a case from a photo and the answers, one question at a time, and gives the code', async () => {
    const u = user();
    const opened = await openThroughBot(u, ru, {
      photos: [fs.readFileSync(person.files[1]!)],
      answers: { surname: 'Иваненко', birthDate: '1994' },
    });
    code = opened.code;
    const row = await h.t.db.query<{ id: string; subject: Json }>(
      `SELECT s.id, s.subject FROM searches s JOIN tokens t ON t.search_id = s.id ORDER BY s.created_at DESC LIMIT 1`,
    );
    caseId = row.rows[0]!.id;
    expect(row.rows[0]!.subject).toEqual({ surname: 'Иваненко', birthDate: '1994' });
    const refs = await h.t.db.query(`SELECT 1 FROM reference_faces WHERE search_id = $1`, [caseId]);
    expect(refs.rows).toHaveLength(1);
    // Nothing of the conversation is left in the draft once the case is open.
    const chats = await h.t.db.query<{ draft: Json; step: string }>(`SELECT draft, step FROM bot_chats`);
    expect(chats.rows.every((c) => c.step === 'idle' && JSON.stringify(c.draft) === '{}')).toBe(true);
    // The notices: this chat (the button under the code), and an e-mail address through the API.
    expect(text(await u.press(ru('bot:notifyYes')))).toContain(ru('bot:notifyOn'));
    const r = await req('POST', '/api/v1/case/notify?lang=ru', code, { email: 'mother@family.test' });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.channels).toEqual(['email']);
    const stored = await h.t.db.query<{ sealed: string }>(`SELECT sealed FROM notify_addresses WHERE search_id = $1`, [
      caseId,
    ]);
    expect(stored.rows).toHaveLength(2);
    for (const s of stored.rows) expect(s.sealed).not.toMatch(/mother|family\.test|5550001/);
  });

  it('answers /status as GET /case does: nothing about the archive before verifiers have spoken', async () => {
    const lines = await user().say(`/status ${code.toLowerCase().replace(/-/g, ' ')}`);
    const page = (await req('GET', '/api/v1/case', code)).json;
    expect(page.confirmed).toEqual([]);
    expect(page.search.status).toBe('open');
    const said = text(lines);
    // The same words whether or not the archive holds candidates (DESIGN §14).
    expect(said).toContain(`${ru('case:openTitle')}\n${ru('case:openText')}`);
    expect(said).not.toContain(ru('case:deceasedTitle'));
    expect(said).not.toContain(ARCHIVE_SOURCE);
    expect(said).toContain(ru('case:photosGiven', { count: 1 }));
  });

  it('tells both addresses that there is news when two verifiers confirm, and nothing of the result', async () => {
    const cand = await h.t.db.query<{ id: string }>(
      `SELECT id FROM candidates WHERE search_id = $1 ORDER BY similarity DESC LIMIT 1`,
      [caseId],
    );
    for (const v of [tok.verifier1, tok.verifier2]) {
      const r = await req('POST', `/api/v1/candidates/${cand.rows[0]!.id}/decisions`, v, {
        decision: 'confirm',
        familyMessage: FAMILY_MESSAGE,
      });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
    }
    // The jobs exist (committed with the second confirmation), one per address.
    expect(await pendingNotices()).toBe(2);
    const chatBefore = emu.lines(5550001).length;
    await runNoticeWorker(() =>
      waitFor(
        async () => mails.length === 1 && emu.lines(5550001).length > chatBefore && (await pendingNotices()) === 0,
        'notices',
      ),
    );
    const tg = emu.lines(5550001).slice(chatBefore);
    expect(tg.map((l) => l.text)).toEqual([ru('notices:telegramText')]);
    const mail = decodeMail(mails[0]!);
    expect(mails[0]).toMatch(/^To: mother@family\.test/im);
    expect(mail.subject).toBe(ru('notices:emailSubject'));
    expect(mail.body.replace(/\r\n/g, '\n').trim()).toBe(ru('notices:emailText').trim());
    for (const said of [tg[0]!.text, mail.subject, mail.body]) {
      for (const secret of [FAMILY_MESSAGE, 'Иваненко', ARCHIVE_SOURCE, ru('case:deceasedTitle'), code, 'погиб'])
        expect(said).not.toContain(secret);
    }
    // The audit says a notice went, by which channel, and never where.
    const audit = await h.t.db.query<{ details: Json; action: string }>(
      `SELECT action, details FROM audit_events WHERE action LIKE 'notice.%' ORDER BY at`,
    );
    expect(
      audit.rows
        .filter((a) => a.action === 'notice.sent')
        .map((a) => a.details.channel)
        .sort(),
    ).toEqual(['email', 'telegram']);
    expect(JSON.stringify(audit.rows)).not.toMatch(/mother|5550001/);
  });

  it('answers /status after the confirmation with the result, in the words of the case page', async () => {
    const said = text(await user().say(`/status ${code}`));
    expect(said).toContain(ru('case:answeredTitle'));
    expect(said).toContain(ru('case:leadDeceased'));
    expect(said).toContain(ru('case:deceasedTitle'));
    expect(said).toContain(ru('case:deceasedText_photo'));
    expect(said).toContain(ru('family:defaultDeceased'));
    expect(said).toContain(ru('case:verifierWords'));
    expect(said).toContain(FAMILY_MESSAGE);
    expect(said).toContain(
      ru('case:support', { org: organisationInSentence('Hotline of the families', ru), contact: '+380 44 000 00 00' }),
    );
    expect(said).not.toContain(ARCHIVE_SOURCE);
    expect(said).not.toMatch(/similarity|strong|possible|\.jpg/);
  });

  it('sends nothing once the case is deleted, even for news queued before', async () => {
    // News queued: an admin takes the result back…
    const cand = await h.t.db.query<{ id: string }>(
      `SELECT id FROM candidates WHERE search_id = $1 AND status = 'confirmed'`,
      [caseId],
    );
    const r = await req('POST', `/api/v1/candidates/${cand.rows[0]!.id}/reopen`, tok.admin, { reason: 'wrong record' });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(await pendingNotices()).toBe(2);
    const { rows: addresses } = await h.t.db.query<{ id: string }>(
      `SELECT id FROM notify_addresses WHERE search_id = $1`,
      [caseId],
    );
    // /status says first that the result is being checked again, with whom to call, as the page does.
    const u = user();
    const rechecked = text(await u.say(`/status ${code}`));
    expect(rechecked).toContain(ru('case:noticeTitle'));
    expect(rechecked).toContain(
      ru('case:noticeCall', {
        org: organisationInSentence('Hotline of the families', ru),
        contact: '+380 44 000 00 00',
      }),
    );
    expect(rechecked).toContain(ru('case:openTitle'));
    expect(rechecked).not.toContain(ru('case:deceasedTitle'));
    // …and the family deletes the case before the workers run.
    const ask = await u.say(`/delete ${code}`);
    expect(text(ask)).toContain(ru('case:deleteQuestion'));
    expect(text(await u.press(ru('case:deleteYes')))).toContain(ru('case:deletedHeading'));
    expect((await h.t.db.query(`SELECT 1 FROM notify_addresses WHERE search_id = $1`, [caseId])).rows).toHaveLength(0);
    const chatBefore = emu.lines(5550001).length;
    await runNoticeWorker(() => waitFor(async () => (await pendingNotices()) === 0, 'the queued notices to finish'));
    expect(mails).toHaveLength(1);
    expect(emu.lines(5550001).length).toBe(chatBefore);
    for (const a of addresses)
      expect(await sendNotice({ db: h.t.db, transports: {} }, JOBS, { addressId: a.id })).toEqual({
        sent: false,
        reason: 'the address was removed, or its case deleted',
      });
    // The code no longer opens anything.
    expect(text(await u.say(`/status ${code}`))).toContain(ru('case:errWrong'));
    saveTranscript('bot-ru.txt', u);
  });
});

describe('the Telegram bot in Ukrainian: a case without a photo, /status, /delete', () => {
  it('opens a case from the answers alone, checks a birth date at its question, and deletes it after asking', async () => {
    const u = emu.user(5550002, 'uk');
    const start = await u.say('/start');
    expect(text(start)).toContain(uk('bot:askPhotos', { max: 5 }));
    let lines = await u.press(uk('bot:continue'));
    expect(text(lines)).toContain(uk('bot:q_surname'));
    await u.say('Петренко');
    await u.press(uk('bot:skip')); // given name
    lines = await u.press(uk('bot:skip')); // patronymic
    expect(text(lines)).toContain(uk('bot:q_birthDate'));
    lines = await u.say('2190');
    expect(text(lines)).toContain(uk('errors:invalid_subject'));
    expect(text(lines)).toContain(uk('bot:q_birthDate'));
    lines = await u.say('1990');
    for (let i = 0; i < 3; i++) lines = await u.press(uk('bot:skip'));
    const said = text(lines);
    expect(said).toContain(uk('bot:opened'));
    const code = CODE.exec(said)![0];
    const row = await h.t.db.query<{ subject: Json }>(
      `SELECT s.subject FROM searches s ORDER BY s.created_at DESC LIMIT 1`,
    );
    expect(row.rows[0]!.subject).toEqual({ surname: 'Петренко', birthDate: '1990' });

    const status = text(await u.say(`/status ${code}`));
    expect(status).toContain(uk('case:openTitle'));
    expect(status).toContain(uk('case:noPhotosGiven'));

    // /delete without the code asks for it; "no" keeps the case.
    expect(text(await u.say('/delete'))).toContain(uk('bot:askCode'));
    expect(text(await u.say(code))).toContain(uk('case:deleteQuestion'));
    expect(text(await u.press(uk('case:deleteNo')))).toContain(uk('bot:kept'));
    expect(text(await u.say(`/status ${code}`))).toContain(uk('case:openTitle'));
    await u.say(`/delete ${code}`);
    expect(text(await u.press(uk('case:deleteYes')))).toContain(uk('case:deletedText'));
    expect(text(await u.say(`/status ${code}`))).toContain(uk('case:errWrong'));
    saveTranscript('bot-uk.txt', u);
  });

  it('speaks the language chosen with /language, whatever Telegram says', async () => {
    const u = emu.user(5550003, 'en');
    expect(text(await u.say('/help'))).toContain(translator('en')('bot:help'));
    await u.say('/language');
    expect(text(await u.press('Українська'))).toContain(uk('bot:languageSet'));
    expect(text(await u.say('/help'))).toContain(uk('bot:help'));
  });

  it('counts wrong codes per chat with the API throttles, and says a mistyped code is one', async () => {
    const u = emu.user(5550004, 'ru');
    const counted = async () =>
      (
        await h.t.db.query<{ n: number }>(
          `SELECT coalesce(sum(count), 0)::int AS n FROM throttles WHERE scope = 'code-address'`,
        )
      ).rows[0]!.n;
    const before = await counted();
    // Not a code at all: nothing is counted, the family is told what a code looks like.
    expect(text(await u.say('/status 123'))).toContain(ru('case:errShape'));
    expect(await counted()).toBe(before);
    expect(text(await u.say('/status AAAA-BBBB-CCCC'))).toContain(ru('case:errWrong'));
    expect(await counted()).toBe(before + 1);
  });
});

describe('notices through the API (POST and DELETE /case/notify), and a withdrawn photo as news', () => {
  it('keeps an address only for the family code, words a wrong e-mail for the family, and forgets on DELETE', async () => {
    const opened = await requestJson(h.app, 'POST', '/api/v1/searches', {
      body: photoForm([{ name: 'son.jpg', bytes: fs.readFileSync(person.files[1]!) }], 'photo'),
      headers: { 'x-test-client': 'notices-api' },
    });
    expect(opened.status, JSON.stringify(opened.json)).toBe(201);
    const code = opened.json.caseCode as string;
    const caseId = opened.json.search.id as string;
    const bad = await req('POST', '/api/v1/case/notify?lang=ru', code, { email: 'mother at home' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'invalid_input', message: ru('errors:invalid_input_email') });
    expect((await req('POST', '/api/v1/case/notify', undefined, { email: 'a@b.test' })).status).toBe(401);
    expect((await req('POST', '/api/v1/case/notify', tok.verifier1, { email: 'a@b.test' })).status).toBe(403);
    expect((await h.t.db.query(`SELECT 1 FROM notify_addresses WHERE search_id = $1`, [caseId])).rows).toHaveLength(0);

    const ok = await req('POST', '/api/v1/case/notify?lang=uk', code, {
      email: 'sister@family.test',
      telegramChatId: 5550009,
    });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect(ok.json.channels).toEqual(['email', 'telegram']);

    // Two verifiers confirm; then the archive photo is withdrawn: each is news, to both addresses.
    const cand = await h.t.db.query<{ id: string; photo_id: string }>(
      `SELECT c.id, f.photo_id FROM candidates c JOIN faces f ON f.id = c.face_id WHERE c.search_id = $1 ORDER BY c.similarity DESC LIMIT 1`,
      [caseId],
    );
    for (const v of [tok.verifier1, tok.verifier2])
      expect(
        (await req('POST', `/api/v1/candidates/${cand.rows[0]!.id}/decisions`, v, { decision: 'confirm' })).status,
      ).toBe(201);
    expect(await pendingNotices()).toBe(2);
    const operator = (await req('POST', '/api/v1/tokens', ADMIN_TOKEN, { role: 'operator', name: 'operator' })).json
      .token as string;
    const w = await req('POST', `/api/v1/photos/${cand.rows[0]!.photo_id}/withdraw`, operator, {
      reason: 'wrong person',
    });
    expect(w.status, JSON.stringify(w.json)).toBe(200);
    expect(await pendingNotices()).toBe(4);
    const mailsBefore = mails.length;
    await runNoticeWorker(() =>
      waitFor(
        async () =>
          mails.length === mailsBefore + 2 && emu.lines(5550009).length === 2 && (await pendingNotices()) === 0,
        'four notices',
      ),
    );
    expect(emu.lines(5550009).map((l) => l.text)).toEqual([uk('notices:telegramText'), uk('notices:telegramText')]);
    for (const raw of mails.slice(mailsBefore)) expect(decodeMail(raw).subject).toBe(uk('notices:emailSubject'));

    expect((await req('DELETE', '/api/v1/case/notify', code)).status).toBe(204);
    expect((await h.t.db.query(`SELECT 1 FROM notify_addresses WHERE search_id = $1`, [caseId])).rows).toHaveLength(0);
    const audit = await h.t.db.query<{ action: string; details: Json }>(
      `SELECT action, details FROM audit_events WHERE subject_id = $1 AND action LIKE 'notice.%' ORDER BY at, action`,
      [caseId],
    );
    expect(audit.rows.map((a) => a.action)).toEqual([
      'notice.address.set',
      ...Array(4).fill('notice.sent'),
      'notice.address.remove',
    ]);
    expect(JSON.stringify(audit.rows)).not.toMatch(/sister|5550009/);
  });
});
