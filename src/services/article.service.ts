import { randomBytes } from 'node:crypto';
import type DataLoader from 'dataloader';
import { trusted, Types, type ClientSession } from 'mongoose';
import { actorOf, requireActor, type Viewer } from '../auth/viewer';
import type { AppDeps } from '../deps';
import { ForbiddenError, NotFoundError, UserInputErrors } from '../errors';
import {
  aggregateDocs,
  batchLoader,
  byIdLoader,
  byUniqueKeyLoader,
  checkedIds,
  countByLoader,
  LoaderScope,
  oneBatch,
  toObjectId,
} from '../loaders';
import type { ArticleDoc } from '../models/article.model';
import { insertRecord } from '../models/insert';
import { checkArticle, checkSearch, slugify, type ArticleFields } from './article-validation';
import { auditTarget, type AuditLog } from './audit-log';
import { duplicateKeyField } from './mongo-errors';
import {
  emptyConnection,
  keysetPage,
  pageLoader,
  rankedPage,
  type CursorCodec,
  type Filter,
  type PageArgs,
  type PageQuery,
} from './pagination';
import { canDeleteArticle, canUpdateArticle, deletesArticleAsModerator } from './permissions';
import {
  ARTICLE_SUMMARY_FIELDS,
  toArticleRecord,
  type ArticleRecord,
  type Connection,
  type UserRecord,
} from './records';
import { articleSearch, scoredPosition, type ArticleSearch } from './search';
import { TagCounts } from './tag-counts';
import { foldCase, isObjectIdHex, normalize } from './text';
import { FieldErrors } from './user-validation';
import type { FollowService } from './follow.service';
import type { UserService } from './user.service';

export interface ArticleFilter {
  /** Words to search for (checkSearch); the list is then ranked by relevance. */
  readonly search?: string | null | undefined;
  readonly tag?: string | null | undefined;
  /** Username of the author. */
  readonly author?: string | null | undefined;
  /** Username of a user who favourited the articles. */
  readonly favoritedBy?: string | null | undefined;
}

/**
 * What the articles of a list are read for: `body: false` when no field of the list shows their text, which
 * is then not read (ARTICLE_SUMMARY_FIELDS).
 */
export interface ArticleReads {
  readonly body: boolean;
}

const WHOLE_ARTICLES: ArticleReads = { body: true };

const SLUG_ATTEMPTS = 5;

/** How many tags `tags` lists. */
export const POPULAR_TAGS = 100;

/** Articles, favourites and tags, per request. */
export class ArticleService {
  private readonly byId: DataLoader<string, ArticleRecord | null>;
  private readonly bySlug: DataLoader<string, ArticleRecord | null>;
  /** Whether the viewer favourited each article: one query for a page, and none for anonymous callers. */
  private readonly favoritedByViewer: DataLoader<string, boolean> | undefined;
  private readonly countByAuthor: DataLoader<string, number>;
  private readonly countFavoritedBy: DataLoader<string, number>;
  private readonly favoriteIdsByUser: DataLoader<string, Types.ObjectId[]>;
  private readonly pages: DataLoader<PageQuery, ArticleDoc[]>;
  private readonly search: ArticleSearch;
  private readonly tags: TagCounts;

  constructor(
    private readonly deps: Pick<AppDeps, 'db' | 'logger' | 'models'>,
    private readonly viewer: Viewer,
    private readonly users: UserService,
    private readonly follows: FollowService,
    private readonly cursors: CursorCodec,
    private readonly audit: AuditLog,
    scope: LoaderScope = LoaderScope.none,
  ) {
    const { Article, Favorite } = deps.models;
    const byId = scope.shared('articles.byId', () => byIdLoader(Article, toArticleRecord, 'articles.byId'));
    this.byId = byId;
    this.bySlug = scope.shared('articles.bySlug', () =>
      byUniqueKeyLoader(Article, 'slug', (doc: ArticleDoc) => doc.slug, toArticleRecord, 'articles.bySlug', {
        onLoad: (article) => byId.prime(article.id, article),
      }),
    );
    this.countByAuthor = countByLoader(Article, 'authorId', 'articles.countByAuthor');
    this.countFavoritedBy = countByLoader(Favorite, 'userId', 'favorites.countByUser');
    this.pages = pageLoader<ArticleDoc>(Article, 'articles.page');
    this.search = articleSearch(deps.models);
    this.tags = new TagCounts(deps.models, deps.logger);
    const actor = actorOf(viewer);
    // Among the subscribers of one event, every viewer's question goes in one query.
    this.favoritedByViewer = actor
      ? scope.viewerPairs(Favorite, 'userId', actor.id, 'articleId', 'favorites.byViewer')
      : undefined;
    this.favoriteIdsByUser = batchLoader('favorites.articleIdsByUser', async (keys) => {
      const userIds = checkedIds(keys);
      if (userIds.length === 0) return keys.map(() => []);
      const rows = await aggregateDocs<{ _id: Types.ObjectId; ids: Types.ObjectId[] }>(
        Favorite,
        'favorites.articleIdsByUser',
        [
          { $match: { userId: { $in: userIds } } },
          { $group: { _id: '$userId', ids: { $push: '$articleId' } } },
        ],
        oneBatch(userIds.length).batchSize,
      );
      const byUser = new Map(rows.map((row) => [row._id.toHexString(), row.ids]));
      return keys.map((id) => byUser.get(id) ?? []);
    });
  }

