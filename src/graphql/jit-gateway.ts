import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { printSchema, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

export type CompiledExecutor = (
  document: DocumentNode,
  operationName: string | null | undefined,
  context: unknown,
  variables: Readonly<Record<string, unknown>>,
) => ExecutionResult | Promise<ExecutionResult>;

/**
 * Executes operations with graphql-jit: each distinct operation is compiled once into a function and then run
 * for every request. Compiled operations hang off the parsed document, which Apollo keeps one of per distinct
 * query text; another transport that caches its documents gets the same reuse.
 */
export function compiledExecutor(schema: GraphQLSchema): CompiledExecutor {
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery>>();
  return (document, operationName, context, variables) => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map<string, CompiledQuery>()));
    const key = operationName ?? '';
    let query = byName.get(key);
    if (!query) {
      const result = compileQuery(schema, document, operationName ?? undefined);
      if (!isCompiledQuery(result)) return result;
      query = result;
      byName.set(key, query);
    }
    return query.query(undefined, context, variables);
  };
}

/**
 * The compiled executor as an Apollo gateway: Apollo Server has no executor option, a gateway is its
 * documented way to supply one, and everything before execution (parsing, validation, limits, plugins) stays
 * Apollo's.
 */
export function jitGateway(schema: GraphQLSchema): GatewayInterface {
  const execute = compiledExecutor(schema);
  const executor: GatewayExecutor = async ({ document, operationName, context, request }) =>
    execute(document, operationName, context, request.variables ?? {});

  return {
    async load() {
      return { schema, executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    async stop() {},
  };
}
