import type DataLoader from 'dataloader';
import { Types } from 'mongoose';
import { requireActor, type Viewer } from '../auth/viewer';
import type { AppDeps } from '../deps';
import { ForbiddenError, NotFoundError, UserInputErrors } from '../errors';
import { aggregateDocs, batchLoader, byIdLoader, checkedIds, LoaderScope, WHOLE_RESULT } from '../loaders';
import type { CommentDoc } from '../models/comment.model';
import { insertRecord } from '../models/insert';
import { checkCommentBody } from './article-validation';
import type { ArticleService } from './article.service';
import { auditTarget, type AuditLog } from './audit-log';
import { canDeleteComment, deletesCommentAsModerator } from './permissions';
import {
  toCommentRecord,
  toUserRecord,
  USER_RECORD_FIELDS,
  type CommentRecord,
  type UserDocLike,
} from './records';
import type { UserService } from './user.service';
import { isObjectIdHex } from './text';
import { FieldErrors } from './user-validation';

/** What the comments of an article are read for: `body: false` when no field shows their text. */
export interface CommentReads {
  readonly body: boolean;
}

const WHOLE_COMMENTS: CommentReads = { body: true };

/** Comments on articles, per request. */
export class CommentService {
  private readonly byId: DataLoader<string, CommentRecord | null>;
  /** Every comment of each article, oldest first, with one query for all the articles asked for. */
  private readonly byArticle: DataLoader<string, CommentRecord[]>;
  /** The same without the comments' text, for fields that do not show it. */
  private readonly summariesByArticle: DataLoader<string, CommentRecord[]>;

  constructor(
    private readonly deps: Pick<AppDeps, 'db' | 'models'>,
    private readonly viewer: Viewer,
    private readonly articles: ArticleService,
    users: UserService,
    private readonly audit: AuditLog,
    scope: LoaderScope = LoaderScope.none,
  ) {
    const { Comment } = deps.models;
    this.byId = scope.shared('comments.byId', () => byIdLoader(Comment, toCommentRecord, 'comments.byId'));
    this.byArticle = this.byArticleLoader(Comment, users, true);
    this.summariesByArticle = this.byArticleLoader(Comment, users, false);
  }

  /**
   * Every comment of each article, oldest first, with its author. Without `withBody` the text is not read,
   * and those records are kept by that loader only: a field that shows the text never gets one.
   */
  private byArticleLoader(
    Comment: AppDeps['models']['Comment'],
    users: UserService,
    withBody: boolean,
  ): DataLoader<string, CommentRecord[]> {
    return batchLoader('comments.byArticle', async (articleIds) => {
      const ids = checkedIds(articleIds);
      if (ids.length === 0) return articleIds.map(() => []);
      // Comment pages always show their authors: they come with the comments, in the same round trip.
      const docs = await aggregateDocs<CommentDoc & { author: UserDocLike[] }>(
        Comment,
        'comments.byArticle',
        [
          { $match: { articleId: { $in: ids } } },
          { $sort: { createdAt: 1, _id: 1 } },
          ...(withBody ? [] : [{ $project: { body: 0 } }]),
          {
            // The correlated form reads only a user record's fields: no password hash leaves the users.
            $lookup: {
              from: 'users',
              let: { authorId: '$authorId' },
              pipeline: [
                { $match: { $expr: { $eq: ['$_id', '$$authorId'] } } },
                { $project: USER_RECORD_FIELDS },
              ],
              as: 'author',
            },
          },
        ],
        WHOLE_RESULT.batchSize,
      );
      const grouped = new Map<string, CommentRecord[]>(articleIds.map((id) => [id, []]));
      for (const doc of docs) {
        if (doc.author[0]) users.prime(toUserRecord(doc.author[0]));
        const comment = toCommentRecord(doc);
        grouped.get(comment.articleId)?.push(comment);
        if (withBody) this.byId.prime(comment.id, comment);
      }
      return articleIds.map((id) => grouped.get(id) ?? []);
    });
  }

  /** The text of a comment read without it: read again, whole. */
  async bodyOf(comment: CommentRecord): Promise<string> {
    if (comment.body !== undefined) return comment.body;
    const body = (await this.byId.load(comment.id))?.body;
    // Deleted since.
    if (body === undefined) throw new NotFoundError('Comment');
    return body;
  }

  forArticle(articleId: string, reads: CommentReads = WHOLE_COMMENTS): Promise<CommentRecord[]> {
    return (reads.body ? this.byArticle : this.summariesByArticle).load(articleId);
  }

  async canDelete(comment: CommentRecord): Promise<boolean> {
    return canDeleteComment(this.viewer, comment, await this.articles.getById(comment.articleId));
  }

  async add(articleId: string, body: string): Promise<CommentRecord> {
    const authorId = requireActor(this.viewer).id;
    const article = await this.articles.requireArticle(articleId);
    const errors = new FieldErrors();
    const text = checkCommentBody(body, errors);
    if (errors.any) throw new UserInputErrors(errors.errors);
    // With its article's counter, in one transaction: an article deleted meanwhile fails it (NOT_FOUND).
    const { doc, counted } = await this.deps.db.transaction(async (session) => {
      const inserted = await insertRecord(
        this.deps.models.Comment,
        { articleId: new Types.ObjectId(article.id), authorId: new Types.ObjectId(authorId), body: text },
        session,
      );
      return {
        doc: inserted,
        counted: await this.articles.addToCount(article.id, 'commentsCount', 1, session),
      };
    });
    this.articles.remember(counted);
    const comment = toCommentRecord(doc);
    this.byId.prime(comment.id, comment);
    this.byArticle.clear(article.id);
    this.summariesByArticle.clear(article.id);
    return comment;
  }

  /** Deletes a comment; returns it as it was. */
  async delete(id: string): Promise<CommentRecord> {
    const actor = requireActor(this.viewer);
    const comment = isObjectIdHex(id) ? await this.byId.load(id) : null;
    if (!comment) throw new NotFoundError('Comment');
    const article = await this.articles.getById(comment.articleId);
    if (!canDeleteComment(this.viewer, comment, article)) {
      throw new ForbiddenError('You cannot delete this comment.');
    }
    await this.deps.db.transaction(async (session) => {
      const result = await this.deps.models.Comment.deleteOne(
        { _id: new Types.ObjectId(id) },
        { session },
      ).comment('comments.delete');
      if (result.deletedCount === 0) throw new NotFoundError('Comment');
      await this.articles.addToCount(comment.articleId, 'commentsCount', -1, session);
      if (deletesCommentAsModerator(this.viewer, comment, article)) {
        const detail = `on article:${comment.articleId}, by user:${comment.authorId}`;
        await this.audit.record(
          {
            action: 'COMMENT_DELETED_BY_MODERATOR',
            actorId: actor.id,
            target: auditTarget.comment(id),
            detail,
          },
          session,
        );
      }
    });
    this.byId.clear(id);
    this.byArticle.clear(comment.articleId);
    this.summariesByArticle.clear(comment.articleId);
    return comment;
  }
}