  getById(id: string): Promise<ArticleRecord | null> {
    return isObjectIdHex(id) ? this.byId.load(id) : Promise.resolve(null);
  }

  getBySlug(slug: string): Promise<ArticleRecord | null> {
    return slug.length > 200 ? Promise.resolve(null) : this.bySlug.load(slug);
  }

  countFavorites(article: ArticleRecord): number {
    return article.favoritesCount;
  }

  isFavoritedByViewer(article: ArticleRecord): Promise<boolean> {
    return this.favoritedByViewer?.load(article.id) ?? Promise.resolve(false);
  }

  canUpdate(article: ArticleRecord): boolean {
    return canUpdateArticle(this.viewer, article);
  }

  canDelete(article: ArticleRecord): boolean {
    return canDeleteArticle(this.viewer, article);
  }

  /**
   * Articles newest first, optionally by tag, author and/or a user's favourites; with search words, only the
   * articles that match them, most relevant first (ties newest first).
   */
  async list(
    filter: ArticleFilter,
    page: PageArgs,
    reads: ArticleReads = WHOLE_ARTICLES,
  ): Promise<Connection<ArticleRecord>> {
    const search = checkSearch(filter.search);
    const tag = filter.tag == null ? null : foldCase(normalize(filter.tag));
    const [author, fan] = await Promise.all([
      filter.author == null ? null : this.users.getByUsername(filter.author),
      filter.favoritedBy == null ? null : this.users.getByUsername(filter.favoritedBy),
    ]);
    const named = [tag, filter.author == null ? null : author?.id, fan?.id];
    // The search words are part of the list: a cursor of one search is refused by another.
    const list =
      search === null ? `articles:${JSON.stringify(named)}` : `search:${JSON.stringify([search, ...named])}`;
    if ((filter.author != null && !author) || (filter.favoritedBy != null && !fan)) {
      return emptyConnection(page, this.cursors, list, search !== null);
    }
    const query: Filter = {};
    if (tag !== null) query['tagList'] = tag;
    if (author) query['authorId'] = new Types.ObjectId(author.id);
    if (fan) query['_id'] = trusted({ $in: await this.favoriteIds(fan.id) });
    return search === null ? this.page(list, query, page, reads) : this.searchPage(list, search, query, page);
  }

  /** A user's articles, newest first; counts for many users come from one query. */
  byAuthor(
    author: UserRecord,
    page: PageArgs,
    reads: ArticleReads = WHOLE_ARTICLES,
  ): Promise<Connection<ArticleRecord>> {
    const count = () => this.countByAuthor.load(author.id);
    const filter = { authorId: new Types.ObjectId(author.id) };
    return this.page(`user-articles:${author.id}`, filter, page, reads, count);
  }

  /** The articles a user favourited, newest first. */
  async favoritedBy(
    fan: UserRecord,
    page: PageArgs,
    reads: ArticleReads = WHOLE_ARTICLES,
  ): Promise<Connection<ArticleRecord>> {
    const count = () => this.countFavoritedBy.load(fan.id);
    const list = `user-favorites:${fan.id}`;
    const filter = { _id: trusted({ $in: await this.favoriteIds(fan.id) }) };
    return this.page(list, filter, page, reads, count);
  }

  /** The viewer's feed: articles by the users they follow, newest first. */
  async feed(
    userId: string,
    page: PageArgs,
    reads: ArticleReads = WHOLE_ARTICLES,
  ): Promise<Connection<ArticleRecord>> {
    const followees = await this.follows.followeeIds(userId);
    const list = `feed:${userId}`;
    if (followees.length === 0) return emptyConnection(page, this.cursors, list);
    return this.page(list, { authorId: trusted({ $in: followees.map(toObjectId) }) }, page, reads);
  }

  /**
   * The most used tags, most used first (ties by name); at most `limit`. Read from the counts the article
   * writes keep, so the cost does not grow with the number of articles.
   */
  popularTags(limit = POPULAR_TAGS): Promise<string[]> {
    return this.tags.popular(limit);
  }

