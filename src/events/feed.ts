import type { mongo } from 'mongoose';
import type { Models } from '../models';
import type { Logger } from '../observability/logger';
import { CHANGE_PIPELINE, CHANGE_STREAM_OPTIONS, eventsOf, type Change } from './changes';
import type { ChangeBatch, ResumeToken } from './types';

/** A resume token MongoDB no longer holds history for, or never issued: the stream cannot start there. */
export class EventHistoryLostError extends Error {
  constructor(cause: unknown) {
    super('the change stream cannot resume from this position', { cause });
  }
}

/**
 * MongoDB's answers to a start position it cannot resume from: ChangeStreamHistoryLost (286),
 * ChangeStreamFatalError (280), a malformed token (260 and the token checks' own codes).
 */
const HISTORY_LOST_CODES = new Set([286, 280, 260, 40647, 50811]);

export function isHistoryLost(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' && HISTORY_LOST_CODES.has(code);
}

export interface FeedOptions {
  readonly db: () => mongo.Db;
  readonly models: Models;
  readonly logger: Logger;
  /** Where to start: after this token, or (undefined) at the present. */
  readonly after: ResumeToken | undefined;
  /** How long one getMore waits for changes (MongoDB's await time); also how soon a stop is noticed. */
  readonly maxAwaitTimeMS: number;
  /** The wait before reopening a stream that failed, doubled up to 32 times it. */
  readonly retryDelayMs: number;
  /**
   * Gets each batch with the position after it, and is awaited before the next one is read. The position is
   * advanced only once it resolves: when it throws, the stream is reopened before the batch and the batch read
   * again (the same events, with the same ids).
   */
  onBatch(batch: ChangeBatch, position: ResumeToken): Promise<void>;
  /** The stream is open (first time and after every reopening), at `position` when known. */
  onOpen?(position: ResumeToken | undefined): void;
  /** A read found nothing new: everything up to `position` has been handed to onBatch. */
  onIdle?(position: ResumeToken | undefined): void;
  /**
   * The start position is gone (history lost, or a token MongoDB refuses). With no handler the feed stops
   * with EventHistoryLostError; a handler returns where to start instead (undefined: the present).
   */
  onHistoryLost?(error: unknown): ResumeToken | undefined;
}

export interface Feed {
  /** Ends when the feed is stopped (resolves) or when it cannot go on (rejects: EventHistoryLostError). */
  readonly done: Promise<void>;
  /** Closes the stream; resolves once the batch in hand (if any) has been handed over and the loop ended. */
  stop(): Promise<void>;
}

/**
 * One change stream over the database, read batch by batch: each batch's events are built with a constant
 * number of queries (eventsOf), handed over, and only then is the position advanced. The driver resumes by
 * itself after resumable errors (a dropped connection, a failover); after any other failure the feed reopens
 * the stream from its own last position, with backoff. Either way no event is lost or handed over twice.
 */
export function openFeed(options: FeedOptions): Feed {
  const { logger } = options;
  let position = options.after;
  let stopped = false;
  let stream: mongo.ChangeStream | undefined;
  let wake: (() => void) | undefined;

  const open = (): mongo.ChangeStream =>
    options.db().watch(CHANGE_PIPELINE, {
      ...CHANGE_STREAM_OPTIONS,
      maxAwaitTimeMS: options.maxAwaitTimeMS,
      ...(position ? { resumeAfter: position } : {}),
    });

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const run = async (): Promise<void> => {
    let failures = 0;
    while (!stopped) {
      try {
        stream = open();
        // The first read sends the aggregate: the stream is positioned once it returns.
        let first = (await stream.tryNext()) as Change | null;
        if (stopped) break;
        position ??= stream.resumeToken as ResumeToken | undefined;
        options.onOpen?.(position);
        failures = 0;
        for (;;) {
          if (first === null) {
            if (stream.resumeToken) position = stream.resumeToken as ResumeToken;
            options.onIdle?.(position);
          } else {
            const changes: Change[] = [first];
            while (stream.bufferedCount() > 0) {
              const next = (await stream.tryNext()) as Change | null;
              if (next) changes.push(next);
            }
            const after = (stream.resumeToken as ResumeToken | undefined) ?? changes.at(-1)!._id;
            const batch = await eventsOf(options.models, changes);
            await options.onBatch(batch, after);
            position = after;
          }
          if (stopped) break;
          first = (await stream.tryNext()) as Change | null;
          if (stopped) break;
        }
      } catch (error) {
        if (stopped) break;
        if (isHistoryLost(error)) {
          if (!options.onHistoryLost) throw new EventHistoryLostError(error);
          position = options.onHistoryLost(error);
          continue;
        }
        failures += 1;
        const delay = options.retryDelayMs * 2 ** Math.min(failures - 1, 5);
        logger.warn(
          { err: error, retryInMs: delay },
          'change stream failed; reopening from its last position',
        );
        await stream?.close().catch(() => undefined);
        await pause(delay);
      } finally {
        await stream?.close().catch(() => undefined);
        stream = undefined;
      }
    }
  };

  const done = run();
  // The caller awaits `done` (or `stop`); a rejection is theirs to read, never unhandled.
  done.catch(() => undefined);
  return {
    done,
    async stop() {
      stopped = true;
      wake?.();
      await stream?.close().catch(() => undefined);
      await done.catch(() => undefined);
    },
  };
}
