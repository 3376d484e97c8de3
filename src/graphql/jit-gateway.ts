import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  getOperationAST,
  GraphQLError,
  printSchema,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
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
  return async (document, operationName, context, variables) => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map<string, CompiledQuery>()));
    const key = operationName ?? '';
    let query = byName.get(key);
    if (!query) {
      const made = compileQuery(schema, document, operationName ?? undefined);
      if (!isCompiledQuery(made)) return made;
      query = made;
      byName.set(key, query);
    }
    const result = await query.query(undefined, context, variables);
    if (!result.errors) return result;
    // Variables that do not coerce fail the request before execution: graphql-js words and places those
    // errors as Apollo expects (a 400 BAD_USER_INPUT), so they are read again with its own coercion.
    if (result.data === undefined || result.data === null) {
      const operation = getOperationAST(document, operationName ?? undefined);
      const coerced = operation
        ? getVariableValues(schema, operation.variableDefinitions ?? [], variables)
        : undefined;
      if (coerced?.errors) return { errors: coerced.errors };
    }
    return { ...result, errors: result.errors.map(asGraphQLError) };
  };
}

/**
 * graphql-jit's errors are GraphQLErrors by prototype only: they carry no `extensions` object unless the
 * thrown error had one, and Apollo's formatting then fails on them and masks them without a trace. Each
 * becomes a graphql-js error with the same message, path, locations and original error, so the one
 * formatError sees (and logs) them as it does with the default executor.
 */
function asGraphQLError(error: GraphQLError): GraphQLError {
  const converted = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions ?? {},
  });
  (converted as { locations?: GraphQLError['locations'] }).locations = error.locations;
  return converted;
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