  async create(input: ArticleFields): Promise<ArticleRecord> {
    const authorId = this.requireUser();
    const errors = new FieldErrors();
    const fields = checkArticle(input, errors);
    if (errors.any) throw new UserInputErrors(errors.errors);

    const base = slugify(fields.title);
    for (let attempt = 0; attempt < SLUG_ATTEMPTS; attempt += 1) {
      // The unique index decides collisions; on a clash the slug gets a short random suffix.
      const slug = attempt === 0 ? base : `${base}-${randomBytes(4).toString('hex').slice(0, 6)}`;
      try {
        // One document: no transaction. The tags' counts follow it (TagCounts).
        const doc = await insertRecord(this.deps.models.Article, {
          ...fieldsToSet(fields),
          slug,
          authorId: new Types.ObjectId(authorId),
          favoritesCount: 0,
          commentsCount: 0,
        });
        await this.tags.move(doc.tagList, []);
        this.countByAuthor.clear(authorId);
        return this.remember(toArticleRecord(doc));
      } catch (error) {
        if (duplicateKeyField(error) !== 'slug') throw error;
      }
    }
    throw new Error(`could not find a free slug for "${base}"`);
  }

  /** Changes an article's content; its slug stays, so links keep working. */
  async update(id: string, input: ArticleFields): Promise<ArticleRecord> {
    const article = await this.requireArticle(id);
    if (!this.canUpdate(article)) throw new ForbiddenError('Only the author can edit this article.');
    const errors = new FieldErrors();
    const fields = checkArticle(input, errors);
    if (errors.any) throw new UserInputErrors(errors.errors);
    // One document: no transaction. The article as it was before this update comes back with the write, so
    // the tags' counts move by exactly what this edit changed, whatever concurrent edits did (TagCounts).
    const set = { ...fieldsToSet(fields), updatedAt: new Date() };
    const before = await this.deps.models.Article.findOneAndUpdate(
      { _id: new Types.ObjectId(id), authorId: new Types.ObjectId(article.authorId) },
      { $set: set },
      { returnDocument: 'before', timestamps: false },
    )
      .comment('articles.update')
      .lean();
    if (!before) throw new NotFoundError('Article');
    await this.tags.move(set.tagList, before.tagList);
    const doc = { ...before, ...set };
    return this.remember(toArticleRecord(doc));
  }

  /** Deletes an article with its comments and favourites. Returns the article as it was. */
  async delete(id: string): Promise<ArticleRecord> {
    const article = await this.requireArticle(id);
    if (!this.canDelete(article)) throw new ForbiddenError('You cannot delete this article.');
    const { Article, Comment, Favorite } = this.deps.models;
    const articleId = new Types.ObjectId(id);
    // One transaction: the article, its comments and its favourites go together or not at all; the tags'
    // counts follow the commit (TagCounts). A favourite or comment written at the same moment writes the
    // article too (its counter), so one of the two conflicts and is retried, and then sees the other's outcome.
    const deleted = await this.deps.db.transaction(async (session) => {
      const found = await Article.findOneAndDelete(
        { _id: articleId },
        { session, projection: { tagList: 1 } },
      )
        .comment('articles.delete')
        .lean();
      if (!found) throw new NotFoundError('Article');
      await Comment.deleteMany({ articleId }, { session }).comment('comments.deleteByArticle');
      await Favorite.deleteMany({ articleId }, { session }).comment('favorites.deleteByArticle');
      if (deletesArticleAsModerator(this.viewer, article)) {
        const detail = `"${article.slug}" by user:${article.authorId}`;
        const actorId = this.requireUser();
        await this.audit.record(
          { action: 'ARTICLE_DELETED_BY_MODERATOR', actorId, target: auditTarget.article(id), detail },
          session,
        );
      }
      return found;
    });
    await this.tags.move([], deleted.tagList);
    this.byId.clear(id);
    this.bySlug.clear(article.slug);
    this.favoritedByViewer?.clear(id).prime(id, false);
    this.countByAuthor.clear(article.authorId);
    // Any user's favourites may have named it.
    this.favoriteIdsByUser.clearAll();
    this.countFavoritedBy.clearAll();
    return article;
  }

  /** Idempotent: favouriting twice, even at the same moment, counts once. */
  async favorite(id: string): Promise<ArticleRecord> {
    const userId = this.requireUser();
    const article = await this.requireArticle(id);
    const key = { userId: new Types.ObjectId(userId), articleId: new Types.ObjectId(id) };
    let counted: ArticleRecord | null;
    try {
      counted = await this.deps.db.transaction(async (session) => {
        const added = await this.deps.models.Favorite.updateOne(
          key,
          { $setOnInsert: key },
          { upsert: true, session },
        ).comment('favorites.add');
        return added.upsertedCount === 0 ? null : this.addToCount(id, 'favoritesCount', 1, session);
      });
    } catch (error) {
      // Two concurrent upserts can both try to insert; the unique index lets one win, which is the outcome.
      if (duplicateKeyField(error) === null) throw error;
      counted = null;
    }
    this.forgetFavorites(id, userId);
    return counted ? this.remember(counted) : article;
  }

