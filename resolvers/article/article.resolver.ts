import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  Info,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { Context } from '../../src/context';
import type { GraphQLResolveInfo } from 'graphql';
import { SEARCH_MAX } from '../../src/services/article-validation';
import { POPULAR_TAGS, type ArticleReads } from '../../src/services/article.service';
import { count } from '../common/describe';
import type { ArticleRecord, CommentRecord, Connection, UserRecord } from '../../src/services/records';
import { ConnectionArgs } from '../common/connection';
import { selects } from '../common/selection';
import { payload } from '../common/payload';
import { Comment } from '../comment/comment.type';
import { User } from '../user/user.type';
import {
  CreateArticleInput,
  CreateArticlePayload,
  DeleteArticleInput,
  DeleteArticlePayload,
  FavoriteArticleInput,
  FavoriteArticlePayload,
  UnfavoriteArticleInput,
  UnfavoriteArticlePayload,
  UpdateArticleInput,
  UpdateArticlePayload,
} from './article.inputs';
import { Article, ArticleConnection } from './article.type';

@Resolver(() => Article)
export class ArticleResolver {
  @Query(() => Article, { nullable: true, description: 'The article with this slug, or null.' })
  article(
    @Arg('slug', () => String, { description: "The article's slug." }) slug: string,
    @Ctx() ctx: Context,
  ): Promise<ArticleRecord | null> {
    return ctx.services.articles.getBySlug(slug);
  }

  @Query(() => ArticleConnection, {
    description: 'Articles, newest first, or most relevant first when searching; the filters combine.',
  })
  articles(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('search', () => String, {
      nullable: true,
      description: `Full-text search: only articles with any of these words (in any form: "dragons" finds "dragon") in the title, tags, description or body, most relevant first (a word in the title counts most, then tags, description, body), ties newest first. Up to ${count(SEARCH_MAX)} characters, no control characters; quotes and a leading \`-\` are read as spaces. Empty or blank: no search.`,
    })
    search: string | null,
    @Arg('tag', () => String, { nullable: true, description: 'Only articles with this tag.' })
    tag: string | null,
    @Arg('author', () => String, { nullable: true, description: 'Only articles by this username.' })
    author: string | null,
    @Arg('favoritedBy', () => String, {
      nullable: true,
      description: 'Only articles this username favourited.',
    })
    favoritedBy: string | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<ArticleRecord>> {
    return ctx.services.articles.list({ search, tag, author, favoritedBy }, page, articleReads(info));
  }

  @Query(() => [String], {
    description: `The ${POPULAR_TAGS} most used tags, most used first (ties in alphabetical order).`,
  })
  tags(@Ctx() ctx: Context): Promise<string[]> {
    return ctx.services.articles.popularTags();
  }

  // Declared on Article; a list that does not show the text reads none (articleReads).
  @FieldResolver()
  body(@Root() article: ArticleRecord, @Ctx() ctx: Context): string | Promise<string> {
    return article.body ?? ctx.services.articles.bodyOf(article);
  }

  @FieldResolver(() => User, { nullable: true, description: 'The author; always present.' })
  author(@Root() article: ArticleRecord, @Ctx() ctx: Context): Promise<UserRecord | null> {
    return ctx.services.users.getById(article.authorId);
  }

  @FieldResolver(() => [Comment], { description: 'The comments, oldest first.' })
  comments(
    @Root() article: ArticleRecord,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<CommentRecord[]> {
    return ctx.services.comments.forArticle(article.id, { body: selects(info, [], 'body') });
  }

  @FieldResolver(() => Int, { description: 'How many users favourited the article.' })
  favoritesCount(@Root() article: ArticleRecord, @Ctx() ctx: Context): number {
    return ctx.services.articles.countFavorites(article);
  }

  @FieldResolver(() => Boolean, {
    description: 'Whether the viewer favourited the article (false when anonymous).',
  })
  viewerHasFavorited(@Root() article: ArticleRecord, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.articles.isFavoritedByViewer(article);
  }

  @FieldResolver(() => Boolean, { description: 'Whether `updateArticle` would accept the viewer.' })
  viewerCanUpdate(@Root() article: ArticleRecord, @Ctx() ctx: Context): boolean {
    return ctx.services.articles.canUpdate(article);
  }

  @FieldResolver(() => Boolean, { description: 'Whether `deleteArticle` would accept the viewer.' })
  viewerCanDelete(@Root() article: ArticleRecord, @Ctx() ctx: Context): boolean {
    return ctx.services.articles.canDelete(article);
  }

  @Authorized()
  @Mutation(() => CreateArticlePayload, { description: 'Publishes an article by the viewer.' })
  createArticle(
    @Arg('input', () => CreateArticleInput, { description: 'The new article.' }) input: CreateArticleInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, async () => ({
      article: await ctx.services.articles.create(articleFields(input)),
    }));
  }

  @Authorized()
  @Mutation(() => UpdateArticlePayload, { description: "Changes one of the viewer's articles." })
  updateArticle(
    @Arg('input', () => UpdateArticleInput, { description: 'The article and its new content.' })
    input: UpdateArticleInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, async () => ({
      article: await ctx.services.articles.update(input.id, articleFields(input)),
    }));
  }

  @Authorized()
  @Mutation(() => DeleteArticlePayload, {
    description: 'Deletes an article with its comments and favourites (the author, moderators and admins).',
  })
  async deleteArticle(
    @Arg('input', () => DeleteArticleInput, { description: 'The article to delete.' })
    input: DeleteArticleInput,
    @Ctx() ctx: Context,
  ) {
    return {
      article: await ctx.services.articles.delete(input.id),
      clientMutationId: input.clientMutationId ?? null,
    };
  }

  @Authorized()
  @Mutation(() => FavoriteArticlePayload, {
    description: 'Favourites an article; doing it twice changes nothing.',
  })
  async favoriteArticle(
    @Arg('input', () => FavoriteArticleInput, { description: 'The article to favourite.' })
    input: FavoriteArticleInput,
    @Ctx() ctx: Context,
  ) {
    return {
      article: await ctx.services.articles.favorite(input.id),
      clientMutationId: input.clientMutationId ?? null,
    };
  }

  @Authorized()
  @Mutation(() => UnfavoriteArticlePayload, { description: 'Stops favouriting an article.' })
  async unfavoriteArticle(
    @Arg('input', () => UnfavoriteArticleInput, { description: 'The article to stop favouriting.' })
    input: UnfavoriteArticleInput,
    @Ctx() ctx: Context,
  ) {
    return {
      article: await ctx.services.articles.unfavorite(input.id),
      clientMutationId: input.clientMutationId ?? null,
    };
  }
}

@Resolver(() => ArticleConnection)
export class ArticleConnectionResolver {
  @FieldResolver(() => [Article], { nullable: 'itemsAndList', description: 'The articles of the page.' })
  nodes(@Root() connection: Connection<ArticleRecord>): ArticleRecord[] {
    return connection.edges.map((edge) => edge.node);
  }

  @FieldResolver(() => Int, { description: 'How many articles the whole list holds.' })
  totalCount(@Root() connection: Connection<ArticleRecord>): Promise<number> {
    return connection.totalCount();
  }
}

/** Built field by field: only the article's own fields reach the service. */
function articleFields(input: CreateArticleInput | UpdateArticleInput) {
  return { title: input.title, description: input.description, body: input.body, tagList: input.tagList };
}

/** What a list of articles is read for: the text only when a node of the list shows it. */
export function articleReads(info: GraphQLResolveInfo): ArticleReads {
  return { body: selects(info, ['edges', 'node'], 'body') };
}
