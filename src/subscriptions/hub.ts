import { trusted, Types } from 'mongoose';
import type { Authentication } from '../auth/authenticate';
import { contextOf, type Context } from '../context';
import type { AppDeps } from '../deps';
import { BadUserInputError } from '../errors';
import { EventHistoryLostError, type DomainEvent, type Replay } from '../events';
import { LoaderScope, oneBatch } from '../loaders';
import type { CommentRecord } from '../services/records';
import { EventCursorCodec } from './cursor';

export type ArticleEventKind =
  'PUBLISHED' | 'UPDATED' | 'DELETED' | 'FAVORITES_CHANGED' | 'COMMENT_ADDED' | 'COMMENT_DELETED';

/** What an `ArticleEvent` is resolved from; `article` is read per event through the event's shared loaders. */
export interface ArticleEventRecord {
  readonly cursor: string;
  readonly kind: ArticleEventKind;
  /** Null for DELETED: the article is gone. */
  readonly articleId: string | null;
  readonly comment: CommentRecord | null;
  readonly occurredAt: Date;
}

/** One event for one subscriber: the record, and the context its selection is resolved in. */
export interface EventPayload {
  readonly record: ArticleEventRecord;
  /** Made on first read: a subscriber whose result is shared with an equivalent one's needs none. */
  readonly context: Context;
  /**
   * The event's results by group (src/subscriptions/multiplex.ts), one map for all its subscribers: the
   * subscribers of a group are given the one execution the first of them started.
   */
  readonly results: Map<string, Promise<unknown>>;
}

/** The replay's start is gone from MongoDB's history: before the replay starts, or while it is read. */
function historyLost(): BadUserInputError {
  return new BadUserInputError(
    'The `after` cursor is older than the events still held, or not valid.',
    'after',
  );
}

/** Subscribers handed an event between two turns of the event loop: other work is served in between. */
const DISPATCH_CHUNK = 500;

/** Which events a subscription receives. */
export type EventFilter =
  /** New articles, optionally with a tag and by an author (`authorId: null`: an author that does not exist). */
  | { readonly kind: 'published'; readonly tag?: string | undefined; readonly authorId?: string | null }
  /** One article's edits, deletion, favourites and comments. */
  | { readonly kind: 'article'; readonly articleId: string }
  /** New articles by the users `followerId` follows. */
  | { readonly kind: 'feed'; readonly followerId: string };

export function kindOf(event: DomainEvent): ArticleEventKind | null {
  switch (event.type) {
    case 'article.published':
      return 'PUBLISHED';
    case 'article.updated':
      return 'UPDATED';
    case 'article.deleted':
      return 'DELETED';
    case 'article.favorited':
    case 'article.unfavorited':
      return 'FAVORITES_CHANGED';
    case 'comment.added':
      return 'COMMENT_ADDED';
    case 'comment.deleted':
      return 'COMMENT_DELETED';
    case 'user.followed':
      return null;
  }
}

/** Whether an event matches a filter, as far as the event alone tells (a feed also needs the follow). */
function matches(filter: EventFilter, event: DomainEvent): boolean {
  if (event.type === 'user.followed') return false;
  switch (filter.kind) {
    case 'published':
      return (
        event.type === 'article.published' &&
        (filter.tag === undefined || event.article.tags.includes(filter.tag)) &&
        (filter.authorId === undefined || event.article.authorId === filter.authorId)
      );
    case 'article':
      return event.type !== 'article.published' && event.article.id === filter.articleId;
    case 'feed':
      return event.type === 'article.published';
  }
}

class Failure {
  constructor(readonly error: Error) {}
}

/** One open subscription: its caller, its filter and the queue of payloads its transport pulls. */
class Subscriber implements AsyncIterableIterator<EventPayload> {
  /** Payloads to hand out, and last, when the subscription cannot go on, the error it ends with. */
  private readonly queue: (EventPayload | Failure)[] = [];
  private waiting:
    { resolve(result: IteratorResult<EventPayload>): void; reject(error: unknown): void } | undefined;
  /** A payload was handed out and the transport has not asked for the next yet: it is being sent. */
  private inFlight = false;
  private ended = false;
  replay: Replay | undefined;

  constructor(
    readonly filter: EventFilter,
    readonly auth: Authentication,
    readonly clientAddress: string,
    private readonly onEnd: (subscriber: Subscriber) => void,
  ) {}

