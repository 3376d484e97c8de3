import { Types } from 'mongoose';
import type { AppDeps } from '../deps';
import { bodyOf, isTooLargeToSend, type WebhookEvent } from './events';

/** The outcome of recording a batch of events. */
export interface Recorded {
  /** Deliveries written by this call (those recorded before, by a replay or another instance, excluded). */
  readonly inserted: number;
}

/**
 * Turns events into deliveries: one per event and matching endpoint (enabled, subscribed to the event's type,
 * owned by the user whose content it is or by an admin). Idempotent: the unique (event, endpoint) index keeps
 * a replayed event from being recorded, and so delivered, twice. The change-stream consumer calls `record`
 * before it stores its resume token past the events, so an event is never skipped.
 */
export class WebhookDispatcher {
  constructor(
    private readonly deps: Pick<AppDeps, 'config' | 'models'>,
    /** Told when deliveries were recorded, so that this instance sends them without waiting for its poll. */
    private readonly onRecorded: () => void = () => {},
  ) {}

  async record(events: readonly WebhookEvent[]): Promise<Recorded> {
    if (events.length === 0) return { inserted: 0 };
    const { User, WebhookEndpoint, WebhookDelivery } = this.deps.models;
    // The endpoints that may receive these events, in one command: those of the events' owners and of every
    // admin, enabled, with their owners' roles (users by id and by role, endpoints by owner: all indexed).
    const owners = await User.aggregate<{
      _id: Types.ObjectId;
      role: string;
      endpoints: { _id: Types.ObjectId; events: string[] }[];
    }>([
      {
        $match: {
          $or: [
            {
              _id: {
                $in: [...new Set(events.map((event) => event.ownerId))].map((id) => new Types.ObjectId(id)),
              },
            },
            { role: 'admin' },
          ],
        },
      },
      { $project: { role: 1 } },
      {
        $lookup: {
          from: WebhookEndpoint.collection.collectionName,
          localField: '_id',
          foreignField: 'ownerId',
          pipeline: [{ $match: { enabled: true } }, { $project: { _id: 1, events: 1 } }],
          as: 'endpoints',
        },
      },
      { $match: { 'endpoints.0': { $exists: true } } },
    ]).option({ comment: 'webhooks.endpointsFor' });
    const adminIds = new Set(
      owners.filter((owner) => owner.role === 'admin').map((owner) => owner._id.toHexString()),
    );
    const endpoints = owners.flatMap((owner) =>
      owner.endpoints.map((endpoint) => ({ ...endpoint, ownerId: owner._id })),
    );
    const now = new Date();
    const docs: Record<string, unknown>[] = [];
    for (const event of events) {
      const body = bodyOf(event);
      const tooLarge = isTooLargeToSend(body, this.deps.config.webhookMaxPayloadBytes);
      for (const endpoint of endpoints) {
        const owner = endpoint.ownerId.toHexString();
        if (owner !== event.ownerId && !adminIds.has(owner)) continue;
        if (!endpoint.events.includes(event.type)) continue;
        docs.push({
          _id: new Types.ObjectId(),
          endpointId: endpoint._id,
          eventId: event.id,
          eventType: event.type,
          body,
          // Never sent, and said so in its log, rather than dropped without a trace.
          ...(tooLarge
            ? {
                status: 'FAILED',
                lastError: `payload larger than WEBHOOK_MAX_PAYLOAD_BYTES (${this.deps.config.webhookMaxPayloadBytes})`,
                nextAttemptAt: null,
              }
            : { status: 'PENDING', lastError: null, nextAttemptAt: now }),
          attempts: 0,
          failures: 0,
          leaseOwner: null,
          leaseExpiresAt: null,
          lastStatusCode: null,
          log: [],
          deliveredAt: null,
          createdAt: now,
          updatedAt: now,
        });
      }
    }
    if (docs.length === 0) return { inserted: 0 };
    let inserted = docs.length;
    try {
      await WebhookDelivery.collection.insertMany(docs, { ordered: false, comment: 'webhooks.record' });
    } catch (error) {
      const writeErrors = (error as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
      const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
      // Deliveries recorded already (a replay, another instance): the rest were written.
      if (list.length === 0 || list.some((e) => e.code !== 11000)) throw error;
      inserted -= list.length;
    }
    if (inserted > 0) this.onRecorded();
    return { inserted };
  }
}
