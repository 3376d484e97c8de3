import fs from 'node:fs';
import path from 'node:path';
import { isObjectType, isInputObjectType, isEnumType, isScalarType, type GraphQLNamedType } from 'graphql';
import { buildSchema, printSchemaSdl } from '../../src/schema';

const committed = path.join(__dirname, '..', '..', 'schema', 'schema.graphql');

test('when the code changes the schema, then schema/schema.graphql must be regenerated (npm run schema:emit)', () => {
  expect(fs.readFileSync(committed, 'utf8')).toBe(printSchemaSdl());
});

test('when integrators read the schema, then every type, field and argument has a description', () => {
  const missing: string[] = [];
  const ownTypes = Object.values(buildSchema().getTypeMap()).filter(
    (t: GraphQLNamedType) => !t.name.startsWith('__'),
  );
  for (const type of ownTypes) {
    if (isScalarType(type) && ['String', 'Boolean', 'Int', 'Float', 'ID'].includes(type.name)) continue;
    if (!type.description) missing.push(type.name);
    if (isObjectType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        for (const arg of 'args' in field ? field.args : []) {
          if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues())
        if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
  }
  expect(missing).toEqual([]);
});
