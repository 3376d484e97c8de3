import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync } from 'type-graphql';
import { authChecker, resolvers } from '../resolvers';

let built: GraphQLSchema | undefined;

/** The one schema of the service, built from the resolvers; the server and emit-schema both use it. */
export function buildSchema(): GraphQLSchema {
  built ??= buildSchemaSync({
    resolvers,
    authChecker,
    // Inputs are validated by the services, which own the rules; no class-validator.
    validate: false,
    emitSchemaFile: false,
  });
  return built;
}

/** The SDL as committed in schema/schema.graphql: sorted, so that it changes only when the schema does. */
export function printSchemaSdl(schema: GraphQLSchema = buildSchema()): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
