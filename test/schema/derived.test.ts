import { isEnumType, isInputObjectType, isObjectType } from 'graphql';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../src/auth/passwords';
import { ROLES } from '../../src/auth/roles';
import { buildSchema } from '../../src/schema';
import {
  BODY_MAX_BYTES,
  COMMENT_MAX,
  DESCRIPTION_MAX,
  TAG_MAX,
  TAGS_MAX,
  TITLE_MAX,
} from '../../src/services/article-validation';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../src/services/pagination';
import {
  BIO_MAX_LENGTH,
  URL_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
  USERNAME_MIN_LENGTH,
} from '../../src/services/user-validation';

const schema = buildSchema();

/** The description of `Type.field`, or of `Type.field(argument)`. */
function describedAs(coordinate: string): string {
  const [, typeName, fieldName, argName] = /^(\w+)\.(\w+)(?:\((\w+)\))?$/.exec(coordinate) ?? [];
  const type = schema.getType(typeName ?? '');
  if (!isObjectType(type) && !isInputObjectType(type)) throw new Error(`${coordinate}: no such type`);
  const field = type.getFields()[fieldName ?? ''];
  if (!field) throw new Error(`${coordinate}: no such field`);
  if (argName === undefined) return field.description ?? '';
  const arg = 'args' in field ? field.args.find((a) => a.name === argName) : undefined;
  if (!arg) throw new Error(`${coordinate}: no such argument`);
  return arg.description ?? '';
}

const n = (value: number) => value.toLocaleString('en-US');

test('when the services enforce a limit on an input, then the schema states the same figure', () => {
  const promises: Record<string, string[]> = {
    'Article.title': [`1 to ${n(TITLE_MAX)} characters`],
    'CreateArticleInput.title': [`1 to ${n(TITLE_MAX)} characters`],
    'UpdateArticleInput.title': [`1 to ${n(TITLE_MAX)} characters`],
    'Article.description': [`up to ${n(DESCRIPTION_MAX)} characters`],
    'CreateArticleInput.description': [`up to ${n(DESCRIPTION_MAX)} characters`],
    'UpdateArticleInput.description': [`up to ${n(DESCRIPTION_MAX)} characters`],
    'Article.body': [`${n(BODY_MAX_BYTES / 1024)} KiB`],
    'CreateArticleInput.body': [`${n(BODY_MAX_BYTES / 1024)} KiB`],
    'UpdateArticleInput.body': [`${n(BODY_MAX_BYTES / 1024)} KiB`],
    'Article.tagList': [`at most ${n(TAGS_MAX)}`],
    'CreateArticleInput.tagList': [`${n(TAGS_MAX)} tags of 1 to ${n(TAG_MAX)} characters`],
    'UpdateArticleInput.tagList': [`${n(TAGS_MAX)} tags of 1 to ${n(TAG_MAX)} characters`],
    'Comment.body': [`1 to ${n(COMMENT_MAX)} characters`],
    'AddCommentInput.body': [`1 to ${n(COMMENT_MAX)} characters`],
    'User.username': [`${USERNAME_MIN_LENGTH} to ${USERNAME_MAX_LENGTH} letters`],
    'CreateUserInput.username': [`${USERNAME_MIN_LENGTH} to ${USERNAME_MAX_LENGTH} letters`],
    'CreateUserInput.password': [`${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`],
    'UpdateUserInput.password': [`${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`],
    'UpdateUserInput.bio': [`at most ${n(BIO_MAX_LENGTH)} characters`],
    'UpdateUserInput.image': [`at most ${n(URL_MAX_LENGTH)} characters`],
  };
  const stated = Object.fromEntries(Object.keys(promises).map((c) => [c, describedAs(c)]));
  const wrong = Object.entries(promises).filter(([c, parts]) => parts.some((p) => !stated[c]!.includes(p)));
  expect(wrong.map(([c, parts]) => ({ coordinate: c, expected: parts, stated: stated[c] }))).toEqual([]);
});

test('when a list takes `first` or `last`, then its description states the page sizes the services use', () => {
  const paged: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.args.some((a) => a.name === 'first')) continue;
      paged.push(`${type.name}.${field.name}`);
      expect(describedAs(`${type.name}.${field.name}(first)`)).toContain(
        `0 to ${MAX_PAGE_SIZE}, ${DEFAULT_PAGE_SIZE} by default`,
      );
      expect(describedAs(`${type.name}.${field.name}(last)`)).toContain(`0 to ${MAX_PAGE_SIZE}`);
    }
  }
  expect(paged).toContain('Query.articles');
});

test('when the schema lists roles, then they are exactly the roles a user can hold', () => {
  const role = schema.getType('Role');
  if (!isEnumType(role)) throw new Error('Role is not an enum');
  expect(role.getValues().map((v) => [v.name, v.value])).toEqual(ROLES.map((r) => [r, r]));
});
