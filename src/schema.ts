import 'reflect-metadata';
import { GraphQLObjectType, GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchemaSync } from 'type-graphql';
import { authChecker, resolvers } from '../resolvers';
import { gateRootFields } from './graphql/scope-gate';

let built: GraphQLSchema | undefined;

/**
 * The one schema of the service, built from the resolvers; the server and emit-schema both use it. Every root
 * field checks the API key scope of its caller first (src/graphql/scope-gate.ts).
 */
export function buildSchema(): GraphQLSchema {
  built ??= gateRootFields(
    describeRoots(
      buildSchemaSync({
        resolvers,
        authChecker,
        // Inputs are validated by the services, which own the rules; no class-validator.
        validate: false,
        emitSchemaFile: false,
      }),
    ),
  );
  return built;
}

/** type-graphql gives the root types no description; the published schema documents them too. */
function describeRoots(schema: GraphQLSchema): GraphQLSchema {
  const config = schema.toConfig();
  const describe = (type: GraphQLObjectType | null | undefined, description: string) =>
    type ? new GraphQLObjectType({ ...type.toConfig(), description }) : type;
  const query = describe(config.query, 'What can be read. Lists are Relay connections, newest first.');
  const mutation = describe(
    config.mutation,
    'What can be changed. Each mutation takes one `input` and returns a payload; expected mistakes come back in `errors`.',
  );
  return new GraphQLSchema({
    ...config,
    query,
    mutation,
    types: config.types.filter((type) => type !== config.query && type !== config.mutation),
  });
}

/** The SDL as committed in schema/schema.graphql: sorted, so that it changes only when the schema does. */
export function printSchemaSdl(schema: GraphQLSchema = buildSchema()): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
