import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../src/context';
import type { ArticleRecord, Connection } from '../../src/services/records';
import { ArticleConnection } from '../article/article.type';
import { ConnectionArgs } from '../common/connection';
import { Viewer, type ViewerRecord } from './viewer.type';

@Resolver(() => Viewer)
export class FeedResolver {
  @FieldResolver(() => ArticleConnection, {
    description: 'Articles by the users the viewer follows, newest first.',
  })
  feed(
    @Root() viewer: ViewerRecord,
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Ctx() ctx: Context,
  ): Promise<Connection<ArticleRecord>> {
    return ctx.services.articles.feed(viewer.userId, page);
  }
}
