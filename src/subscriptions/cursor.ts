import { timingSafeEqual } from 'node:crypto';
import { hmac } from '../auth/tokens';
import { BadUserInputError } from '../errors';
import type { ResumeToken } from '../events';

/** Resume tokens are hex; MongoDB's are a few hundred characters at most. */
const TOKEN = /^[0-9A-Fa-f]{2,1000}$/;

/**
 * An event's `cursor`: its resume token, signed as the pagination cursors are (src/services/pagination.ts),
 * with a key derived from the token secret and a label of its own, so a list cursor is never an event cursor.
 */
export class EventCursorCodec {
  constructor(private readonly key: Buffer) {}

  encode(token: ResumeToken): string {
    const payload = Buffer.from(`event:${token._data}`).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The token a cursor wraps; a forged or altered cursor is BAD_USER_INPUT. */
  decode(cursor: string, argument = 'after'): ResumeToken {
    const invalid = new BadUserInputError(`The \`${argument}\` cursor is not valid.`, argument);
    const [payload, signature, extra] = cursor.split('.');
    if (!payload || !signature || extra !== undefined || cursor.length > 2000) throw invalid;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid;
    const match = /^event:(.*)$/.exec(Buffer.from(payload, 'base64url').toString());
    if (!match || !TOKEN.test(match[1]!)) throw invalid;
    return { _data: match[1]! };
  }

  private sign(payload: string): string {
    return hmac(this.key, `event-cursor:${payload}`).slice(0, 27);
  }
}
