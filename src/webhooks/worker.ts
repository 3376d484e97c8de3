import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { trusted } from 'mongoose';
import type { AppDeps } from '../deps';
import type { WebhookDeliveryDoc } from '../models/webhook-delivery.model';
import type { WebhookEndpointDoc } from '../models/webhook-endpoint.model';
import type { Metrics, WebhookOutcome } from '../observability/metrics';
import { sendDelivery, type AttemptResult } from './send';
import { signingKeys } from './secrets';
import { signedHeaders } from './signing';
import { TargetPolicy, type Resolver } from './targets';

/** The attempts a delivery's log keeps, newest last. */
export const DELIVERY_LOG_LENGTH = 20;

export interface WorkerOptions {
  readonly metrics?: Metrics | undefined;
  /** How host names are resolved; the system's by default. */
  readonly resolver?: Resolver;
}

/**
 * The delay after the `failures`-th failed attempt: the schedule's entry, with ±20% jitter so that the
 * deliveries of an endpoint that was down do not all come back at the same moment; undefined past its end.
 */
export function retryDelayMs(schedule: readonly number[], failures: number): number | undefined {
  const seconds = schedule[failures - 1];
  if (seconds === undefined) return undefined;
  return Math.round(seconds * 1000 * (0.8 + Math.random() * 0.4));
}

/**
 * Sends due deliveries, on every instance. A delivery is claimed atomically (findOneAndUpdate sets a lease
 * no other instance will take until it expires), so one attempt runs at a time for it; an instance that dies
 * mid-attempt leaves a lease that expires, and the delivery is claimed again, by any instance, with the same
 * `webhook-id`: at least once. The lease outlasts an attempt (its timeout) twice over.
 *
 * Each instance polls every WEBHOOK_POLL_INTERVAL_MS, and is woken at once when it recorded deliveries
 * itself. `stop` abandons the attempts in flight (their leases are given back, uncounted) and ends when they
 * have.
 */
export class DeliveryWorker {
  /** Names this instance in the leases it holds. */
  readonly instanceId = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly policy: TargetPolicy;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private pumping = false;
  private pumpAgain = false;

  constructor(
    private readonly deps: Pick<AppDeps, 'config' | 'models' | 'logger' | 'cipher'>,
    private readonly options: WorkerOptions = {},
  ) {
    this.policy = new TargetPolicy({
      allowPrivate: deps.config.webhookAllowPrivateTargets,
      ...(options.resolver ? { resolver: options.resolver } : {}),
    });
  }

