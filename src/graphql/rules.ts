import { NoSchemaIntrospectionCustomRule, type ParseOptions, type ValidationRule } from 'graphql';
import type { Config } from '../config';
import type { Context } from '../context';
import type { Logger } from '../observability/logger';
import { createBudget, type Budget, type BudgetOptions } from './budget';
import { documentLimitsRule } from './document-limits';
import { createFormatError, type FormatError } from './format-error';

/**
 * What a GraphQL request may ask and how its errors are shown, in a form no transport owns. Apollo's HTTP
 * pipeline calls these through src/graphql/apollo.ts; a transport of its own (graphql-ws) calls the same
 * functions: `parse(source, parseOptions)`, `validate(schema, document, [...validationRules, ...specifiedRules])`,
 * `admit` before executing, `settle` and `responseExtensions` on the result, `formatError` on every error.
 */
export interface GraphQLRules {
  /** The token limit: a longer document is not parsed (GRAPHQL_PARSE_FAILED). */
  readonly parseOptions: ParseOptions;
  /**
   * To run with graphql-js's own rules, and first, so that the document limits spare those a document over a
   * limit: the limits, the credential mutations' once per operation, and no introspection when it is off.
   */
  readonly validationRules: readonly ValidationRule[];
  /** Every error of a response goes through it. */
  readonly formatError: FormatError;
  /** The cost check and rate limit, once an operation is resolved and before it runs. */
  readonly admit: Budget;
  /** What a response says of the request besides `cost`: why credentials were ignored, MongoDB figures. */
  responseExtensions(context: Context): Record<string, unknown>;
}

export function createGraphQLRules(deps: {
  readonly config: Config;
  readonly logger: Logger;
  readonly limiter: BudgetOptions['limiter'];
}): GraphQLRules {
  const { config, logger, limiter } = deps;
  const exposeDiagnostics = !config.isProduction;
  return {
    parseOptions: { maxTokens: config.maxQueryTokens },
    validationRules: [
      documentLimitsRule({
        maxDepth: config.maxQueryDepth,
        maxAliases: config.maxQueryAliases,
        maxDirectives: config.maxQueryDirectives,
        maxSelections: config.maxQuerySelections,
      }),
      ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
    ],
    // "Did you mean …?" suggestions leak the schema when introspection is off.
    formatError: createFormatError(logger, { hideSuggestions: !config.introspection }),
    admit: createBudget({ maxCost: config.maxQueryCost, limiter, logger }),
    responseExtensions(context) {
      const extensions: Record<string, unknown> = {};
      // The request ran as anonymous; say why, so that clients know to refresh or sign in again.
      if (context.authProblem) extensions['authentication'] = { error: context.authProblem };
      if (exposeDiagnostics) {
        const { mongoCommands, mongoMs } = context.diagnostics.snapshot();
        extensions['diagnostics'] = { mongoCommands, mongoMs };
      }
      return extensions;
    },
  };
}
