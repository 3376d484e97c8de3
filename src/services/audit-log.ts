import type DataLoader from 'dataloader';
import { Types, type ClientSession } from 'mongoose';
import type { AppDeps } from '../deps';
import type { AuditEventDoc } from '../models/audit-event.model';
import {
  keysetPage,
  pageLoader,
  type CursorCodec,
  type Filter,
  type PageArgs,
  type PageQuery,
} from './pagination';
import type { Connection } from './records';

/**
 * The one reader and writer of the `audit_events` collection. An event names who acted (a user id, or null
 * when nobody was signed in), what they did (a stable upper-case action), what they acted on, and where the
 * request came from. It never holds a secret: no password, token or hash reaches `record`, whose fields are
 * ids, the names below and text the code writes itself.
 */

/** Every action the log records, by its stable name. */
export const AUDIT_ACTIONS = [
  'SIGN_IN',
  'SIGN_IN_FAILED',
  'PASSWORD_CHANGED',
  'PASSWORD_RESET',
  'EMAIL_VERIFIED',
  'ROLE_GRANTED',
  'ARTICLE_DELETED_BY_MODERATOR',
  'COMMENT_DELETED_BY_MODERATOR',
  'API_KEY_CREATED',
  'API_KEY_REVOKED',
  'WEBHOOK_ENDPOINT_CREATED',
  'WEBHOOK_ENDPOINT_UPDATED',
  'WEBHOOK_ENDPOINT_DELETED',
  'WEBHOOK_SECRET_ROTATED',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What an event acted on: `user:<id>`, `article:<id>`, `comment:<id>`, `apiKey:<id>` or `webhook:<id>`. */
export type AuditTarget = `${'user' | 'article' | 'comment' | 'apiKey' | 'webhook'}:${string}`;

export const auditTarget = {
  user: (id: string): AuditTarget => `user:${id}`,
  article: (id: string): AuditTarget => `article:${id}`,
  comment: (id: string): AuditTarget => `comment:${id}`,
  apiKey: (id: string): AuditTarget => `apiKey:${id}`,
  webhook: (id: string): AuditTarget => `webhook:${id}`,
};

export interface AuditEntry {
  readonly action: AuditAction;
  /** The user who acted; null when nobody was signed in (a failed sign-in, the command line). */
  readonly actorId: string | null;
  readonly target: AuditTarget | null;
  /** What the action and target leave out (the role granted); text the code writes, never input. */
  readonly detail?: string | null;
}

/** Where the events of one request (or one command) come from. */
export interface AuditOrigin {
  readonly clientAddress: string | null;
  readonly requestId: string | null;
}

export interface AuditEventRecord {
  readonly id: string;
  readonly action: string;
  readonly actorId: string | null;
  readonly target: string | null;
  readonly detail: string | null;
  readonly clientAddress: string | null;
  readonly requestId: string | null;
  readonly occurredAt: Date;
}

export interface AuditQuery {
  readonly action: string | null;
  readonly actorId: string | null;
}

function toAuditEventRecord(doc: AuditEventDoc): AuditEventRecord {
  return {
    id: doc._id.toHexString(),
    action: doc.action,
    actorId: doc.actorId ? doc.actorId.toHexString() : null,
    target: doc.target ?? null,
    detail: doc.detail ?? null,
    clientAddress: doc.clientAddress ?? null,
    requestId: doc.requestId ?? null,
    occurredAt: doc.occurredAt,
  };
}

const DAY_MS = 24 * 3600 * 1000;

/** Names a filtered list of events exactly, for its cursors. */
export function auditListName(query: AuditQuery): string {
  return `audit:${JSON.stringify([query.action, query.actorId])}`;
}

export class AuditLog {
  private pages: DataLoader<PageQuery, AuditEventDoc[]> | undefined;

  constructor(
    private readonly deps: Pick<AppDeps, 'config' | 'models'>,
    private readonly origin: AuditOrigin,
  ) {}

  /**
   * Writes one event. Given the `session` of the write it records, it commits or aborts with it: an event
   * that cannot be written fails the operation, so that nothing security-relevant happens unrecorded. Without
   * one (an attempt that writes nothing else), its failure is the caller's error.
   */
  async record(entry: AuditEntry, session?: ClientSession): Promise<void> {
    const occurredAt = new Date();
    const doc = {
      _id: new Types.ObjectId(),
      action: entry.action,
      actorId: entry.actorId === null ? null : new Types.ObjectId(entry.actorId),
      target: entry.target,
      detail: entry.detail ?? null,
      clientAddress: this.origin.clientAddress,
      requestId: this.origin.requestId,
      occurredAt,
      expiresAt: new Date(occurredAt.getTime() + this.deps.config.auditRetentionDays * DAY_MS),
    };
    await this.deps.models.AuditEvent.insertMany([doc], { lean: true, ...(session ? { session } : {}) });
  }

  /** One page of events, newest first, of one action and/or one actor. Who may read them is the caller's rule. */
  page(query: AuditQuery, args: PageArgs, codec: CursorCodec): Promise<Connection<AuditEventRecord>> {
    const { AuditEvent } = this.deps.models;
    const filter: Filter = {};
    if (query.action !== null) filter['action'] = query.action;
    if (query.actorId !== null) filter['actorId'] = new Types.ObjectId(query.actorId);
    this.pages ??= pageLoader<AuditEventDoc>(AuditEvent, 'audit.page');
    return keysetPage<AuditEventDoc, AuditEventRecord>({
      pages: this.pages,
      filter,
      sortField: 'occurredAt',
      list: auditListName(query),
      args,
      codec,
      toNode: toAuditEventRecord,
      count: () => AuditEvent.countDocuments(filter).comment('audit.count').exec(),
    });
  }
}
