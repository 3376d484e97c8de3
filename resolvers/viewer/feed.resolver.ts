import type { GraphQLResolveInfo } from 'graphql';
import { Args, Ctx, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import type { Context } from '../../src/context';
import type { ArticleRecord, Connection } from '../../src/services/records';
import { articleReads } from '../article/article.resolver';
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
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<ArticleRecord>> {
    return ctx.services.articles.feed(viewer.userId, page, articleReads(info));
  }
}
