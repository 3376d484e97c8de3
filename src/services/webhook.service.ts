import type DataLoader from 'dataloader';
import { trusted, Types } from 'mongoose';
import { requireActor, type Viewer } from '../auth/viewer';
import type { AppDeps } from '../deps';
import { ForbiddenError, NotFoundError, UserInputErrors } from '../errors';
import type { DeliveryStatus, WebhookDeliveryDoc } from '../models/webhook-delivery.model';
export { DELIVERY_STATUSES, type DeliveryStatus } from '../models/webhook-delivery.model';
import type { WebhookEndpointDoc } from '../models/webhook-endpoint.model';
import { isTooLargeToSend, isWebhookEventType, type WebhookEventType } from '../webhooks/events';
import { PREVIOUS_SECRET_HOURS, sealSigningKey } from '../webhooks/secrets';
import { newSigningKey } from '../webhooks/signing';
import { TargetPolicy, TargetRefused } from '../webhooks/targets';
import { auditTarget, type AuditLog } from './audit-log';
import { keysetPage, pageLoader, type CursorCodec, type PageArgs, type PageQuery } from './pagination';
import type { Connection } from './records';
import { isHttpUrl, isObjectIdHex, normalize, textProblem } from './text';
import { FieldErrors, URL_MAX_LENGTH } from './user-validation';

export interface WebhookEndpointRecord {
  readonly id: string;
  readonly ownerId: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly createdAt: Date;
}

export interface WebhookDeliveryRecord {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: WebhookEventType;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: Date | null;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
}

export interface EndpointChanges {
  readonly url?: string | null | undefined;
  readonly events?: readonly string[] | null | undefined;
  readonly enabled?: boolean | null | undefined;
}

export const WEBHOOK_URL_MAX_LENGTH = URL_MAX_LENGTH;

function toEndpointRecord(doc: WebhookEndpointDoc): WebhookEndpointRecord {
  return {
    id: doc._id.toHexString(),
    ownerId: doc.ownerId.toHexString(),
    url: doc.url,
    events: doc.events.filter(isWebhookEventType),
    enabled: doc.enabled,
    disabledReason: doc.disabledReason ?? null,
    createdAt: doc.createdAt,
  };
}

function toDeliveryRecord(doc: WebhookDeliveryDoc): WebhookDeliveryRecord {
  return {
    id: doc._id.toHexString(),
    endpointId: doc.endpointId.toHexString(),
    eventId: doc.eventId,
    eventType: doc.eventType as WebhookEventType,
    status: doc.status,
    attempts: doc.attempts,
    lastStatusCode: doc.lastStatusCode ?? null,
    lastError: doc.lastError ?? null,
    nextAttemptAt: doc.nextAttemptAt ?? null,
    createdAt: doc.createdAt,
    deliveredAt: doc.deliveredAt ?? null,
  };
}

/** The fields an endpoint record is read with: never the sealed secret. */
const ENDPOINT_FIELDS = {
  _id: 1,
  ownerId: 1,
  url: 1,
  events: 1,
  enabled: 1,
  disabledReason: 1,
  createdAt: 1,
} as const;

/**
 * A user's webhook endpoints and their delivery logs. Each user manages their own endpoints only (an admin's
 * endpoints receive every event, but an admin manages only their own too): someone else's endpoint or
 * delivery is NOT_FOUND, so that ids cannot be probed.
 */
export class WebhookService {
  private pages: DataLoader<PageQuery, WebhookDeliveryDoc[]> | undefined;
  private readonly policy: TargetPolicy;

  constructor(
    private readonly deps: Pick<AppDeps, 'config' | 'models' | 'db' | 'cipher'>,
    private readonly viewer: Viewer,
    private readonly cursors: CursorCodec,
    private readonly audit: AuditLog,
  ) {
    this.policy = new TargetPolicy({ allowPrivate: deps.config.webhookAllowPrivateTargets });
  }

