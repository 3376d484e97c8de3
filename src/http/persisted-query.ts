import { documentHash, isDocumentHash, isRecord, type SentDocument } from '../graphql/trusted-documents';

const DOCUMENT_ID = /^sha256:([0-9a-f]{64})$/;

/** A GraphQL request's parameters as the edge reads them: a POST body, or GET's search parameters. */
export interface RequestParams {
  readonly query: unknown;
  readonly extensions: unknown;
  readonly documentId: unknown;
}

export type PersistedQueryCheck =
  | {
      readonly ok: true;
      readonly extensions: Record<string, unknown> | undefined;
      readonly document: SentDocument;
    }
  | { readonly ok: false; readonly message: string };

/**
 * How a document may be sent by hash, checked before Apollo reads the request: `documentId: "sha256:<hash>"`
 * (GraphQL over HTTP's persisted documents) becomes Apollo's `extensions.persistedQuery { version: 1,
 * sha256Hash }`, which is what Apollo's pipeline reads; a persistedQuery extension must be version 1 with a
 * SHA-256, and the SHA-256 of the query when both are sent. Apollo would refuse those mistakes too, but with
 * errors that carry no code. `extensions` undefined: the request is left as it is.
 */
export function checkPersistedQuery(params: RequestParams): PersistedQueryCheck {
  const { query, extensions, documentId } = params;
  const given = isRecord(extensions) ? extensions : undefined;
  if (documentId !== undefined && documentId !== null) {
    const match = typeof documentId === 'string' ? DOCUMENT_ID.exec(documentId) : null;
    if (!match) {
      return {
        ok: false,
        message: 'documentId must be "sha256:" followed by 64 lower-case hexadecimal digits.',
      };
    }
    if ((query !== undefined && query !== null) || given?.['persistedQuery'] !== undefined) {
      return { ok: false, message: 'Send documentId alone, without a query or a persistedQuery extension.' };
    }
    const sha256Hash = match[1]!;
    return {
      ok: true,
      extensions: { ...given, persistedQuery: { version: 1, sha256Hash } },
      document: { persistedHash: sha256Hash },
    };
  }
  const text = typeof query === 'string' ? query : undefined;
  const persisted = given?.['persistedQuery'];
  if (persisted === undefined) return { ok: true, extensions: undefined, document: { query: text } };
  if (!isRecord(persisted) || persisted['version'] !== 1) {
    return { ok: false, message: 'extensions.persistedQuery must be { version: 1, sha256Hash }.' };
  }
  const hash = persisted['sha256Hash'];
  if (!isDocumentHash(hash)) {
    return {
      ok: false,
      message: 'extensions.persistedQuery.sha256Hash must be 64 lower-case hexadecimal digits.',
    };
  }
  if (text !== undefined && documentHash(text) !== hash) {
    return { ok: false, message: 'extensions.persistedQuery.sha256Hash is not the SHA-256 of the query.' };
  }
  return { ok: true, extensions: undefined, document: { query: text, persistedHash: hash } };
}
