import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  getNamedType,
  getOperationAST,
  GraphQLError,
  isAbstractType,
  isScalarType,
  printSchema,
  TypeInfo,
  visit,
  visitWithTypeInfo,
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
  const compiled = new WeakMap<DocumentNode, Map<string, Compiled>>();
  return async (document, operationName, context, variables) => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map<string, Compiled>()));
    const key = operationName ?? '';
    let entry = byName.get(key);
    if (!entry) {
      const made = compile(schema, document, operationName ?? undefined);
      if (!('query' in made)) return made;
      entry = made;
      byName.set(key, entry);
    }
    const result = await entry.query.query(undefined, context, variables);
    if (!result.errors) {
      const { serializeData } = entry;
      if (serializeData && result.data) dataSerializers.set(result.data, serializeData);
      return result;
    }
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

interface Compiled {
  readonly query: CompiledQuery;
  /** The data of a result as JSON, written by code made for the operation's shape; absent when it has none. */
  readonly serializeData: ((data: object) => string) | undefined;
}

/**
 * Compiles an operation with a serializer made for its result (fast-json-stringify, from a JSON schema of
 * the selection) when graphql-jit can describe every value in it: the built-in scalars and no abstract type
 * (for those fast-json-stringify has to guess the branch). Otherwise without: JSON.stringify then writes it.
 */
function compile(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
): Compiled | ExecutionResult {
  if (describedInJson(schema, document)) {
    const query = compileQuery(schema, document, operationName, { customJSONSerializer: true });
    if (isCompiledQuery(query)) {
      // The serializer writes `{"data":…}` (errors are never given to it): the data is what lies inside.
      const serializeData = (data: object) => query.stringify({ data }).slice(DATA_PREFIX.length, -1);
      return { query, serializeData };
    }
  }
  const query = compileQuery(schema, document, operationName);
  return isCompiledQuery(query) ? { query, serializeData: undefined } : query;
}

const DATA_PREFIX = '{"data":';
const JSON_SCALARS = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

/** Whether every field the document selects has a type graphql-jit's JSON schema describes exactly. */
function describedInJson(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let described = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const type = typeInfo.getType();
        const named = type && getNamedType(type);
        if (!named || isAbstractType(named) || (isScalarType(named) && !JSON_SCALARS.has(named.name))) {
          described = false;
        }
      },
    }),
  );
  return described;
}

/** The serializer of each result data the executor made with one, until the response is written. */
const dataSerializers = new WeakMap<object, (data: object) => string>();

/** Whether the data of a result will be written by its operation's compiled serializer. */
export function hasCompiledSerializer(data: object): boolean {
  return dataSerializers.has(data);
}

/**
 * Apollo's `stringifyResult`: what JSON.stringify would write, with a result's data written by its
 * operation's compiled serializer when it has one (results with errors never do). Apollo's own default adds
 * a newline; so does this.
 */
export function stringifyResult(result: {
  readonly errors?: unknown;
  readonly data?: unknown;
  readonly extensions?: unknown;
}): string {
  const data = result.data;
  const serialize = typeof data === 'object' && data !== null ? dataSerializers.get(data) : undefined;
  if (!serialize || result.errors !== undefined) return `${JSON.stringify(result)}\n`;
  let json = '{';
  for (const key of Object.keys(result)) {
    const value = (result as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (json.length > 1) json += ',';
    json += `${JSON.stringify(key)}:${key === 'data' ? serialize(data as object) : JSON.stringify(value)}`;
  }
  return `${json}}\n`;
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
