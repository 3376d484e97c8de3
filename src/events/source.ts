import type { Database } from '../db';
import type { Logger } from '../observability/logger';
import { enablePreImages } from './changes';
import { EventHistoryLostError, openFeed, type Feed } from './feed';
import type { DomainEvent, ResumeToken } from './types';

/** Gets every event in order. Called synchronously, one event after the other: it must not block. */
export type EventListener = (event: DomainEvent) => void;

export interface EventSourceOptions {
  readonly db: Database;
  readonly logger: Logger;
  /** EVENTS_MAX_AWAIT_MS: how long one read of the stream waits for changes. */
  readonly maxAwaitTimeMS: number;
  /** EVENTS_RETRY_MS: the first wait before reopening a failed stream (doubled on each failure, up to 32x). */
  readonly retryDelayMs: number;
}

/** A durable consumer's handler: record the batch, then store `checkpoint` as where to start next time. */
export type BatchHandler = (events: readonly DomainEvent[], checkpoint: ResumeToken) => Promise<void>;

/**
 * A durable consumer's view of where its stream is when no batch comes: opened (started from the present, its
 * first position is worth storing at once, so that events written before its first batch are not missed after
 * a restart) and idle (the position moves on without events; storing it now and then keeps it within the
 * history MongoDB holds).
 */
export interface ConsumerHooks {
  readonly onOpen?: (position: ResumeToken | undefined) => void;
  readonly onIdle?: (position: ResumeToken | undefined) => void;
}

export interface Consumer {
  /** Ends when stopped, or rejects with EventHistoryLostError when the stored position is gone. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export interface Replay {
  /** Resolves once the replay has started (the position was accepted); rejects with EventHistoryLostError. */
  readonly started: Promise<void>;
  stop(): void;
}

/**
 * The instance's one live change stream, opened on first use, fanned out in memory to its listeners; and
 * streams of their own for replays (`after:` cursors) and durable consumers that keep their own position.
 */
export class EventSource {
  private readonly listeners = new Set<EventListener>();
  private readonly sessionListeners = new Set<(sessionId: string) => void>();
  private feed: Feed | undefined;
  private opened: Promise<void> | undefined;
  private readonly extra = new Set<Feed>();
  private stopped = false;

  constructor(private readonly options: EventSourceOptions) {}