  /** The viewer's endpoints, newest first. */
  async listMine(): Promise<WebhookEndpointRecord[]> {
    const actor = requireActor(this.viewer);
    const docs = await this.deps.models.WebhookEndpoint.find(
      { ownerId: new Types.ObjectId(actor.id) },
      ENDPOINT_FIELDS,
    )
      .sort({ createdAt: -1, _id: -1 })
      .lean<WebhookEndpointDoc[]>()
      .comment('webhooks.byOwner');
    return docs.map(toEndpointRecord);
  }

  /** A new endpoint, and its signing secret: shown this once, stored only encrypted. */
  async create(
    url: string,
    events: readonly string[],
  ): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
    const actor = requireActor(this.viewer);
    const errors = new FieldErrors();
    const target = this.checkUrl(url, errors);
    const types = checkEvents(events, errors);
    if (errors.any) throw new UserInputErrors(errors.errors);
    const { WebhookEndpoint } = this.deps.models;
    const ownerId = new Types.ObjectId(actor.id);
    const max = this.deps.config.webhookMaxEndpointsPerUser;
    const id = new Types.ObjectId();
    const { key, secret } = newSigningKey();
    const now = new Date();
    const doc = await this.deps.db.transaction(async (session) => {
      // Counted beside the insert, which is undone when it goes over the bound. (Two creations committing at
      // the same moment can each miss the other's insert and pass by one: the bound keeps what one user
      // stores small, it is no security boundary.)
      await WebhookEndpoint.collection.insertOne(
        {
          _id: id,
          ownerId,
          url: target,
          events: types,
          enabled: true,
          disabledReason: null,
          secret: sealSigningKey(this.deps.cipher, id.toHexString(), key),
          failingSince: null,
          createdAt: now,
          updatedAt: now,
        },
        { session, comment: 'webhooks.create' },
      );
      const count = await WebhookEndpoint.countDocuments({ ownerId })
        .session(session)
        .comment('webhooks.countByOwner');
      if (count > max) {
        throw UserInputErrors.single(null, `You can have at most ${max} webhook endpoints.`);
      }
      await this.audit.record(
        {
          action: 'WEBHOOK_ENDPOINT_CREATED',
          actorId: actor.id,
          target: auditTarget.webhook(id.toHexString()),
        },
        session,
      );
      return WebhookEndpoint.findById(id, ENDPOINT_FIELDS)
        .session(session)
        .lean<WebhookEndpointDoc>()
        .comment('webhooks.byId');
    });
    return { endpoint: toEndpointRecord(doc!), secret };
  }

  async update(id: string, changes: EndpointChanges): Promise<WebhookEndpointRecord> {
    const actor = requireActor(this.viewer);
    const existing = await this.requireOwnEndpoint(id);
    const errors = new FieldErrors();
    const set: Record<string, unknown> = {};
    if (changes.url != null) set['url'] = this.checkUrl(changes.url, errors);
    if (changes.events != null) set['events'] = checkEvents(changes.events, errors);
    if (errors.any) throw new UserInputErrors(errors.errors);
    if (changes.enabled != null) {
      set['enabled'] = changes.enabled;
      // Enabled again (by its owner): its failures start over.
      if (changes.enabled && !existing.enabled) {
        set['disabledReason'] = null;
        set['failingSince'] = null;
      }
      if (!changes.enabled && existing.enabled) set['disabledReason'] = 'Disabled by its owner.';
    }
    const { WebhookEndpoint } = this.deps.models;
    const doc = await this.deps.db.transaction(async (session) => {
      const updated = await WebhookEndpoint.findOneAndUpdate(
        { _id: new Types.ObjectId(id), ownerId: new Types.ObjectId(actor.id) },
        { $set: set },
        { returnDocument: 'after', projection: ENDPOINT_FIELDS, session },
      )
        .lean<WebhookEndpointDoc>()
        .comment('webhooks.update');
      if (!updated) throw new NotFoundError('Webhook endpoint');
      await this.audit.record(
        { action: 'WEBHOOK_ENDPOINT_UPDATED', actorId: actor.id, target: auditTarget.webhook(id) },
        session,
      );
      return updated;
    });
    return toEndpointRecord(doc);
  }

  /**
   * A new signing secret, shown this once. The one it replaces keeps signing beside it (a second signature in
   * `webhook-signature`) for PREVIOUS_SECRET_HOURS, so that the receiver can switch without refusing anything.
   */
  async rotateSecret(id: string): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
    const actor = requireActor(this.viewer);
    await this.requireOwnEndpoint(id);
    const { WebhookEndpoint } = this.deps.models;
    const { key, secret } = newSigningKey();
    const now = new Date();
    const doc = await this.deps.db.transaction(async (session) => {
      const current = await WebhookEndpoint.findOne(
        { _id: new Types.ObjectId(id), ownerId: new Types.ObjectId(actor.id) },
        { secret: 1 },
      )
        .session(session)
        .lean<WebhookEndpointDoc>()
        .comment('webhooks.byId');
      if (!current) throw new NotFoundError('Webhook endpoint');
      const updated = await WebhookEndpoint.findOneAndUpdate(
        { _id: current._id },
        {
          $set: {
            secret: sealSigningKey(this.deps.cipher, id, key),
            previousSecret: current.secret,
            previousSecretExpiresAt: new Date(now.getTime() + PREVIOUS_SECRET_HOURS * 3600 * 1000),
          },
        },
        { returnDocument: 'after', projection: ENDPOINT_FIELDS, session },
      )
        .lean<WebhookEndpointDoc>()
        .comment('webhooks.update');
      await this.audit.record(
        { action: 'WEBHOOK_SECRET_ROTATED', actorId: actor.id, target: auditTarget.webhook(id) },
        session,
      );
      return updated!;
    });
    return { endpoint: toEndpointRecord(doc), secret };
  }

  /** Deletes an endpoint and its delivery log; returns the endpoint as it was. */
  async delete(id: string): Promise<WebhookEndpointRecord> {
    const actor = requireActor(this.viewer);
    const endpoint = await this.requireOwnEndpoint(id);
    const { WebhookEndpoint, WebhookDelivery } = this.deps.models;
    await this.deps.db.transaction(async (session) => {
      const result = await WebhookEndpoint.deleteOne(
        { _id: new Types.ObjectId(id), ownerId: new Types.ObjectId(actor.id) },
        { session },
      ).comment('webhooks.delete');
      if (result.deletedCount === 0) throw new NotFoundError('Webhook endpoint');
      await WebhookDelivery.deleteMany({ endpointId: new Types.ObjectId(id) }, { session }).comment(
        'webhooks.deleteDeliveries',
      );
      await this.audit.record(
        { action: 'WEBHOOK_ENDPOINT_DELETED', actorId: actor.id, target: auditTarget.webhook(id) },
        session,
      );
    });
    return endpoint;
  }

  /** One page of an endpoint's deliveries, newest first. Its owner's only. */
  deliveries(endpoint: WebhookEndpointRecord, args: PageArgs): Promise<Connection<WebhookDeliveryRecord>> {
    const actor = requireActor(this.viewer);
    if (endpoint.ownerId !== actor.id) throw new ForbiddenError('This is not your webhook endpoint.');
    const { WebhookDelivery } = this.deps.models;
    const filter = { endpointId: new Types.ObjectId(endpoint.id) };
    this.pages ??= pageLoader<WebhookDeliveryDoc>(WebhookDelivery, 'webhooks.deliveriesPage');
    return keysetPage<WebhookDeliveryDoc, WebhookDeliveryRecord>({
      pages: this.pages,
      filter,
      sortField: 'createdAt',
      list: `webhookDeliveries:${endpoint.id}`,
      args,
      codec: this.cursors,
      toNode: toDeliveryRecord,
      count: () => WebhookDelivery.countDocuments(filter).comment('webhooks.deliveriesCount').exec(),
    });
  }

  /**
   * Sends a delivery again, now, with the same `webhook-id`, and its retry schedule started over. Refused while
   * an attempt of it is under way, while its endpoint is disabled, and for a payload too large to send.
   */
  async redeliver(deliveryId: string): Promise<WebhookDeliveryRecord> {
    const actor = requireActor(this.viewer);
    const { WebhookDelivery } = this.deps.models;
    const delivery = isObjectIdHex(deliveryId)
      ? await WebhookDelivery.findById(deliveryId).lean<WebhookDeliveryDoc>().comment('webhooks.deliveryById')
      : null;
    const endpoint = delivery ? await this.ownEndpoint(delivery.endpointId.toHexString(), actor.id) : null;
    if (!delivery || !endpoint) throw new NotFoundError('Webhook delivery');
    if (!endpoint.enabled) {
      throw UserInputErrors.single('deliveryId', 'Its endpoint is disabled: enable it first.');
    }
    const maxBytes = this.deps.config.webhookMaxPayloadBytes;
    if (isTooLargeToSend(delivery.body, maxBytes)) {
      throw UserInputErrors.single(
        'deliveryId',
        `Its payload is larger than WEBHOOK_MAX_PAYLOAD_BYTES (${maxBytes}) and is never sent.`,
      );
    }
    const now = new Date();
    const updated = await WebhookDelivery.findOneAndUpdate(
      {
        _id: delivery._id,
        $or: [{ leaseExpiresAt: null }, { leaseExpiresAt: trusted({ $lte: now }) }],
      },
      {
        $set: { status: 'PENDING', failures: 0, nextAttemptAt: now, leaseOwner: null, leaseExpiresAt: null },
      },
      { returnDocument: 'after' },
    )
      .lean<WebhookDeliveryDoc>()
      .comment('webhooks.redeliver');
    if (!updated) {
      throw UserInputErrors.single('deliveryId', 'It is being delivered right now: try again in a moment.');
    }
    return toDeliveryRecord(updated);
  }

  /**
   * The URL as stored, or an error on `url`: the text rules every URL of the API follows (checkImageUrl's), no
   * fragment, then the target policy. Its addresses are checked again at every attempt.
   */
  private checkUrl(raw: string, errors: FieldErrors): string {
    const text = normalize(raw);
    const problem = textProblem(text, 'identifier');
    if (problem) {
      errors.add('url', `URL ${problem}.`);
      return text;
    }
    if (text.length > WEBHOOK_URL_MAX_LENGTH || !isHttpUrl(text)) {
      errors.add(
        'url',
        `URL must be an absolute http(s) URL of at most ${WEBHOOK_URL_MAX_LENGTH} characters.`,
      );
      return text;
    }
    const url = new URL(text);
    if (url.hash !== '') errors.add('url', 'URL must not have a fragment.');
    try {
      this.policy.checkUrl(url);
    } catch (error) {
      if (!(error instanceof TargetRefused)) throw error;
      errors.add('url', error.message);
    }
    return url.toString();
  }

  private async requireOwnEndpoint(id: string): Promise<WebhookEndpointRecord> {
    const endpoint = await this.ownEndpoint(id, requireActor(this.viewer).id);
    if (!endpoint) throw new NotFoundError('Webhook endpoint');
    return endpoint;
  }

  private async ownEndpoint(id: string, ownerId: string): Promise<WebhookEndpointRecord | null> {
    if (!isObjectIdHex(id)) return null;
    const doc = await this.deps.models.WebhookEndpoint.findOne(
      { _id: new Types.ObjectId(id), ownerId: new Types.ObjectId(ownerId) },
      ENDPOINT_FIELDS,
    )
      .lean<WebhookEndpointDoc>()
      .comment('webhooks.byId');
    return doc ? toEndpointRecord(doc) : null;
  }
}

/** The event types, each once, or an error on `events`. */
function checkEvents(events: readonly string[], errors: FieldErrors): WebhookEventType[] {
  const types = [...new Set(events)];
  if (types.length === 0) errors.add('events', 'Choose at least one event type.');
  const unknown = types.filter((type) => !isWebhookEventType(type));
  if (unknown.length > 0) errors.add('events', `Unknown event types: ${unknown.join(', ')}.`);
  return types.filter(isWebhookEventType);
}
