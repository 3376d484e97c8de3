import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { mayRunArbitraryDocuments, type Viewer } from '../auth/viewer';
import type { TrustedDocumentsMode } from '../config';
import { PersistedQueryNotAllowedError } from '../errors';
import { operationCost } from './cost';
import type { GraphQLRules } from './rules';

/** Apollo's persisted query list format, as `@apollo/generate-persisted-query-manifest` writes it. */
export const MANIFEST_FORMAT = 'apollo-persisted-query-manifest';

const OPERATION_TYPES = ['query', 'mutation', 'subscription'] as const;

/** One trusted document: its id is the SHA-256 (hex) of its body. */
export interface TrustedDocument {
  readonly id: string;
  readonly name: string;
  readonly type: (typeof OPERATION_TYPES)[number];
  readonly body: string;
}

/** The SHA-256 of a document's text, in hex: the key of persisted queries and the id of trusted documents. */
export function documentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const HASH = /^[0-9a-f]{64}$/;

/** A 64-digit lower-case hexadecimal SHA-256. */
export function isDocumentHash(value: unknown): value is string {
  return typeof value === 'string' && HASH.test(value);
}

/** The manifest loaded at start, by id. */
export class TrustedDocuments {
  private readonly byId: ReadonlyMap<string, TrustedDocument>;

  constructor(documents: readonly TrustedDocument[]) {
    this.byId = new Map(documents.map((d) => [d.id, d]));
  }

  byHash(hash: string): TrustedDocument | undefined {
    return this.byId.get(hash);
  }

  get size(): number {
    return this.byId.size;
  }
}

/** A manifest that cannot be used; the message names the file and, when one is at fault, the operation. */
export class TrustedDocumentsError extends Error {
  constructor(file: string, problem: string) {
    super(`Trusted documents ${file}: ${problem}`);
    this.name = 'TrustedDocumentsError';
  }
}

type DocumentRules = Pick<GraphQLRules, 'parseOptions' | 'validationRules'>;

/**
 * Reads TRUSTED_DOCUMENTS_FILE and checks every operation once, as a request would be checked: its id is the
 * SHA-256 of its body, the body parses within the token limit, validates against the schema with the
 * document limits, holds the operation it names with the type it gives, and costs at most `maxCost`. The
 * first problem fails the start, naming the operation.
 */
export async function loadTrustedDocuments(
  file: string,
  schema: GraphQLSchema,
  rules: DocumentRules,
  maxCost: number,
): Promise<TrustedDocuments> {
  const fail = (problem: string): never => {
    throw new TrustedDocumentsError(file, problem);
  };
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    return fail(`cannot be read (${(error as Error).message})`);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    return fail(`is not JSON (${(error as Error).message})`);
  }
  if (!isRecord(manifest) || manifest['format'] !== MANIFEST_FORMAT || manifest['version'] !== 1) {
    return fail(`is not a persisted query list: expected {"format":"${MANIFEST_FORMAT}","version":1,…}`);
  }
  const operations = manifest['operations'];
  if (!Array.isArray(operations)) return fail('has no "operations" list');

  const documents: TrustedDocument[] = [];
  const seen = new Set<string>();
  operations.forEach((entry: unknown, index) => {
    const at = isRecord(entry) && typeof entry['name'] === 'string' ? `"${entry['name']}"` : `#${index + 1}`;
    const problem = (what: string): never => fail(`operation ${at}: ${what}`);
    if (!isRecord(entry)) return problem('is not an object');
    const { id, name, type, body } = entry;
    if (typeof name !== 'string' || name === '') return problem('has no name');
    if (typeof body !== 'string' || body === '') return problem('has no body');
    if (!isDocumentHash(id)) return problem('has no id of 64 lower-case hexadecimal digits');
    if (!OPERATION_TYPES.includes(type as TrustedDocument['type'])) {
      return problem(`has type ${JSON.stringify(type)}; expected one of ${OPERATION_TYPES.join(', ')}`);
    }
    const hash = documentHash(body);
    if (hash !== id) return problem(`id ${id} is not the SHA-256 of its body (${hash})`);
    if (seen.has(id)) return problem(`id ${id} is listed twice`);
    seen.add(id);

    let document: DocumentNode;
    try {
      document = parse(body, rules.parseOptions);
    } catch (error) {
      return problem(`does not parse: ${(error as GraphQLError).message}`);
    }
    const errors = validate(schema, document, [...rules.validationRules, ...specifiedRules]);
    if (errors.length > 0) {
      return problem(`is not valid against the schema: ${errors.map((e) => e.message).join(' ')}`);
    }
    const operation = getOperationAST(document, name);
    if (!operation) return problem(`has no operation named ${name}`);
    if (operation.operation !== type) return problem(`is a ${operation.operation}, not a ${String(type)}`);
    // As a request sending no variables is priced: list sizes from variables at the default page.
    const cost = operationCost(schema, document, operation, undefined);
    if (cost > maxCost) return problem(`costs ${cost} points; MAX_QUERY_COST is ${maxCost}`);
    documents.push({ id, name, type: operation.operation, body });
  });
  return new TrustedDocuments(documents);
}

/** What the trusted-documents rule decides for one request, before its document is read or parsed. */
export interface DocumentAdmission {
  /** The trusted document's name, when the request sends one. */
  readonly trusted: string | undefined;
  /** Set when the document may not run. */
  readonly refusal: PersistedQueryNotAllowedError | undefined;
}

/** The document a request sends: its text, or the hash of a persisted one (persistedQuery or documentId). */
export interface SentDocument {
  readonly query?: string | undefined;
  readonly persistedHash?: string | undefined;
}

/**
 * The trusted-documents rule, in one place. A request's document is trusted when its hash (sent as the
 * persistedQuery extension or documentId, or that of the text it sends) is in the manifest. In `enforce`
 * mode any other document is refused, unless the viewer may run arbitrary documents (viewer.ts); the viewer
 * is asked for only then.
 */
export async function admitDocument(
  trusted: TrustedDocuments | undefined,
  mode: TrustedDocumentsMode,
  sent: SentDocument,
  viewer: () => Promise<Viewer>,
): Promise<DocumentAdmission> {
  // No document at all (Apollo's landing page, an empty request): nothing runs, and Apollo answers it.
  if (sent.query === undefined && sent.persistedHash === undefined) {
    return { trusted: undefined, refusal: undefined };
  }
  const hash =
    sent.persistedHash ?? (sent.query !== undefined && trusted ? documentHash(sent.query) : undefined);
  const document = hash === undefined ? undefined : trusted?.byHash(hash);
  if (document) return { trusted: document.name, refusal: undefined };
  if (mode === 'enforce' && !mayRunArbitraryDocuments(await viewer())) {
    return { trusted: undefined, refusal: new PersistedQueryNotAllowedError() };
  }
  return { trusted: undefined, refusal: undefined };
}

/** A plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
