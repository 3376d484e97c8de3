import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  Field,
  ID,
  Info,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Resolver,
  Root,
} from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../src/context';
import type { Connection, UserRecord } from '../../src/services/records';
import { articleReads } from '../article/article.resolver';
import { ArticleConnection } from '../article/article.type';
import { ConnectionArgs, PageInfo } from '../common/connection';
import { User } from './user.type';

@ObjectType({ simpleResolvers: true, description: 'A user in a list, with its cursor.' })
export class UserEdge {
  @Field(() => String, { description: 'Opaque position of this user in the list.' })
  cursor!: string;

  @Field(() => User, { nullable: true, description: 'The user.' })
  node!: unknown;
}

@ObjectType({ simpleResolvers: true, description: 'A page of followers, most recent first.' })
export class FollowersConnection {
  @Field(() => [UserEdge], {
    nullable: 'itemsAndList',
    description: 'The followers of the page with cursors.',
  })
  edges!: unknown[];

  @Field(() => PageInfo, { description: 'Where the page sits in the list.' })
  pageInfo!: PageInfo;
}

@InputType({ description: 'A user to follow.' })
export class FollowUserInput {
  @Field(() => ID, { description: "The user's id." })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@InputType({ description: 'A user to stop following.' })
export class UnfollowUserInput extends FollowUserInput {}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `followUser`.' })
export class FollowUserPayload {
  @Field(() => User, {
    nullable: true,
    description: 'The user, with the new `followedByViewer` and follower count.',
  })
  user?: unknown;

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `unfollowUser`.' })
export class UnfollowUserPayload extends FollowUserPayload {}

/** A user's relations: follows, articles and favourites. */
@Resolver(() => User)
export class ProfileResolver {
  @FieldResolver(() => Boolean, {
    description: 'Whether the viewer follows this user (false when anonymous).',
  })
  followedByViewer(@Root() user: UserRecord, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.follows.isFollowedByViewer(user);
  }

  @FieldResolver(() => FollowersConnection, { description: 'Who follows this user, most recent first.' })
  followers(@Root() user: UserRecord, @Args(() => ConnectionArgs) page: ConnectionArgs, @Ctx() ctx: Context) {
    return ctx.services.follows.followers(user, page);
  }

  @FieldResolver(() => ArticleConnection, { description: "The user's articles, newest first." })
  articles(
    @Root() user: UserRecord,
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ) {
    return ctx.services.articles.byAuthor(user, page, articleReads(info));
  }

  @FieldResolver(() => ArticleConnection, { description: 'The articles this user favourited, newest first.' })
  favoriteArticles(
    @Root() user: UserRecord,
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ) {
    return ctx.services.articles.favoritedBy(user, page, articleReads(info));
  }

  @Authorized()
  @Mutation(() => FollowUserPayload, { description: 'Follows a user; doing it twice changes nothing.' })
  async followUser(
    @Arg('input', () => FollowUserInput, { description: 'The user to follow.' }) input: FollowUserInput,
    @Ctx() ctx: Context,
  ) {
    return {
      user: await ctx.services.follows.follow(input.id),
      clientMutationId: input.clientMutationId ?? null,
    };
  }

  @Authorized()
  @Mutation(() => UnfollowUserPayload, { description: 'Stops following a user.' })
  async unfollowUser(
    @Arg('input', () => UnfollowUserInput, { description: 'The user to stop following.' })
    input: UnfollowUserInput,
    @Ctx() ctx: Context,
  ) {
    return {
      user: await ctx.services.follows.unfollow(input.id),
      clientMutationId: input.clientMutationId ?? null,
    };
  }
}

@Resolver(() => FollowersConnection)
export class FollowersConnectionResolver {
  @FieldResolver(() => [User], { nullable: 'itemsAndList', description: 'The followers of the page.' })
  nodes(@Root() connection: Connection<UserRecord>): UserRecord[] {
    return connection.edges.map((edge) => edge.node);
  }

  @FieldResolver(() => Int, { description: 'How many followers the user has.' })
  totalCount(@Root() connection: Connection<UserRecord>): Promise<number> {
    return connection.totalCount();
  }
}
