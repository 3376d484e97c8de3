import { Arg, Ctx, FieldResolver, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { requireActor } from '../../src/auth/viewer';
import type { Context } from '../../src/context';
import { BadUserInputError, NotFoundError } from '../../src/errors';
import type { ArticleRecord, CommentRecord } from '../../src/services/records';
import { foldCase, normalize } from '../../src/services/text';
import type { ArticleEventRecord, EventFilter, EventPayload } from '../../src/subscriptions/hub';
import { Article } from '../article/article.type';
import { Comment } from '../comment/comment.type';
import { ArticleEvent } from './article-event.type';

type Args = Record<string, string | null | undefined>;
type Data = SubscribeResolverData<EventPayload, Args, Context>;

const AFTER =
  "An event's `cursor`: first every matching event after it that is still held, in order, then live ones.";

/** Opens a subscription on the connection's hub; over HTTP there is none. */
async function open(data: Data, filter: (ctx: Context, args: Args) => Promise<EventFilter>) {
  const { context, args } = data;
  if (!context.realtime) throw new BadUserInputError('Subscriptions are served over WebSocket at /graphql.');
  return context.realtime.hub.open(
    context,
    context.realtime.auth,
    await filter(context, args),
    args['after'],
  );
}

@Resolver(() => ArticleEvent)
export class ArticleEventResolver {
  @Subscription(() => ArticleEvent, {
    description: 'New articles, optionally only with a tag and by an author.',
    subscribe: (data: Data) =>
      open(data, async (ctx, args) => {
        const tag = args['tag'] == null ? undefined : foldCase(normalize(args['tag']));
        const author =
          args['author'] == null ? undefined : await ctx.services.users.getByUsername(args['author']);
        return { kind: 'published', tag, authorId: author === undefined ? undefined : (author?.id ?? null) };
      }),
  })
  articlePublished(
    @Root() payload: EventPayload,
    @Arg('tag', () => String, { nullable: true, description: 'Only articles with this tag.' })
    _tag: string | null,
    @Arg('author', () => String, { nullable: true, description: 'Only articles by this username.' })
    _author: string | null,
    @Arg('after', () => String, { nullable: true, description: AFTER }) _after: string | null,
  ): ArticleEventRecord {
    return payload.record;
  }

  @Subscription(() => ArticleEvent, {
    description: "One article's edits, deletion, favourites and comments.",
    subscribe: (data: Data) =>
      open(data, async (ctx, args) => {
        const article = await ctx.services.articles.getBySlug(args['slug'] ?? '');
        if (!article) throw new NotFoundError('Article');
        return { kind: 'article', articleId: article.id };
      }),
  })
  articleEvents(
    @Root() payload: EventPayload,
    @Arg('slug', () => String, { description: "The article's slug." }) _slug: string,
    @Arg('after', () => String, { nullable: true, description: AFTER }) _after: string | null,
  ): ArticleEventRecord {
    return payload.record;
  }

  @Subscription(() => ArticleEvent, {
    description: 'New articles by the users the viewer follows (signed in).',
    subscribe: (data: Data) =>
      open(data, async (ctx) => ({ kind: 'feed', followerId: requireActor(ctx.viewer).id })),
  })
  feedPublished(
    @Root() payload: EventPayload,
    @Arg('after', () => String, { nullable: true, description: AFTER }) _after: string | null,
  ): ArticleEventRecord {
    return payload.record;
  }

  @FieldResolver(() => Article, { nullable: true, description: 'The article; null only for DELETED.' })
  article(@Root() event: ArticleEventRecord, @Ctx() ctx: Context): Promise<ArticleRecord | null> | null {
    return event.articleId === null ? null : ctx.services.articles.getById(event.articleId);
  }

  @FieldResolver(() => Comment, { nullable: true, description: 'The comment, for the comment kinds.' })
  comment(@Root() event: ArticleEventRecord): CommentRecord | null {
    return event.comment;
  }
}
