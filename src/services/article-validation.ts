import { BadUserInputError } from '../errors';
import { charLength, foldCase, normalize, textProblem } from './text';
import type { FieldErrors } from './user-validation';

/** The rules for article and comment fields, in one place. */

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 1_000;
export const BODY_MAX_BYTES = 64 * 1024;
export const COMMENT_MAX = 10_000;
export const TAGS_MAX = 10;
export const TAG_MAX = 32;
export const SEARCH_MAX = 100;

export interface ArticleFields {
  readonly title: string;
  readonly description: string;
  readonly body: string;
  readonly tagList: readonly string[];
}

export function checkArticle(input: ArticleFields, errors: FieldErrors): ArticleFields {
  const title = normalize(input.title);
  const titleProblem = textProblem(title, 'text');
  if (titleProblem) errors.add('title', `Title ${titleProblem}.`);
  else if (/[\r\n]/.test(title)) errors.add('title', 'Title must be a single line.');
  else if (title === '' || charLength(title) > TITLE_MAX) {
    errors.add('title', `Title must be 1 to ${TITLE_MAX} characters.`);
  }

  const description = normalize(input.description);
  const descriptionProblem = textProblem(description, 'text');
  if (descriptionProblem) errors.add('description', `Description ${descriptionProblem}.`);
  else if (charLength(description) > DESCRIPTION_MAX) {
    errors.add('description', `Description must be at most ${DESCRIPTION_MAX} characters.`);
  }

  const body = normalize(input.body);
  const bodyProblem = textProblem(body, 'text');
  if (bodyProblem) errors.add('body', `Body ${bodyProblem}.`);
  else if (body === '') errors.add('body', 'Body must not be empty.');
  else if (Buffer.byteLength(body, 'utf8') > BODY_MAX_BYTES) {
    errors.add('body', `Body must be at most ${BODY_MAX_BYTES / 1024} KiB.`);
  }

  return { title, description, body, tagList: checkTags(input.tagList, errors) };
}

/** Tags are trimmed, lower-cased and de-duplicated, in the order given. */
export function checkTags(raw: readonly string[], errors: FieldErrors): string[] {
  // Checked before any work: a list of thousands of tags costs nothing to refuse.
  if (raw.length > TAGS_MAX * 4) {
    errors.add('tagList', `An article has at most ${TAGS_MAX} tags.`);
    return [];
  }
  const tags = new Set<string>();
  for (const value of raw) {
    const tag = foldCase(normalize(value));
    const problem = textProblem(tag, 'identifier');
    if (problem) {
      errors.add('tagList', `Tag ${problem}.`);
      return [];
    }
    if (tag === '' || charLength(tag) > TAG_MAX) {
      errors.add('tagList', `Each tag must be 1 to ${TAG_MAX} characters.`);
      return [];
    }
    tags.add(tag);
  }
  if (tags.size > TAGS_MAX) errors.add('tagList', `An article has at most ${TAGS_MAX} tags.`);
  return [...tags];
}

export function checkCommentBody(raw: string, errors: FieldErrors): string {
  const body = normalize(raw);
  const problem = textProblem(body, 'text');
  if (problem) errors.add('body', `Comment ${problem}.`);
  else if (body === '' || charLength(body) > COMMENT_MAX) {
    errors.add('body', `Comment must be 1 to ${COMMENT_MAX} characters.`);
  }
  return body;
}

/**
 * The words of an `articles(search:)` argument, or null for no search: absent, empty or blank means the list
 * is not searched (a cleared search box shows every article). Longer than SEARCH_MAX characters, or holding
 * a control, format or zero-width character: BAD_USER_INPUT. Search engines give quotes and a leading `-`
 * meanings of their own (phrases, exclusions); they are read as spaces here, so that the argument means the
 * same whichever engine answers it: any of the words, the more and the better placed, the higher.
 */
export function checkSearch(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  // Checked before any work: a huge string costs nothing to refuse.
  const tooLong = new BadUserInputError(`\`search\` must be at most ${SEARCH_MAX} characters.`, 'search');
  if (raw.length > SEARCH_MAX * 4) throw tooLong;
  const text = normalize(raw);
  const problem = textProblem(text, 'identifier');
  if (problem) throw new BadUserInputError(`\`search\` ${problem}.`, 'search');
  if (charLength(text) > SEARCH_MAX) throw tooLong;
  // Case-folded: the engines ignore case anyway, and the words name the list its cursors belong to.
  const words = foldCase(text)
    .replaceAll('"', ' ')
    .split(/\s+/)
    .map((word) => word.replace(/^-+/, ''))
    .filter((word) => word !== '');
  return words.length === 0 ? null : words.join(' ');
}

/**
 * A URL-safe slug from a title: letters and digits of any script, lower-cased, accents dropped, runs of
 * anything else collapsed to `-`.
 */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  const short = [...slug].slice(0, 80).join('').replace(/-+$/, '');
  return short === '' ? 'article' : short;
}
