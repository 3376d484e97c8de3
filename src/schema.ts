import 'reflect-metadata';
import { GraphQLObjectType, GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchemaSync, type PubSub } from 'type-graphql';
import { authChecker, resolvers } from '../resolvers';
import { gateRootFields } from './graphql/scope-gate';

let built: GraphQLSchema | undefined;

const NO_TOPICS: PubSub = {
  publish() {
    throw new Error('subscriptions are fed by the event source, not by topics');
  },
  subscribe() {
    throw new Error('subscriptions are fed by the event source, not by topics');
  },
};

/**
 * The one schema of the service, built from the resolvers; the server and emit-schema both use it. Every root
 * field checks the API key scope of its caller first (src/graphql/scope-gate.ts).
 */
export function buildSchema(): GraphQLSchema {
  built ??= schemaOf(resolvers);
  return built;
}

/** A schema built as the service's is, from these resolvers (the benchmark adds one of its own to them). */
export function schemaOf(resolverClasses: typeof resolvers): GraphQLSchema {
  return gateRootFields(
    describeRoots(
      buildSchemaSync({
        resolvers: resolverClasses,
        authChecker,
        // Inputs are validated by the services, which own the rules; no class-validator.
        validate: false,
        emitSchemaFile: false,
        // Every subscription has a subscribe function of its own (src/subscriptions/hub.ts); type-graphql
        // asks for a topic bus all the same, and this one has no topics.
        pubSub: NO_TOPICS,
      }),
    ),
  );
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
  const subscription = describe(
    config.subscription,
    'What can be followed live, over WebSocket (graphql-transport-ws) at the same `/graphql` URL.',
  );
  return new GraphQLSchema({
    ...config,
    query,
    mutation,
    subscription,
    types: config.types.filter(
      (type) => type !== config.query && type !== config.mutation && type !== config.subscription,
    ),
  });
}

/** The SDL as committed in schema/schema.graphql: sorted, so that it changes only when the schema does. */
export function printSchemaSdl(schema: GraphQLSchema = buildSchema()): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
