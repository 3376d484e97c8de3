import {
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';

/**
 * Whether the field being resolved selects `field` at `path` below it (`['edges', 'node']`, `'body'`), by
 * name, through fragments. Found once per document: the answer is kept on the field's nodes in the parsed
 * document, which Apollo and the compiled executor keep for as long as they cache the document. A field under
 * `@skip` or `@include` counts as selected, and fragments count whatever their type condition, so that the
 * answer depends on the document alone, never on the variables, and errs only towards reading more.
 */
export function selects(info: GraphQLResolveInfo, path: readonly string[], field: string): boolean {
  const nodes = info.fieldNodes;
  const key = `${path.join('.')}.${field}`;
  // The same field node can be merged with different siblings where a fragment is spread twice: the whole
  // list of nodes is the key.
  const entries = cache.get(nodes[0]!) ?? [];
  let entry = entries.find((e) => e.nodes.length === nodes.length && e.nodes.every((n, i) => n === nodes[i]));
  if (!entry) {
    entry = { nodes: [...nodes], answers: new Map() };
    entries.push(entry);
    cache.set(nodes[0]!, entries);
  }
  let answer = entry.answers.get(key);
  if (answer === undefined) {
    answer = find(nodes, path, field, info.fragments);
    entry.answers.set(key, answer);
  }
  return answer;
}

interface Entry {
  readonly nodes: readonly FieldNode[];
  readonly answers: Map<string, boolean>;
}

const cache = new WeakMap<FieldNode, Entry[]>();

type Fragments = Record<string, FragmentDefinitionNode>;

function find(nodes: readonly FieldNode[], path: readonly string[], field: string, fragments: Fragments) {
  let sets = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const name of path) {
    sets = fieldsNamed(sets, name, fragments).flatMap((node) =>
      node.selectionSet ? [node.selectionSet] : [],
    );
  }
  return fieldsNamed(sets, field, fragments).length > 0;
}

function fieldsNamed(sets: readonly SelectionSetNode[], name: string, fragments: Fragments): FieldNode[] {
  const found: FieldNode[] = [];
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === name) found.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else {
        const fragment = fragments[selection.name.value];
        if (fragment && !seen.has(fragment.name.value)) {
          seen.add(fragment.name.value);
          walk(fragment.selectionSet);
        }
      }
    }
  };
  sets.forEach(walk);
  return found;
}
