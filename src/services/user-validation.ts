import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth/passwords';
import type { UserErrorRecord } from '../errors';
import { charLength, identityKey, isHttpUrl, normalize, textProblem } from './text';

/** The rules for account fields, in one place. Each check returns the normalised value or records errors. */

export const USERNAME_MIN_LENGTH = 3;
export const USERNAME_MAX_LENGTH = 32;
/** The longest address SMTP can deliver to (RFC 5321's path limit less its angle brackets). */
export const EMAIL_MAX_LENGTH = 254;
export const BIO_MAX_LENGTH = 1_000;
export const URL_MAX_LENGTH = 2_048;

// Combining marks only after a base character: a name cannot start with an accent that has nothing to sit on.
const USERNAME = new RegExp(
  `^[\\p{L}\\p{N}_-][\\p{L}\\p{M}\\p{N}_-]{${USERNAME_MIN_LENGTH - 1},${USERNAME_MAX_LENGTH - 1}}$`,
  'u',
);
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/u;

export class FieldErrors {
  readonly errors: UserErrorRecord[] = [];
  add(path: string, message: string): void {
    this.errors.push({ path, message });
  }
  get any(): boolean {
    return this.errors.length > 0;
  }
}

export function checkUsername(raw: string, errors: FieldErrors): { username: string; usernameKey: string } {
  const username = normalize(raw);
  const problem = textProblem(username, 'identifier');
  if (problem) errors.add('username', `Username ${problem}.`);
  else if (!USERNAME.test(username)) {
    errors.add(
      'username',
      `Username must be ${USERNAME_MIN_LENGTH} to ${USERNAME_MAX_LENGTH} letters, digits, "_" or "-".`,
    );
  }
  return { username, usernameKey: identityKey(username) };
}

export function checkEmail(raw: string, errors: FieldErrors): { email: string; emailKey: string } {
  const email = normalize(raw);
  const problem = textProblem(email, 'identifier');
  if (problem) errors.add('email', `Email ${problem}.`);
  else if (email.length > EMAIL_MAX_LENGTH || !EMAIL.test(email))
    errors.add('email', 'Email is not a valid address.');
  return { email, emailKey: identityKey(email) };
}

/** Passwords are not trimmed or normalised beyond NFC (in the hasher): every character counts. */
export function checkPassword(password: string, errors: FieldErrors): string {
  if (/\p{Cs}/u.test(password) || password.includes('\u0000')) {
    errors.add('password', 'Password contains an invalid character.');
  } else {
    const length = charLength(password);
    if (length < PASSWORD_MIN_LENGTH) {
      errors.add('password', `Password must be at least ${PASSWORD_MIN_LENGTH} characters.`);
    } else if (length > PASSWORD_MAX_LENGTH) {
      errors.add('password', `Password must be at most ${PASSWORD_MAX_LENGTH} characters.`);
    }
  }
  return password;
}

export function checkBio(raw: string, errors: FieldErrors): string | null {
  const bio = normalize(raw);
  const problem = textProblem(bio, 'text');
  if (problem) errors.add('bio', `Bio ${problem}.`);
  else if (charLength(bio) > BIO_MAX_LENGTH)
    errors.add('bio', `Bio must be at most ${BIO_MAX_LENGTH} characters.`);
  return bio === '' ? null : bio;
}

/** An http(s) URL of at most URL_MAX_LENGTH characters; `""` clears the field (null). */
export function checkImageUrl(raw: string, errors: FieldErrors, path = 'image'): string | null {
  const url = normalize(raw);
  if (url === '') return null;
  const problem = textProblem(url, 'identifier');
  if (problem) errors.add(path, `Image URL ${problem}.`);
  else if (url.length > URL_MAX_LENGTH) {
    errors.add(path, `Image URL must be at most ${URL_MAX_LENGTH} characters.`);
  } else if (!isHttpUrl(url)) errors.add(path, 'Image must be an http or https URL.');
  return url;
}
