import type { AppDeps } from '../deps';
import { enablePreImages, EventHistoryLostError, type Consumer, type ResumeToken } from '../events';
import { toWebhookEvents } from './events';
import type { WebhookDispatcher } from './dispatcher';

/** The consumer's document in `webhook_streams`. */
export const WEBHOOK_STREAM_ID = 'webhooks';

/**
 * How often the position is stored while events come, at most. Recording is idempotent, so a position
 * stored late only makes the next start read those events again, and their deliveries are not recorded
 * twice; storing it after every batch cost one more write per article, comment or favourite.
 */
const CHECKPOINT_MS = 1_000;
/** How often an idle stream's position is stored, at most (MongoDB moves it on without events). */
const IDLE_CHECKPOINT_MS = 60_000;

/**
 * Reads the domain events of the change stream, durably: each batch's deliveries are recorded before any
 * position after it is stored (at most once a second, and when the consumer stops), and the stream resumes
 * from the stored position, so that events written while no instance ran are delivered when one starts.
 * Every instance runs one; the deliveries' unique (event, endpoint) index makes the second recording of an
 * event a no-op, and whichever instance stores its position last, every event before that position has been
 * recorded by one of them, so none is skipped (a position stored by a slower instance only makes the next
 * start read a little again).
 */
export class WebhookConsumer {
  private consumer: Consumer | undefined;
  private stopped = false;
  private lastStore = 0;
  /** The position after the last batch recorded, while it is not stored yet. */
  private unstored: ResumeToken | undefined;

  constructor(
    private readonly deps: Pick<AppDeps, 'models' | 'events' | 'logger' | 'db'>,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  /** Resolves once the stream is open: every write committed after that becomes deliveries. */
  async start(): Promise<void> {
    await enablePreImages(this.deps.db.connection.db!);
    const stored = await this.deps.models.WebhookStream.findById(WEBHOOK_STREAM_ID)
      .lean()
      .comment('webhooks.streamPosition');
    await this.open((stored?.resumeToken as ResumeToken | null | undefined) ?? undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer?.stop();
    // Everything handed over has been recorded: the next start begins after it.
    if (this.unstored) await this.store(this.unstored);
  }

  private open(after: ResumeToken | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      const consumer = this.deps.events.consume(
        after,
        async (events, checkpoint) => {
          await this.dispatcher.record(await toWebhookEvents(this.deps.models, events));
          this.unstored = checkpoint;
          if (Date.now() - this.lastStore >= CHECKPOINT_MS) await this.store(checkpoint);
        },
        {
          onOpen: (position) => {
            if (opened) return;
            opened = true;
            // Started from the present: its first position is stored at once, so that a restart before the
            // first event resumes from here rather than from a later present.
            if (after === undefined && position) {
              this.store(position).then(resolve, reject);
            } else resolve();
          },
          onIdle: (position) => {
            const due = this.unstored ? CHECKPOINT_MS : IDLE_CHECKPOINT_MS;
            if (!position || Date.now() - this.lastStore < due) return;
            void this.store(position).catch((error: unknown) =>
              this.deps.logger.warn({ err: error }, 'webhook stream position not stored'),
            );
          },
        },
      );
      this.consumer = consumer;
      consumer.done.catch((error: unknown) => {
        if (this.stopped) return;
        if (!(error instanceof EventHistoryLostError)) {
          if (!opened) reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        // The stored position is older than the history MongoDB keeps: the events in between are gone. Said
        // loudly, and the stream goes on from the present.
        this.deps.logger.error(
          { err: error },
          'webhook stream position lost; events since it cannot be delivered; going on from the present',
        );
        const reopened = this.open(undefined);
        if (!opened) reopened.then(resolve, reject);
        else {
          reopened.catch((reopenError: unknown) =>
            this.deps.logger.error({ err: reopenError }, 'webhook stream could not be reopened'),
          );
        }
      });
    });
  }

  private async store(position: ResumeToken): Promise<void> {
    // Any position stored covers the batches before it.
    this.lastStore = Date.now();
    this.unstored = undefined;
    await this.deps.models.WebhookStream.updateOne(
      { _id: WEBHOOK_STREAM_ID },
      { $set: { resumeToken: { _data: position._data } } },
      { upsert: true },
    ).comment('webhooks.storePosition');
  }
}
