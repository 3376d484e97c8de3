import type { MailMessage } from './mailer';

/**
 * The account messages, plain text with a simple HTML twin. Links carry the token in the fragment, which
 * browsers send to no server: it stays out of access logs and Referer headers; the web app reads it there.
 */

const PRODUCT = 'Conduit';

export type AccountMailKind = 'password-reset' | 'email-verification';

/** Where the web app takes each kind of link. */
const PAGES: Record<AccountMailKind, string> = {
  'password-reset': 'reset-password',
  'email-verification': 'verify-email',
};

export function accountLink(publicAppUrl: string, kind: AccountMailKind, token: string): string {
  return `${publicAppUrl}/${PAGES[kind]}#token=${encodeURIComponent(token)}`;
}

/** `1 hour`, `48 hours`, `30 minutes`. */
export function duration(seconds: number): string {
  const [amount, unit] =
    seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : [Math.round(seconds / 60), 'minute'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Recipient {
  readonly to: string;
  readonly username: string;
  readonly link: string;
  readonly validForSeconds: number;
}

function message(
  recipient: Recipient,
  subject: string,
  lead: string,
  action: string,
  ignore: string,
): MailMessage {
  const { to, username, link } = recipient;
  const validity = `The link works once, within ${duration(recipient.validForSeconds)}.`;
  const text = [`Hello ${username},`, '', lead, '', link, '', validity, ignore, '', `— ${PRODUCT}`, ''].join(
    '\n',
  );
  const html = [
    '<!doctype html>',
    '<html><body style="font-family: sans-serif; line-height: 1.5">',
    `<p>Hello ${escapeHtml(username)},</p>`,
    `<p>${escapeHtml(lead)}</p>`,
    `<p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p>`,
    `<p>${escapeHtml(validity)} ${escapeHtml(ignore)}</p>`,
    `<p>— ${PRODUCT}</p>`,
    '</body></html>',
  ].join('\n');
  return { to, subject, text, html, link };
}

export function passwordResetMessage(recipient: Recipient): MailMessage {
  return message(
    recipient,
    `Reset your ${PRODUCT} password`,
    'Someone asked to reset the password of your account. To choose a new one, open this link:',
    'Choose a new password',
    'If it was not you, ignore this message: your password stays as it is.',
  );
}

export function emailVerificationMessage(recipient: Recipient): MailMessage {
  return message(
    recipient,
    `Confirm your email address for ${PRODUCT}`,
    'To confirm that this address is yours, open this link:',
    'Confirm my email address',
    'If you did not ask for this, ignore this message.',
  );
}
