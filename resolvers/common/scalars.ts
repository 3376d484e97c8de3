import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/** The RealWorld spec's date-time scalar: an ISO-8601 string in UTC. */
export const ISO8601DateTime = new GraphQLScalarType<Date, string>({
  name: 'ISO8601DateTime',
  description: 'An ISO-8601 date-time string in UTC, e.g. `2024-05-01T12:00:00.000Z`.',
  serialize(value) {
    if (value instanceof Date) return value.toISOString();
    throw new GraphQLError('ISO8601DateTime cannot represent a non-date value');
  },
  parseValue(value) {
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('ISO8601DateTime must be a string');
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new GraphQLError('ISO8601DateTime must be an ISO-8601 date-time string');
}
