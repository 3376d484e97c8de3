import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface DocumentLimits {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
}

/**
 * Mutations that check a credential or create one. Aliases would let one request carry hundreds of
 * password guesses past a throttle that counts requests, so an operation may name each at most once.
 */
export const CREDENTIAL_FIELDS: ReadonlySet<string> = new Set(['signInUser', 'createUser', 'refreshSession']);

/**
 * Rules that refuse costly documents at validation, before anything runs. They run beside graphql-js's own
 * rules, so they must survive documents those rules reject: fragment cycles are cut, not followed, and each
 * fragment is measured once however often it is spread, so that nested spreads cannot make the check itself
 * exponential.
 */
export function documentLimitRules(limits: DocumentLimits): ValidationRule[] {
  return [
    depthLimit(limits.maxDepth),
    aliasLimit(limits.maxAliases),
    directiveLimit(limits.maxDirectives),
    oneCredentialField,
  ];
}

function fragmentsOf(context: ValidationContext): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

function depthLimit(maxDepth: number): ValidationRule {
  return (context) => {
    const fragments = fragmentsOf(context);
    const memo = new Map<string, number>();
    const visiting = new Set<string>();

    const depthOf = (set: SelectionSetNode): number => {
      let deepest = 0;
      for (const selection of set.selections) {
        let depth = 0;
        if (selection.kind === Kind.FIELD) {
          // `ofType` unwraps a type reference in introspection: one object per level, bounded by the schema's
          // own wrapping, so it is not counted; introspection's TypeRef fragment nests it eight deep.
          const own = selection.name.value === 'ofType' ? 0 : 1;
          depth = selection.selectionSet ? own + depthOf(selection.selectionSet) : own;
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          depth = depthOf(selection.selectionSet);
        } else {
          const name = selection.name.value;
          const known = memo.get(name);
          if (known !== undefined) depth = known;
          else {
            const fragment = fragments.get(name);
            // A cycle or an unknown fragment is reported by graphql-js's own rules.
            if (fragment && !visiting.has(name)) {
              visiting.add(name);
              depth = depthOf(fragment.selectionSet);
              visiting.delete(name);
              memo.set(name, depth);
            }
          }
        }
        if (depth > deepest) deepest = depth;
        // Stop early: a deep enough branch settles it.
        if (deepest > maxDepth) return deepest;
      }
      return deepest;
    };

    return {
      OperationDefinition(operation: OperationDefinitionNode) {
        const depth = depthOf(operation.selectionSet);
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(
              `The operation is nested ${depth} levels deep; at most ${maxDepth} are allowed.`,
              {
                nodes: [operation],
              },
            ),
          );
        }
      },
    };
  };
}

/** Counts aliases and `__typename` selections in the document as written: both can repeat a field freely. */
function aliasLimit(maxAliases: number): ValidationRule {
  return (context) => {
    let count = 0;
    let reported = false;
    return {
      Field(node) {
        if (node.alias || node.name.value === '__typename') count += 1;
        if (count > maxAliases && !reported) {
          reported = true;
          context.reportError(
            new GraphQLError(`The document has more than ${maxAliases} aliases (__typename included).`, {
              nodes: [node],
            }),
          );
        }
      },
    } satisfies ASTVisitor;
  };
}

function directiveLimit(maxDirectives: number): ValidationRule {
  return (context) => {
    let count = 0;
    let reported = false;
    return {
      Directive(node) {
        count += 1;
        if (count > maxDirectives && !reported) {
          reported = true;
          context.reportError(
            new GraphQLError(`The document has more than ${maxDirectives} directives.`, { nodes: [node] }),
          );
        }
      },
    } satisfies ASTVisitor;
  };
}

/**
 * Counts credential root fields through inline and named fragments. Counting is conservative: two spreads of
 * one fragment count twice even though execution would merge them.
 */
const oneCredentialField: ValidationRule = (context) => {
  const fragments = fragmentsOf(context);
  const memo = new Map<string, Map<string, number>>();
  const visiting = new Set<string>();

  const countIn = (set: SelectionSetNode): Map<string, number> => {
    const counts = new Map<string, number>();
    const add = (from: Map<string, number>) => {
      for (const [name, n] of from) counts.set(name, (counts.get(name) ?? 0) + n);
    };
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (CREDENTIAL_FIELDS.has(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        add(countIn(selection.selectionSet));
      } else {
        const name = selection.name.value;
        let counted = memo.get(name);
        const fragment = fragments.get(name);
        if (!counted && fragment && !visiting.has(name)) {
          visiting.add(name);
          counted = countIn(fragment.selectionSet);
          visiting.delete(name);
          memo.set(name, counted);
        }
        if (counted) add(counted);
      }
    }
    return counts;
  };

  return {
    OperationDefinition(operation: OperationDefinitionNode) {
      if (operation.operation !== OperationTypeNode.MUTATION) return;
      for (const [name, n] of countIn(operation.selectionSet)) {
        if (n > 1) {
          context.reportError(
            new GraphQLError(`An operation may select ${name} only once; send one request per attempt.`, {
              nodes: [operation],
            }),
          );
        }
      }
    },
  };
};
