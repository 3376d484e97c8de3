import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { Context } from '../../src/context';
import type { ArticleRecord, CommentRecord, UserRecord } from '../../src/services/records';
import { Article } from '../article/article.type';
import { payload } from '../common/payload';
import { User } from '../user/user.type';
import {
  AddCommentInput,
  AddCommentPayload,
  DeleteCommentInput,
  DeleteCommentPayload,
} from './comment.inputs';
import { Comment } from './comment.type';

@Resolver(() => Comment)
export class CommentResolver {
  // Declared on Comment; an article's comments are read without it when no field shows it.
  @FieldResolver()
  body(@Root() comment: CommentRecord, @Ctx() ctx: Context): string | Promise<string> {
    return comment.body ?? ctx.services.comments.bodyOf(comment);
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who wrote the comment.' })
  author(@Root() comment: CommentRecord, @Ctx() ctx: Context): Promise<UserRecord | null> {
    return ctx.services.users.getById(comment.authorId);
  }

  @FieldResolver(() => Article, { nullable: true, description: 'The article commented on.' })
  article(@Root() comment: CommentRecord, @Ctx() ctx: Context): Promise<ArticleRecord | null> {
    return ctx.services.articles.getById(comment.articleId);
  }

  @FieldResolver(() => Boolean, { description: 'Whether `deleteComment` would accept the viewer.' })
  viewerCanDelete(@Root() comment: CommentRecord, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.comments.canDelete(comment);
  }

  @Authorized()
  @Mutation(() => AddCommentPayload, { description: 'Comments on an article as the viewer.' })
  addComment(
    @Arg('input', () => AddCommentInput, { description: 'The comment to add.' }) input: AddCommentInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, async () => ({
      comment: await ctx.services.comments.add(input.articleId, input.body),
    }));
  }

  @Authorized()
  @Mutation(() => DeleteCommentPayload, {
    description: "Deletes a comment (its author, the article's author, moderators and admins).",
  })
  async deleteComment(
    @Arg('input', () => DeleteCommentInput, { description: 'The comment to delete.' })
    input: DeleteCommentInput,
    @Ctx() ctx: Context,
  ) {
    return {
      comment: await ctx.services.comments.delete(input.id),
      clientMutationId: input.clientMutationId ?? null,
    };
  }
}