  push(payload: EventPayload): void {
    if (this.ended) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      this.inFlight = true;
      waiting.resolve({ value: payload, done: false });
    } else {
      this.queue.push(payload);
    }
  }

  /** Ends the subscription with `error` (its transport sends it), once the payloads queued are handed out. */
  fail(error: Error): void {
    if (this.ended) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      this.end();
      waiting.reject(error);
    } else {
      this.queue.push(new Failure(error));
    }
  }

  /** Nothing queued and nothing being sent. */
  get idle(): boolean {
    return this.ended || (this.queue.length === 0 && !this.inFlight);
  }

  next(): Promise<IteratorResult<EventPayload>> {
    this.inFlight = false;
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    const value = this.queue.shift();
    if (value instanceof Failure) {
      this.end();
      return Promise.reject(value.error);
    }
    if (value) {
      this.inFlight = true;
      return Promise.resolve({ value, done: false });
    }
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<EventPayload>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.inFlight = false;
    this.replay?.stop();
    this.waiting?.resolve({ value: undefined, done: true });
    this.waiting = undefined;
    this.onEnd(this);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * The instance's subscriptions, fed by its one live event stream. Each event is matched against every
 * subscription, then resolved for each match in a context of its own (the subscriber's viewer) whose loaders
 * are shared by all the matches of the event (LoaderScope): the article, users and comments are read once per
 * event, and viewer-dependent facts are asked for every subscriber in one query.
 */
export class SubscriptionHub {
  private readonly live = new Set<Subscriber>();
  private readonly all = new Set<Subscriber>();
  private readonly cursors: EventCursorCodec;
  private unsubscribe: (() => void) | undefined;
  /** Events are dispatched one after the other, in the stream's order. */
  private chain: Promise<void> = Promise.resolve();
  private draining = false;

  constructor(
    private readonly deps: AppDeps,
    private readonly onCountChange: (open: number) => void = () => undefined,
  ) {
    this.cursors = new EventCursorCodec(deps.tokens.cursorKey);
  }

  /** Open subscriptions, each counted once it receives events. */
  get size(): number {
    return this.all.size;
  }

  /**
   * Opens a subscription for the caller of `context`. With `after` (an event's cursor), first every matching
   * event after it, then the live ones; a forged cursor, or one older than MongoDB's history, is BAD_USER_INPUT,
   * and so is a history lost while it is replayed (the subscription ends with the error after what it gave).
   */
  async open(
    context: Context,
    auth: Authentication,
    filter: EventFilter,
    after: string | null | undefined,
  ): Promise<AsyncIterableIterator<EventPayload>> {
    if (this.draining) throw new Error('the server is stopping');
    const token = after == null ? undefined : this.cursors.decode(after);
    const subscriber = new Subscriber(filter, auth, context.clientAddress, (ended) => {
      this.live.delete(ended);
      if (this.all.delete(ended)) this.onCountChange(this.all.size);
    });
    try {
      if (token) {
        const replay = this.deps.events.replay(
          token,
          (event) => this.enqueue([subscriber], event),
          // After the events already taken: the subscriber gets them, then the error.
          () => {
            this.chain = this.chain.then(() => subscriber.fail(historyLost()));
          },
        );
        subscriber.replay = replay;
        await replay.started.catch((error: unknown) => {
          if (error instanceof EventHistoryLostError) throw historyLost();
          throw error;
        });
      } else {
        this.listen();
        this.live.add(subscriber);
        await this.deps.events.start();
      }
    } catch (error) {
      subscriber.end();
      throw error;
    }
    // Counted once it receives events: a live one's stream is positioned, a replay's start accepted.
    this.all.add(subscriber);
    this.onCountChange(this.all.size);
    return subscriber;
  }

  /**
   * Stops taking events and resolves once every event already taken has been handed to its transport, or
   * when `timeoutMs` has passed.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const subscriber of this.all) subscriber.replay?.stop();
    const deadline = Date.now() + timeoutMs;
    await this.chain;
    while ([...this.all].some((s) => !s.idle) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Ends every subscription (their transports complete them). */
  endAll(): void {
    for (const subscriber of [...this.all]) subscriber.end();
  }

  private listen(): void {
    this.unsubscribe ??= this.deps.events.subscribe((event) => this.enqueue([...this.live], event));
  }

  private enqueue(subscribers: readonly Subscriber[], event: DomainEvent): void {
    const kind = kindOf(event);
    if (kind === null) return;
    const matching = subscribers.filter((s) => matches(s.filter, event));
    if (matching.length === 0) return;
    this.chain = this.chain
      .then(() => this.dispatch(matching, event, kind))
      .catch((error: unknown) =>
        this.deps.logger.error({ err: error, eventId: event.id }, 'event dispatch failed'),
      );
  }

  private async dispatch(
    subscribers: Subscriber[],
    event: DomainEvent,
    kind: ArticleEventKind,
  ): Promise<void> {
    if (event.type === 'user.followed') return;
    let receivers = subscribers;
    const feeds = subscribers.filter((s) => s.filter.kind === 'feed');
    if (feeds.length > 0) {
      // One query for every feed subscriber of the event: which of them follow its author.
      const followers = [...new Set(feeds.map((s) => (s.filter as { followerId: string }).followerId))];
      const rows = await this.deps.models.Follow.find(
        {
          followeeId: new Types.ObjectId(event.article.authorId),
          followerId: trusted({ $in: followers.map((id) => new Types.ObjectId(id)) }),
        },
        { _id: 0, followerId: 1 },
      )
        .batchSize(oneBatch(followers.length).batchSize)
        .comment('follows.followersAmong')
        .lean();
      const following = new Set(rows.map((row) => row.followerId.toHexString()));
      receivers = subscribers.filter((s) => s.filter.kind !== 'feed' || following.has(s.filter.followerId));
    }
    const comment: CommentRecord | null =
      event.type === 'comment.added' || event.type === 'comment.deleted'
        ? {
            id: event.comment.id,
            body: event.comment.body,
            articleId: event.article.id,
            authorId: event.comment.authorId,
            createdAt: event.comment.createdAt,
            updatedAt: event.comment.createdAt,
          }
        : null;
    const record: ArticleEventRecord = {
      cursor: this.cursors.encode(event.token),
      kind,
      articleId: kind === 'DELETED' ? null : event.article.id,
      comment,
      occurredAt: event.occurredAt,
    };
    const scope = new LoaderScope();
    const results = new Map<string, Promise<unknown>>();
    const { deps } = this;
    for (let i = 0; i < receivers.length; i += 1) {
      if (i > 0 && i % DISPATCH_CHUNK === 0) await new Promise((resolve) => setImmediate(resolve));
      const subscriber = receivers[i]!;
      let context: Context | undefined;
      subscriber.push({
        record,
        results,
        get context() {
          context ??= contextOf(deps, subscriber.auth, { clientAddress: subscriber.clientAddress }, scope);
          return context;
        },
      });
    }
  }
}
