/**
 * Input text rules, written once. Everything is NFC-normalised and trimmed first, so that visually equal
 * strings compare equal; what a field refuses depends on what kind of text it holds.
 */

const LONE_SURROGATE = /\p{Cs}/u;
/** Every control (Cc) and format (Cf: zero-width, bidi overrides, BOM, soft hyphen) character. */
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;
/** Controls other than tab and newlines, and bidi overrides, which can disguise what a line shows. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const BAD_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

export function normalize(value: string): string {
  return LONE_SURROGATE.test(value) ? value : value.normalize('NFC').trim();
}

export type TextKind = 'identifier' | 'text';

/**
 * Why a string cannot be stored, or null. `identifier` (usernames, emails, tags, URLs): no control, format
 * or zero-width character at all. `text` (titles, bodies, comments, bios): tabs and newlines allowed, other
 * controls and bidi overrides not; emoji joiners are fine.
 */
export function textProblem(value: string, kind: TextKind): string | null {
  if (LONE_SURROGATE.test(value)) return 'contains an invalid Unicode character (lone surrogate)';
  if (kind === 'identifier' && CONTROL_OR_FORMAT.test(value)) {
    return 'contains a control, format or zero-width character';
  }
  if (kind === 'text' && BAD_IN_TEXT.test(value))
    return 'contains a control or bidirectional-override character';
  return null;
}

/** Length in characters as a person counts them (code points), not UTF-16 units. */
export function charLength(value: string): number {
  let n = 0;
  for (const _ of value) n += 1;
  return n;
}

/** Case-insensitive key for uniqueness. */
export function foldCase(value: string): string {
  return value.toLowerCase();
}

/**
 * The key under which a username or email is unique. Lower-casing alone keeps apart names a person reads as
 * the same ("Straße" and "STRASSE", "ﬁ" and "fi", full-width "ａｌｉｃｅ" and "alice"), which lets one account
 * pass for another: compatibility-normalise, then upper- and lower-case, which folds ß to ss and final sigma
 * to sigma.
 */
export function identityKey(value: string): string {
  return value.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

/**
 * An absolute http(s) URL with a host. The scheme is checked on the text as written too: the URL parser
 * accepts `http:example.com` and `https:/x`, which browsers then resolve in surprising ways.
 */
export function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\/[^/]/i.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const OBJECT_ID = /^[0-9a-f]{24}$/;

/** Ids are validated before they reach a query: one malformed id would fail a whole batch. */
export function isObjectIdHex(value: string): boolean {
  return OBJECT_ID.test(value);
}
