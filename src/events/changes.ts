import { createHash } from 'node:crypto';
import { trusted, type Types } from 'mongoose';
import type { mongo } from 'mongoose';

type Db = mongo.Db;
type Document = mongo.Document;
import { oneBatch } from '../loaders';
import type { Models } from '../models';
import type { ArticleRef, ChangeBatch, DomainEvent, ResumeToken } from './types';

/** The collections whose changes become events. */
export const WATCHED_COLLECTIONS = ['articles', 'comments', 'favorites', 'follows'] as const;

/**
 * What the stream asks MongoDB for: inserts, updates, replacements and deletions of the content collections,
 * and deletions of sessions (a session ends by being deleted: sign-out, revocation, expiry). Session refreshes
 * (updates) are frequent and never sent.
 */
export const CHANGE_PIPELINE: Document[] = [
  {
    $match: {
      $or: [
        {
          'ns.coll': { $in: [...WATCHED_COLLECTIONS] },
          operationType: { $in: ['insert', 'update', 'replace', 'delete'] },
        },
        { 'ns.coll': 'sessions', operationType: 'delete' },
      ],
    },
  },
];

/**
 * The stream's options besides its start: the document after an update and before a deletion, from the
 * pre- and post-images MongoDB keeps for the collections that enable them (enablePreImages).
 */
export const CHANGE_STREAM_OPTIONS = {
  fullDocument: 'whenAvailable',
  fullDocumentBeforeChange: 'whenAvailable',
} as const;

/**
 * Turns on pre- and post-images for the watched collections (MongoDB 6+), so that a deletion's event carries
 * the document as it was: the article's slug and author, the comment's article, the favourite's user. Safe to
 * run on every start and by every instance.
 */
export async function enablePreImages(db: Db): Promise<void> {
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  for (const name of WATCHED_COLLECTIONS) {
    const images = { changeStreamPreAndPostImages: { enabled: true } };
    if (existing.has(name)) await db.command({ collMod: name, ...images });
    else await db.createCollection(name, images);
  }
}

/** A raw change as the stream delivers it. */
export interface Change {
  readonly _id: ResumeToken;
  readonly operationType: string;
  readonly ns?: { readonly coll?: string };
  readonly documentKey?: { readonly _id?: unknown };
  readonly fullDocument?: Document | null;
  readonly fullDocumentBeforeChange?: Document | null;
  readonly updateDescription?: { readonly updatedFields?: Document };
  readonly wallTime?: Date;
  readonly clusterTime?: { readonly high?: number; getHighBits?(): number };
}

/** The id of the event a change becomes: the same for the same change whenever it is read. */
export function eventIdOf(token: ResumeToken): string {
  return `evt_${createHash('sha256').update(token._data).digest('base64url').slice(0, 27)}`;
}

/** Fields whose change makes an article's update an `article.updated` event; counters moving do not. */
const CONTENT_FIELDS = new Set(['slug', 'title', 'description', 'body', 'tagList']);

const hex = (value: unknown): string => (value as Types.ObjectId).toHexString();

function articleRefOf(doc: Document): ArticleRef {
  return {
    id: hex(doc['_id']),
    slug: String(doc['slug']),
    authorId: hex(doc['authorId']),
    title: String(doc['title']),
    tags: Array.isArray(doc['tagList']) ? (doc['tagList'] as string[]) : [],
  };
}

function occurredAt(change: Change): Date {
  if (change.wallTime instanceof Date) return change.wallTime;
  const seconds = change.clusterTime?.getHighBits?.() ?? change.clusterTime?.high;
  return seconds === undefined ? new Date() : new Date(seconds * 1000);
}

/** An article update's document after it: the post-image, else the pre-image with the changed fields. */
function afterUpdate(change: Change): Document | undefined {
  if (change.fullDocument) return change.fullDocument;
  const before = change.fullDocumentBeforeChange;
  if (!before) return undefined;
  return { ...before, ...change.updateDescription?.updatedFields };
}

function isContentUpdate(change: Change): boolean {
  if (change.operationType === 'replace') return true;
  const fields = Object.keys(change.updateDescription?.updatedFields ?? {});
  return fields.some((field) => CONTENT_FIELDS.has(field.split('.')[0]!));
}

