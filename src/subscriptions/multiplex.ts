import type { DocumentNode } from 'graphql';
import { viewerEquivalenceOf, type Viewer } from '../auth/viewer';

/** What decides a subscription's result for an event, besides the event. */
export interface ResultGroupInput {
  readonly document: DocumentNode;
  readonly operationName: string | null | undefined;
  readonly variableValues: Readonly<Record<string, unknown>> | null | undefined;
  readonly viewer: Viewer;
}

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;

/**
 * The group of subscriptions that are given the same result for every event, and so share one execution per
 * event: the same document (valid documents are kept parsed once by their text), the same operation name, the
 * same variables, and equivalent viewers (viewerEquivalenceOf). Variables are compared as their JSON: the same
 * values sent in another key order make another group, never a wrong share.
 */
export function resultGroupOf(input: ResultGroupInput): string {
  let documentId = documentIds.get(input.document);
  if (documentId === undefined) documentIds.set(input.document, (documentId = nextDocumentId++));
  return JSON.stringify([
    documentId,
    input.operationName ?? null,
    input.variableValues ?? null,
    viewerEquivalenceOf(input.viewer),
  ]);
}
