import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message as its recipient reads it. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The first link of the plain text, the one the person is asked to open. */
  readonly link: string;
}

/** What a reader of the mail does with its link: open it; the web app reads the token in its fragment. */
export function tokenOf(link: string): string {
  const token = new URLSearchParams(new URL(link).hash.slice(1)).get('token');
  if (!token) throw new Error(`no token in ${link}`);
  return token;
}

export async function parseMail(source: Buffer | string): Promise<ReceivedMail> {
  const mail = await simpleParser(source);
  const text = mail.text ?? '';
  const link = /https?:\/\/\S+/.exec(text)?.[0];
  if (!link) throw new Error(`no link in the mail: ${text}`);
  const address = (value: typeof mail.from | typeof mail.to) =>
    (Array.isArray(value) ? value : value ? [value] : []).map((a) => a.text).join(', ');
  return {
    from: address(mail.from),
    to: address(mail.to),
    subject: mail.subject ?? '',
    text,
    html: typeof mail.html === 'string' ? mail.html : '',
    link,
  };
}

export interface Mailbox {
  /** `smtp://…` for SMTP_URL. */
  readonly url: string;
  /** Every message received so far, oldest first. */
  readonly received: ReceivedMail[];
  /** The messages received for this address. */
  to(address: string): ReceivedMail[];
  /** Refuses every recipient from now on (a mail server that is down for us), or accepts them again. */
  refuse(on: boolean): void;
  close(): Promise<void>;
}

/** A real SMTP server on an ephemeral port in the test process: mail goes over the wire as in production. */
export async function startMailbox(): Promise<Mailbox> {
  const received: ReceivedMail[] = [];
  let refusing = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      callback(refusing ? Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }) : null);
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        parseMail(Buffer.concat(chunks)).then(
          (mail) => {
            received.push(mail);
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    const listening = server.listen(0, '127.0.0.1', () => resolve((listening.address() as AddressInfo).port));
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    to: (address) => received.filter((mail) => mail.to.toLowerCase().includes(address.toLowerCase())),
    refuse: (on) => {
      refusing = on;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