  /**
   * Opens the live stream (once) and resolves when it is positioned: every write committed after that reaches
   * the listeners.
   */
  start(): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('the event source is stopped'));
    // A start that failed (MongoDB unreachable) is tried again by the next caller.
    this.opened ??= this.openLive().catch((error: unknown) => {
      this.opened = undefined;
      throw error;
    });
    return this.opened;
  }

  /** Adds a listener of the live stream (starting it); returns its removal. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    void this.start().catch(() => undefined);
    return () => this.listeners.delete(listener);
  }

  /** Called with the id of every session that ends (is deleted), on any instance. */
  onSessionEnded(listener: (sessionId: string) => void): () => void {
    this.sessionListeners.add(listener);
    void this.start().catch(() => undefined);
    return () => this.sessionListeners.delete(listener);
  }

  /**
   * Every event after `after` that MongoDB still holds, in order, then the live ones, each once: the live
   * events that arrive while the history is read are held back and handed over after it, without the ones the
   * history already gave. A history that is lost once the replay has started (MongoDB dropped it while it
   * was read) ends the replay: `onLost` is told, after every event the history gave.
   */
  replay(
    after: ResumeToken,
    listener: EventListener,
    onLost: (error: EventHistoryLostError) => void,
  ): Replay {
    const held: DomainEvent[] = [];
    const given = new Set<string>();
    let live = false;
    let stoppedReplay = false;
    let isStarted = false;
    // Live events come in order: once one arrives that the history did not give, every later one is newer
    // than all the history gave, and `given` is done with.
    const handOver = (event: DomainEvent) => {
      if (given.delete(event.id)) return;
      given.clear();
      listener(event);
    };
    const fromLive: EventListener = (event) => {
      if (live) handOver(event);
      else held.push(event);
    };
    const unsubscribe = this.subscribe(fromLive);
    let resolveStarted!: () => void;
    let rejectStarted!: (error: unknown) => void;
    const started = new Promise<void>((resolve, reject) => {
      resolveStarted = resolve;
      rejectStarted = reject;
    });
    started.catch(() => undefined);
    let history: Feed | undefined;
    const finish = () => {
      if (live || stoppedReplay) return;
      live = true;
      for (const event of held.splice(0)) handOver(event);
      if (history) {
        this.extra.delete(history);
        void history.stop();
      }
    };
    // The live stream must be positioned first: what the history has not given by the time it is caught up,
    // the live stream has or will have.
    void this.start().then(
      () => {
        if (stoppedReplay) return;
        history = this.track(
          openFeed({
            ...this.feedOptions(),
            after,
            onOpen: () => {
              isStarted = true;
              resolveStarted();
            },
            onIdle: finish,
            onBatch: async ({ events }) => {
              if (live) return;
              for (const event of events) {
                given.add(event.id);
                listener(event);
              }
            },
          }),
        );
        history.done.catch((error: unknown) => {
          unsubscribe();
          if (!isStarted) return rejectStarted(error);
          if (live || stoppedReplay) return;
          stoppedReplay = true;
          onLost(error instanceof EventHistoryLostError ? error : new EventHistoryLostError(error));
        });
      },
      (error: unknown) => rejectStarted(error),
    );
    return {
      started,
      stop: () => {
        stoppedReplay = true;
        unsubscribe();
        if (history) {
          this.extra.delete(history);
          void history.stop();
        }
      },
    };
  }

  /**
   * A durable consumer's own stream, from its stored position (`after`; undefined: the present). Each batch is
   * awaited before the next is read; when `handle` throws, the batch is read and handed over again, so a
   * consumer that records deliveries before storing `checkpoint` gets every event at least once. A stored
   * position MongoDB no longer holds ends `done` with EventHistoryLostError.
   */
  consume(after: ResumeToken | undefined, handle: BatchHandler, hooks: ConsumerHooks = {}): Consumer {
    if (this.stopped) throw new Error('the event source is stopped');
    const feed = this.track(
      openFeed({
        ...this.feedOptions(),
        after,
        onBatch: ({ events }, checkpoint) => handle(events, checkpoint),
        ...(hooks.onOpen ? { onOpen: hooks.onOpen } : {}),
        ...(hooks.onIdle ? { onIdle: hooks.onIdle } : {}),
      }),
    );
    return {
      done: feed.done,
      stop: async () => {
        this.extra.delete(feed);
        await feed.stop();
      },
    };
  }

  /** Closes every stream; resolves once the batch each had in hand has been handed over. */
  async stop(): Promise<void> {
    this.stopped = true;
    const feeds = [...this.extra, ...(this.feed ? [this.feed] : [])];
    this.extra.clear();
    await Promise.all(feeds.map((feed) => feed.stop()));
  }

  private track(feed: Feed): Feed {
    this.extra.add(feed);
    return feed;
  }

  private feedOptions() {
    const { db, logger, maxAwaitTimeMS, retryDelayMs } = this.options;
    return { db: () => db.connection.db!, models: db.models, logger, maxAwaitTimeMS, retryDelayMs };
  }

  private async openLive(): Promise<void> {
    await enablePreImages(this.options.db.connection.db!);
    const { logger } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.feed = openFeed({
        ...this.feedOptions(),
        after: undefined,
        onOpen: () => resolve(),
        onBatch: async ({ events, endedSessionIds }) => {
          for (const event of events) {
            for (const listener of [...this.listeners]) this.safely(() => listener(event));
          }
          for (const sessionId of endedSessionIds) {
            for (const listener of [...this.sessionListeners]) this.safely(() => listener(sessionId));
          }
        },
        // Down longer than MongoDB keeps history: what happened meanwhile is gone; go on from the present.
        onHistoryLost: (error) => {
          logger.error(
            { err: error },
            'change stream history lost; events since the last position are missed',
          );
          return undefined;
        },
      });
      this.feed.done.catch(reject);
    });
  }

  private safely(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.options.logger.error({ err: error }, 'event listener failed');
    }
  }
}

export { EventHistoryLostError };