  async unfavorite(id: string): Promise<ArticleRecord> {
    const userId = this.requireUser();
    const article = await this.requireArticle(id);
    const counted = await this.deps.db.transaction(async (session) => {
      const removed = await this.deps.models.Favorite.deleteOne(
        { userId: new Types.ObjectId(userId), articleId: new Types.ObjectId(id) },
        { session },
      ).comment('favorites.remove');
      return removed.deletedCount === 0 ? null : this.addToCount(id, 'favoritesCount', -1, session);
    });
    this.forgetFavorites(id, userId);
    return counted ? this.remember(counted) : article;
  }

  /** Loads an article a mutation names: a malformed or unknown id is NOT_FOUND. */
  async requireArticle(id: string): Promise<ArticleRecord> {
    const article = await this.getById(id);
    if (!article) throw new NotFoundError('Article');
    return article;
  }

  /**
   * Inside the transaction of a write that adds or removes a favourite or comment: moves the article's
   * counter, and so writes the article, which makes the write conflict with the article's deletion. An
   * article already gone fails the transaction with NOT_FOUND, and the write is undone with it.
   */
  async addToCount(
    id: string,
    counter: 'favoritesCount' | 'commentsCount',
    by: 1 | -1,
    session: ClientSession,
  ): Promise<ArticleRecord> {
    const doc = await this.deps.models.Article.findOneAndUpdate(
      { _id: new Types.ObjectId(id) },
      { $inc: { [counter]: by } },
      // The article's content did not change: its `updatedAt` stays.
      { returnDocument: 'after', session, timestamps: false },
    )
      .comment(`articles.count.${counter}`)
      .lean();
    if (!doc) throw new NotFoundError('Article');
    return toArticleRecord(doc);
  }

  private forgetFavorites(articleId: string, userId: string): void {
    this.favoritedByViewer?.clear(articleId);
    this.favoriteIdsByUser.clear(userId);
    this.countFavoritedBy.clear(userId);
  }

  private requireUser(): string {
    return requireActor(this.viewer).id;
  }

  private favoriteIds(userId: string): Promise<Types.ObjectId[]> {
    return this.favoriteIdsByUser.load(userId);
  }

  /**
   * The text of an article read for a list that did not show it: read again, whole, should any field still
   * ask for it.
   */
  async bodyOf(article: ArticleRecord): Promise<string> {
    if (article.body !== undefined) return article.body;
    const body = (await this.byId.load(article.id))?.body;
    // Deleted since the list was read.
    if (body === undefined) throw new NotFoundError('Article');
    return body;
  }

  /** `list` names the list for its cursors, e.g. `feed:<user id>`. */
  private page(
    list: string,
    filter: Filter,
    page: PageArgs,
    reads: ArticleReads,
    count?: () => Promise<number>,
  ): Promise<Connection<ArticleRecord>> {
    const { Article } = this.deps.models;
    return keysetPage<ArticleDoc, ArticleRecord>({
      pages: this.pages,
      filter,
      sortField: 'createdAt',
      list,
      args: page,
      codec: this.cursors,
      // Only whole records are kept in the loaders: a summary must never answer a field that needs the text.
      ...(reads.body
        ? { toNode: (doc) => this.remember(toArticleRecord(doc)) }
        : { toNode: toArticleRecord, projection: ARTICLE_SUMMARY_FIELDS }),
      count: count ?? (() => Article.countDocuments(filter).comment('articles.count').exec()),
    });
  }

  private searchPage(
    list: string,
    terms: string,
    filter: Filter,
    page: PageArgs,
  ): Promise<Connection<ArticleRecord>> {
    return rankedPage({
      list,
      args: page,
      codec: this.cursors,
      read: (window) => this.search.page(terms, filter, window),
      positionOf: scoredPosition,
      toNode: (doc) => this.remember(toArticleRecord(doc)),
      count: () => this.search.count(terms, filter),
    });
  }

  /** Makes a record read or written elsewhere visible to this request's loaders. */
  remember(article: ArticleRecord): ArticleRecord {
    this.byId.clear(article.id).prime(article.id, article);
    this.bySlug.clear(article.slug).prime(article.slug, article);
    return article;
  }
}

/** Built field by field: nothing from an input object reaches the database unchecked. */
function fieldsToSet(fields: ArticleFields) {
  return {
    title: fields.title,
    description: fields.description,
    body: fields.body,
    tagList: [...fields.tagList],
  };
}
