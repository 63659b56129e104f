import { Api } from 'grammy';
import nodemailer from 'nodemailer';
import { KinfinderError } from '../errors.ts';

/** How notices leave the installation: each channel present only when it is configured. */
export interface NoticeTransports {
  telegram?: (chatId: string, text: string) => Promise<void>;
  email?: (to: string, subject: string, text: string) => Promise<void>;
}

export interface NoticeSettings {
  /** KINFINDER_TELEGRAM_TOKEN and KINFINDER_TELEGRAM_API_ROOT: the bot sends Telegram notices. */
  telegram?: { token: string; apiRoot?: string | undefined } | undefined;
  /** KINFINDER_SMTP_URL and KINFINDER_SMTP_FROM. */
  smtp?: { url: string; from: string } | undefined;
}

/**
 * The transports from the settings. A failure to deliver is `notice_unsent` (the job tries
 * again); its message names the channel only, never the address.
 */
export function noticeTransports(s: NoticeSettings): NoticeTransports {
  const out: NoticeTransports = {};
  if (s.telegram) {
    const api = new Api(s.telegram.token, s.telegram.apiRoot ? { apiRoot: s.telegram.apiRoot } : {});
    out.telegram = async (chatId, text) => {
      try {
        await api.sendMessage(chatId, text);
      } catch (err) {
        throw new KinfinderError('notice_unsent', 'Telegram did not take the notice', undefined, { cause: err });
      }
    };
  }
  if (s.smtp) {
    const mailer = nodemailer.createTransport(s.smtp.url);
    const from = s.smtp.from;
    out.email = async (to, subject, text) => {
      try {
        await mailer.sendMail({ from, to, subject, text });
      } catch (err) {
        throw new KinfinderError('notice_unsent', 'the mail server did not take the notice', undefined, { cause: err });
      }
    };
  }
  return out;
}
