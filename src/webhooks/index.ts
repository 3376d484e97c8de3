import type { AppDeps } from '../deps';
import type { Metrics } from '../observability/metrics';
import { WebhookConsumer } from './consumer';
import { WebhookDispatcher } from './dispatcher';
import type { Resolver } from './targets';
import { DeliveryWorker } from './worker';

/** How long stopping waits for the work under way (see `stop`). */
const STOP_WAIT_MS = 250;

export interface Webhooks {
  readonly dispatcher: WebhookDispatcher;
  readonly worker: DeliveryWorker;
  readonly consumer: WebhookConsumer;
  /** Stops reading events (after the batch in hand is recorded), then sending (attempts in flight abandoned). */
  stop(): Promise<void>;
}

export interface WebhookOptions {
  readonly metrics?: Metrics | undefined;
  /** How target host names are resolved; the system's by default. */
  readonly resolver?: Resolver;
}

/**
 * Starts the instance's part of webhook delivery: the durable consumer that records deliveries from the change
 * stream, and the worker that sends due ones. Resolves once the consumer's stream is open.
 */
export async function startWebhooks(deps: AppDeps, options: WebhookOptions = {}): Promise<Webhooks> {
  const worker = new DeliveryWorker(deps, options);
  const dispatcher = new WebhookDispatcher(deps, () => worker.wake());
  const consumer = new WebhookConsumer(deps, dispatcher);
  worker.start();
  try {
    await consumer.start();
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return {
    dispatcher,
    worker,
    consumer,
    async stop() {
      // Reading and claiming stop at once. What is still under way needs MongoDB (the batch in hand, the
      // leases given back): it gets a moment, and what outlasts it ends when the database step closes the
      // connection. Nothing is lost that way: a batch not recorded is read again from the stored position,
      // and a lease not given back expires.
      await Promise.race([
        Promise.all([consumer.stop(), worker.stop()]),
        new Promise<void>((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref()),
      ]);
    },
  };
}

export { WebhookDispatcher, DeliveryWorker, WebhookConsumer };
