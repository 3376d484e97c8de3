import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config';
import type { Logger } from '../observability/logger';

/** One message to one person: plain text and simple HTML, and the link it carries. */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** What the person is asked to follow; logged in development when there is no mail server. */
  readonly link: string;
}

export interface Mailer {
  /** Resolves once the message is handed to the mail server (or written); rejects when it could not be. */
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** How long a mail server may take to answer, so that a dead one fails a send rather than holding it. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * Mail by SMTP (`SMTP_URL`) or, with none set, as `.eml` files in `DATA_DIR/mail/`: nodemailer builds the
 * same message either way, so what a file shows is what a mail server would get. Outside production each
 * file's link is logged, so that `npm start` works without a mail server; in production the link (a live
 * credential) stays out of the log.
 */
export function createMailer(
  config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'dataDir' | 'isProduction'>,
  logger: Logger,
): Mailer {
  // Built field by field, the same for both transports.
  const envelope = (message: MailMessage) => ({
    from: config.mailFrom,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
  });
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport({ url: config.smtpUrl, ...SMTP_TIMEOUTS });
    return {
      async send(message) {
        const info = await transport.sendMail(envelope(message));
        logger.info({ messageId: info.messageId, subject: message.subject }, 'mail sent');
      },
      close: () => transport.close(),
    };
  }

  const directory = path.join(config.dataDir, 'mail');
  if (config.isProduction) {
    logger.warn({ directory }, 'SMTP_URL is not set: account mail is written to files, not sent');
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message) {
      const info = await transport.sendMail(envelope(message));
      await fs.mkdir(directory, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = path.join(directory, `${stamp}-${randomBytes(4).toString('hex')}.eml`);
      await fs.writeFile(file, info.message as Buffer, { mode: 0o600 });
      logger.info(
        {
          file,
          subject: message.subject,
          ...(config.isProduction ? {} : { to: message.to, link: message.link }),
        },
        'mail written to a file (no SMTP_URL)',
      );
    },
    close: () => transport.close(),
  };
}
