import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  visit,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';

export interface DocumentLimits {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  /** Field selections with every fragment spread expanded. */
  readonly maxSelections: number;
}

/**
 * Mutations that check a credential or create one (a session, a password, a link sent by mail). Aliases would
 * let one request carry hundreds of password guesses, or mails, past a throttle that counts requests, so an
 * operation may name each at most once.
 */
export const CREDENTIAL_FIELDS: ReadonlySet<string> = new Set([
  'signInUser',
  'createUser',
  'refreshSession',
  'requestPasswordReset',
  'resetPassword',
  'requestEmailVerification',
  'verifyEmail',
]);

interface Measure {
  depth: number;
  selections: number;
  /** Credential root fields, by name (meaningful for selections at an operation's root). */
  credentials: Map<string, number>;
}

/**
 * One rule that measures the document before graphql-js's own rules look at it, and refuses it when it is over
 * a limit. It acts when the Document node is entered, which comes before every other node whatever the order of
 * the rules; on a refusal it returns null, which tells the visitor to skip the whole document, so that no rule
 * does its work on it. That matters: the rule that checks fields can merge compares every pair of same-named
 * fields, so a few thousand `__typename`s cost it a third of a second per request otherwise. The measuring is
 * linear: each fragment is measured once however often it is spread, and fragment cycles are cut (graphql-js
 * reports them when the document is within the limits).
 */
export function documentLimitsRule(limits: DocumentLimits): ValidationRule {
  return (context): ASTVisitor => ({
    Document(document) {
      const problem = firstProblem(document, limits);
      if (!problem) return undefined;
      context.reportError(new GraphQLError(problem));
      return null;
    },
  });
}

function firstProblem(document: DocumentNode, limits: DocumentLimits): string | undefined {
  let aliases = 0;
  let directives = 0;
  visit(document, {
    Field(node) {
      if (node.alias || node.name.value === '__typename') aliases += 1;
    },
    // A field repeated under its own name is an alias in all but name: it makes the merge check compare pairs.
    SelectionSet(node) {
      const seen = new Set<string>();
      for (const selection of node.selections) {
        if (selection.kind !== Kind.FIELD || selection.alias || selection.name.value === '__typename')
          continue;
        if (seen.has(selection.name.value)) aliases += 1;
        else seen.add(selection.name.value);
      }
    },
    Directive() {
      directives += 1;
    },
  });
  if (aliases > limits.maxAliases) {
    return `The document has more than ${limits.maxAliases} aliases (__typename and repeated fields included).`;
  }
  if (directives > limits.maxDirectives)
    return `The document has more than ${limits.maxDirectives} directives.`;

  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const memo = new Map<string, Measure>();
  const visiting = new Set<string>();
  const empty: Measure = { depth: 0, selections: 0, credentials: new Map() };

  const measure = (set: SelectionSetNode): Measure => {
    const total: Measure = { depth: 0, selections: 0, credentials: new Map() };
    const add = (part: Measure, depthOffset: number) => {
      total.depth = Math.max(total.depth, part.depth + depthOffset);
      total.selections += part.selections;
      for (const [name, n] of part.credentials)
        total.credentials.set(name, (total.credentials.get(name) ?? 0) + n);
    };
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        // `ofType` unwraps a type reference in introspection: one object per level, bounded by the schema's own
        // wrapping, so it adds no depth; introspection's TypeRef fragment nests it eight deep.
        const own = name === 'ofType' ? 0 : 1;
        const child = selection.selectionSet ? measure(selection.selectionSet) : empty;
        total.depth = Math.max(total.depth, own + child.depth);
        total.selections += 1 + child.selections;
        if (CREDENTIAL_FIELDS.has(name)) total.credentials.set(name, (total.credentials.get(name) ?? 0) + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        add(measure(selection.selectionSet), 0);
      } else {
        const name = selection.name.value;
        let part = memo.get(name);
        const fragment = fragments.get(name);
        if (!part && fragment && !visiting.has(name)) {
          visiting.add(name);
          part = measure(fragment.selectionSet);
          visiting.delete(name);
          memo.set(name, part);
        }
        // Two spreads of one fragment count twice, although execution would merge them: conservative.
        if (part) add(part, 0);
      }
    }
    return total;
  };

  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const measured = measure(definition.selectionSet);
    const name = definition.name ? `Operation "${definition.name.value}"` : 'The operation';
    if (measured.depth > limits.maxDepth) {
      return `${name} is nested ${measured.depth} levels deep; at most ${limits.maxDepth} are allowed.`;
    }
    if (measured.selections > limits.maxSelections) {
      return `${name} selects ${measured.selections} fields with its fragments expanded; at most ${limits.maxSelections} are allowed.`;
    }
    if (definition.operation === OperationTypeNode.MUTATION) {
      for (const [field, n] of measured.credentials) {
        if (n > 1) return `An operation may select ${field} only once; send one request per attempt.`;
      }
    }
  }
  return undefined;
}