/**
 * Turns a batch of changes into events, in the order of the changes, reading what they need with at most one
 * query (the articles that comments and favourites name, and articles whose change did not carry them). A
 * comment or favourite whose article no longer exists makes no event: it went with its article (a deletion
 * removes them in its transaction), whose own deletion is the event.
 */
export async function eventsOf(models: Models, changes: readonly Change[]): Promise<ChangeBatch> {
  type Pending =
    | { readonly kind: 'ready'; readonly event: DomainEvent }
    | { readonly kind: 'article'; readonly articleId: string; make(article: ArticleRef): DomainEvent };
  const pending: Pending[] = [];
  const endedSessionIds: string[] = [];
  const wanted = new Set<string>();
  const later = (articleId: unknown, make: (article: ArticleRef) => DomainEvent) => {
    const id = hex(articleId);
    wanted.add(id);
    pending.push({ kind: 'article', articleId: id, make });
  };

  for (const change of changes) {
    const base = { id: eventIdOf(change._id), token: change._id, occurredAt: occurredAt(change) };
    const op = change.operationType;
    const before = change.fullDocumentBeforeChange ?? undefined;
    const doc = change.fullDocument ?? undefined;
    switch (change.ns?.coll ?? '') {
      case 'sessions':
        if (op === 'delete' && change.documentKey?._id) endedSessionIds.push(hex(change.documentKey._id));
        break;
      case 'articles':
        if (op === 'insert' && doc) {
          pending.push({
            kind: 'ready',
            event: { ...base, type: 'article.published', article: articleRefOf(doc) },
          });
        } else if ((op === 'update' || op === 'replace') && isContentUpdate(change)) {
          const after = afterUpdate(change);
          if (after) {
            pending.push({
              kind: 'ready',
              event: { ...base, type: 'article.updated', article: articleRefOf(after) },
            });
          } else if (change.documentKey?._id) {
            later(change.documentKey._id, (article) => ({ ...base, type: 'article.updated', article }));
          }
        } else if (op === 'delete' && before) {
          pending.push({
            kind: 'ready',
            event: { ...base, type: 'article.deleted', article: articleRefOf(before) },
          });
        }
        break;
      case 'comments': {
        const comment = op === 'insert' ? doc : op === 'delete' ? before : undefined;
        if (!comment) break;
        const ref = {
          id: hex(comment['_id']),
          authorId: hex(comment['authorId']),
          body: String(comment['body']),
          createdAt: comment['createdAt'] instanceof Date ? comment['createdAt'] : base.occurredAt,
        };
        const type = op === 'insert' ? 'comment.added' : 'comment.deleted';
        later(comment['articleId'], (article) => ({ ...base, type, article, comment: ref }));
        break;
      }
      case 'favorites': {
        const favorite = op === 'insert' ? doc : op === 'delete' ? before : undefined;
        if (!favorite) break;
        const type = op === 'insert' ? 'article.favorited' : 'article.unfavorited';
        const actorId = hex(favorite['userId']);
        later(favorite['articleId'], (article) => ({ ...base, type, article, actorId }));
        break;
      }
      case 'follows':
        if (op === 'insert' && doc) {
          const followed = { actorId: hex(doc['followerId']), followeeId: hex(doc['followeeId']) };
          pending.push({ kind: 'ready', event: { ...base, type: 'user.followed', ...followed } });
        }
        break;
    }
  }

  const articles = new Map<string, ArticleRef>();
  if (wanted.size > 0) {
    const docs = await models.Article.find(
      { _id: trusted({ $in: [...wanted] }) },
      { _id: 1, slug: 1, authorId: 1, title: 1, tagList: 1 },
    )
      .batchSize(oneBatch(wanted.size).batchSize)
      .comment('articles.forEvents')
      .lean();
    for (const doc of docs) articles.set(doc._id.toHexString(), articleRefOf(doc));
  }
  const events: DomainEvent[] = [];
  for (const item of pending) {
    if (item.kind === 'ready') {
      events.push(item.event);
      continue;
    }
    const article = articles.get(item.articleId);
    if (article) events.push(item.make(article));
  }
  return { events, endedSessionIds };
}
