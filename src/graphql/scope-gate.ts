import {
  defaultFieldResolver,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import type { Context } from '../context';
import { checkScope, MUTATION_SCOPES, type RootOperation } from '../services/scopes';

/**
 * Puts the API key scope check (src/services/scopes.ts) in front of every root field, so that it runs before
 * any resolver of a query, mutation or subscription, with either executor and on every transport. Only root
 * fields are wrapped: nested fields cost nothing more. Throws when a mutation has no line in MUTATION_SCOPES,
 * so that the schema cannot be built (nor the service start) with a mutation the table does not decide.
 */
export function gateRootFields(schema: GraphQLSchema): GraphQLSchema {
  const roots: [RootOperation, GraphQLObjectType | null | undefined][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  const missing = Object.keys(schema.getMutationType()?.getFields() ?? {}).filter(
    (name) => !Object.hasOwn(MUTATION_SCOPES, name),
  );
  if (missing.length > 0) {
    throw new Error(`mutations without an API key rule in MUTATION_SCOPES: ${missing.join(', ')}`);
  }
  for (const [operation, type] of roots) {
    if (!type) continue;
    for (const field of Object.values(type.getFields())) {
      const gate = <T extends GraphQLFieldResolver<unknown, Context>>(next: T): T =>
        ((source, args, context: Context, info) => {
          checkScope(context.viewer, operation, field.name);
          return next(source, args, context, info);
        }) as T;
      // A subscription is decided when it starts; its events are resolved under the same decision.
      if (operation === 'subscription' && field.subscribe) field.subscribe = gate(field.subscribe);
      else field.resolve = gate(field.resolve ?? defaultFieldResolver);
    }
  }
  return schema;
}
