import { isEnumType } from 'graphql';
import { ROLES } from '../../src/auth/roles';
import { buildSchema } from '../../src/schema';

const schema = buildSchema();

test('when the schema lists roles, then they are exactly the roles a user can hold', () => {
  const role = schema.getType('Role');
  if (!isEnumType(role)) throw new Error('Role is not an enum');
  expect(role.getValues().map((v) => [v.name, v.value])).toEqual(ROLES.map((r) => [r, r]));
});
