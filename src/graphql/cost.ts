import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isLeafType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
// The services own the page sizes; the estimate prices a list by the page they would read.
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../services/pagination';

/** What a mutation costs beyond what it selects: writes, and often bcrypt. */
export const MUTATION_COST = 10;
/** Introspection resolves in memory from the schema; the depth and alias limits bound its shape. */
const INTROSPECTION_COST = 1;

/**
 * Lists without `first`/`last`, by schema coordinate, with the size assumed for them. Other plain lists
 * (a list of scalars like `tagList` costs nothing per item) fall back to the default page size.
 */
const LIST_ESTIMATES: Readonly<Record<string, number>> = {
  'Article.comments': 20,
  'Query.tags': 50,
  // WEBHOOK_MAX_ENDPOINTS_PER_USER's default.
  'Viewer.webhookEndpoints': 10,
};

/** Lists by item type: a payload's `errors` hold a handful of UserErrors, not a page. */
const ITEM_ESTIMATES: Readonly<Record<string, number>> = { UserError: 2 };

type Variables = Readonly<Record<string, unknown>> | undefined;

const fragmentsByDocument = new WeakMap<DocumentNode, Map<string, FragmentDefinitionNode>>();

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  let fragments = fragmentsByDocument.get(document);
  if (!fragments) {
    fragments = new Map();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    fragmentsByDocument.set(document, fragments);
  }
  return fragments;
}

/**
 * The points an operation may cost, computed before it runs (Shopify's model): an object costs 1, a leaf 0,
 * and a list multiplies what each item costs by the page it asks for (`first`/`last`, DEFAULT_PAGE_SIZE
 * when absent, at most MAX_PAGE_SIZE), or by a fixed estimate for plain lists. Mutation root fields add
 * MUTATION_COST. Runs on validated documents only, so fragments have no cycles; each fragment is still
 * costed once per page size, so that nested spreads cost the computation nothing however large the figure
 * grows.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
): number {
  // Apollo hands the same parsed document to every request with the same text; without variables its cost
  // cannot change, so it is computed once.
  const fixed = !operation.variableDefinitions?.length;
  if (fixed) {
    const known = costWithoutVariables.get(operation);
    if (known !== undefined) return known;
  }
  const cost = computeCost(schema, document, operation, variables);
  if (fixed) costWithoutVariables.set(operation, cost);
  return cost;
}

const costWithoutVariables = new WeakMap<OperationDefinitionNode, number>();

function computeCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
): number {
  const fragments = fragmentsOf(document);
  const memo = new Map<string, number>();
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  const selectionCost = (
    set: SelectionSetNode,
    parent: GraphQLNamedType,
    page: number | undefined,
  ): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        total += fieldCost(selection.name.value, selection, parent, page);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += selectionCost(selection.selectionSet, type ?? parent, page);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment) continue;
        const key = `${selection.name.value}:${page ?? ''}`;
        let cost = memo.get(key);
        if (cost === undefined) {
          const type = schema.getType(fragment.typeCondition.name.value) ?? parent;
          cost = selectionCost(fragment.selectionSet, type, page);
          memo.set(key, cost);
        }
        total += cost;
      }
    }
    return total;
  };

  const fieldCost = (
    name: string,
    node: {
      readonly arguments?: readonly { name: { value: string }; value: ValueNode }[];
      readonly selectionSet?: SelectionSetNode;
    },
    parent: GraphQLNamedType,
    page: number | undefined,
  ): number => {
    if (name === '__typename') return 0;
    if (name === '__schema' || name === '__type') return INTROSPECTION_COST;
    if (!isObjectType(parent) && !isInterfaceType(parent)) return 0;
    const field = parent.getFields()[name];
    if (!field) return 0;
    const type = getNamedType(field.type);

    let childPage: number | undefined;
    for (const arg of node.arguments ?? []) {
      if (arg.name.value === 'first' || arg.name.value === 'last') {
        const size = pageSize(arg.value, variables);
        childPage = childPage === undefined ? size : Math.max(childPage, size);
      }
    }
    if (childPage === undefined && field.args.some((a) => a.name === 'first' || a.name === 'last')) {
      childPage = DEFAULT_PAGE_SIZE;
    }

    let each = isLeafType(type) ? 0 : 1;
    if (node.selectionSet && (isObjectType(type) || isInterfaceType(type) || isAbstractType(type))) {
      each += selectionCost(node.selectionSet, type, childPage);
    }
    let cost = each;
    if (isListType(getNullableType(field.type))) {
      cost =
        each *
        (page ?? LIST_ESTIMATES[`${parent.name}.${name}`] ?? ITEM_ESTIMATES[type.name] ?? DEFAULT_PAGE_SIZE);
    }
    if (parent === root) {
      // A root field always costs something: it is at least one round trip.
      cost = Math.max(cost, 1);
      if (operation.operation === OperationTypeNode.MUTATION) cost += MUTATION_COST;
    }
    return cost;
  };

  // Even `{ __typename }` is a request to parse, validate and answer: it costs at least a point.
  return Math.max(1, selectionCost(operation.selectionSet, root, undefined));
}

function pageSize(value: ValueNode, variables: Variables): number {
  let raw: unknown;
  if (value.kind === Kind.INT) raw = Number(value.value);
  else if (value.kind === Kind.VARIABLE) raw = variables?.[value.name.value];
  if (typeof raw !== 'number' || !Number.isFinite(raw)) return DEFAULT_PAGE_SIZE;
  // Out-of-range sizes are refused by the services; costing them at the bounds is enough here.
  return Math.min(MAX_PAGE_SIZE, Math.max(0, Math.floor(raw)));
}

/**
 * What an executed operation actually cost, by the same measure: one point per object in the result (the
 * pages as they came back, not as asked for), plus MUTATION_COST per mutation root field. Counting stops at
 * `cap` (the estimate, which is all an operation is ever charged), so a large result is not walked past it.
 */
export function resultCost(
  data: unknown,
  operation: OperationDefinitionNode | undefined,
  cap = Number.POSITIVE_INFINITY,
): number {
  if (data === null || typeof data !== 'object') return Math.min(1, cap);
  let total = 0;
  const mutation = operation?.operation === OperationTypeNode.MUTATION;
  for (const value of Object.values(data as Record<string, unknown>)) {
    if (total >= cap) break;
    total += Math.max(countObjects(value, cap - total), 1) + (mutation ? MUTATION_COST : 0);
  }
  return Math.min(Math.max(1, total), cap);
}

/** Objects in a value, counting no further than `limit`. */
function countObjects(value: unknown, limit: number): number {
  if (value === null || typeof value !== 'object' || limit <= 0) return 0;
  let total = 0;
  if (Array.isArray(value)) {
    for (const item of value) {
      total += countObjects(item, limit - total);
      if (total >= limit) break;
    }
    return total;
  }
  total = 1;
  for (const key in value) {
    if (total >= limit) break;
    total += countObjects((value as Record<string, unknown>)[key], limit - total);
  }
  return total;
}