  private get leaseMs(): number {
    return this.deps.config.webhookTimeoutMs * 2 + 1000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => this.wake(), this.deps.config.webhookPollIntervalMs);
    this.wake();
  }

  /** Looks for due deliveries now. */
  wake(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void this.pump()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'webhook worker failed to claim'))
      .finally(() => {
        this.pumping = false;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.wake();
        }
      });
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    this.abort.abort();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async pump(): Promise<void> {
    while (this.running && this.inFlight.size < this.deps.config.webhookConcurrency) {
      const delivery = await this.claim();
      if (!delivery) return;
      const attempt: Promise<void> = this.attempt(delivery)
        .catch((error: unknown) =>
          this.deps.logger.error(
            { err: error, deliveryId: delivery._id.toHexString() },
            'webhook delivery attempt failed',
          ),
        )
        .finally(() => {
          this.inFlight.delete(attempt);
          // A slot is free: more may be due.
          this.wake();
        });
      this.inFlight.add(attempt);
    }
  }

  /** Takes one due delivery, soonest first, under a lease of this instance's. */
  private async claim(): Promise<WebhookDeliveryDoc | null> {
    const now = new Date();
    return this.deps.models.WebhookDelivery.findOneAndUpdate(
      {
        status: trusted({ $in: ['PENDING', 'RETRYING'] }),
        nextAttemptAt: trusted({ $lte: now }),
        $or: [{ leaseExpiresAt: null }, { leaseExpiresAt: trusted({ $lte: now }) }],
      },
      {
        $set: { leaseOwner: this.instanceId, leaseExpiresAt: new Date(now.getTime() + this.leaseMs) },
      },
      { sort: { nextAttemptAt: 1 }, returnDocument: 'after' },
    )
      .lean<WebhookDeliveryDoc>()
      .comment('webhooks.claim');
  }

  private async attempt(delivery: WebhookDeliveryDoc): Promise<void> {
    const { WebhookEndpoint } = this.deps.models;
    const endpoint = await WebhookEndpoint.findById(delivery.endpointId)
      .lean<WebhookEndpointDoc>()
      .comment('webhooks.endpointById');
    if (!endpoint || !endpoint.enabled) {
      // Not an attempt: nothing was sent. redeliverWebhook sends it once the endpoint is enabled again.
      await this.settle(delivery, {
        $set: {
          status: 'FAILED',
          nextAttemptAt: null,
          lastError: endpoint ? 'endpoint disabled' : 'endpoint deleted',
        },
      });
      this.options.metrics?.webhookDelivery('failed');
      return;
    }
    let keys: Buffer[];
    try {
      keys = signingKeys(this.deps.cipher, endpoint, new Date());
    } catch (error) {
      // Its key is not among DATA_ENCRYPTION_KEY's (or the secret was altered): nothing can be signed, and
      // nothing is sent unsigned. Failed like an attempt, so that it is retried once the key is configured.
      this.deps.logger.error(
        { err: error, endpointId: endpoint._id.toHexString() },
        'webhook signing secret cannot be decrypted',
      );
      await this.record(delivery, endpoint, {
        ok: false,
        statusCode: null,
        error: 'the signing secret cannot be decrypted with the configured DATA_ENCRYPTION_KEY',
        durationMs: 0,
      });
      return;
    }
    const id = delivery.eventId;
    const result = await sendDelivery({
      url: endpoint.url,
      headers: signedHeaders(keys, id, Math.floor(Date.now() / 1000), delivery.body),
      body: delivery.body,
      timeoutMs: this.deps.config.webhookTimeoutMs,
      policy: this.policy,
      signal: this.abort.signal,
    });
    if (this.abort.signal.aborted && !result.ok) {
      // Stopping: the lease is given back and the attempt not counted; another instance makes it.
      await this.settle(delivery, { $set: {} });
      return;
    }
    await this.record(delivery, endpoint, result);
  }

  /** Writes an attempt's outcome, and gives the lease back. Only while this instance still holds it. */
  private async record(
    delivery: WebhookDeliveryDoc,
    endpoint: WebhookEndpointDoc,
    result: AttemptResult,
  ): Promise<void> {
    const now = new Date();
    const entry = {
      at: now,
      statusCode: result.statusCode,
      durationMs: result.durationMs,
      error: result.error,
    };
    const common = {
      $inc: { attempts: 1 },
      $push: { log: { $each: [entry], $slice: -DELIVERY_LOG_LENGTH } },
    };
    const { WebhookEndpoint } = this.deps.models;
    if (result.ok) {
      const held = await this.settle(delivery, {
        ...common,
        $set: {
          status: 'SUCCEEDED',
          deliveredAt: now,
          nextAttemptAt: null,
          lastStatusCode: result.statusCode,
          lastError: null,
        },
      });
      if (held) {
        this.options.metrics?.webhookDelivery('succeeded');
        await WebhookEndpoint.updateOne(
          { _id: endpoint._id, failingSince: trusted({ $ne: null }) },
          { $set: { failingSince: null } },
        ).comment('webhooks.endpointRecovered');
      }
      return;
    }
    const failures = delivery.failures + 1;
    const delay = retryDelayMs(this.deps.config.webhookRetrySchedule, failures);
    const outcome: WebhookOutcome = delay === undefined ? 'failed' : 'retrying';
    // Noted on the endpoint before the delivery is due again: a retry that succeeds at once, in another
    // slot or instance, then finds the failure there to clear.
    await this.noteFailure(endpoint, now, result.error ?? 'failed');
    const held = await this.settle(delivery, {
      ...common,
      $set: {
        status: delay === undefined ? 'FAILED' : 'RETRYING',
        failures,
        nextAttemptAt: delay === undefined ? null : new Date(now.getTime() + delay),
        lastStatusCode: result.statusCode,
        lastError: result.error,
      },
    });
    if (held) this.options.metrics?.webhookDelivery(outcome);
  }

  /**
   * An endpoint failing since long enough ago is disabled: `failingSince` is set by its first failure after
   * a success, and cleared by the next success.
   */
  private async noteFailure(endpoint: WebhookEndpointDoc, now: Date, error: string): Promise<void> {
    const { WebhookEndpoint } = this.deps.models;
    await WebhookEndpoint.updateOne(
      { _id: endpoint._id, failingSince: null },
      { $set: { failingSince: now } },
    ).comment('webhooks.endpointFailing');
    const since = new Date(now.getTime() - this.deps.config.webhookDisableAfterSeconds * 1000);
    const disabled = await WebhookEndpoint.updateOne(
      { _id: endpoint._id, enabled: true, failingSince: trusted({ $lte: since }) },
      {
        $set: {
          enabled: false,
          disabledReason: `Every delivery attempt failed for over ${this.deps.config.webhookDisableAfterSeconds} s; the last: ${error}`,
        },
      },
    ).comment('webhooks.endpointDisable');
    if (disabled.modifiedCount === 1) {
      this.deps.logger.warn(
        { endpointId: endpoint._id.toHexString(), error },
        'webhook endpoint disabled after failing too long',
      );
    }
  }

  /** Applies `update` and gives the lease back, if this instance still holds it; true when it did. */
  private async settle(
    delivery: WebhookDeliveryDoc,
    update: { $set: Record<string, unknown> } & Record<string, unknown>,
  ): Promise<boolean> {
    const result = await this.deps.models.WebhookDelivery.updateOne(
      { _id: delivery._id, leaseOwner: this.instanceId },
      { ...update, $set: { ...update.$set, leaseOwner: null, leaseExpiresAt: null } },
    ).comment('webhooks.settle');
    return result.modifiedCount === 1;
  }
}
