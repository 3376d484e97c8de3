import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { COMMENT_MAX } from '../../src/services/article-validation';
import { UserError } from '../common/payload';
import { Comment } from './comment.type';
import { count } from '../common/describe';

@InputType({ description: 'A new comment.' })
export class AddCommentInput {
  @Field(() => ID, { description: 'The article to comment on.' })
  articleId!: string;

  @Field(() => String, { description: `The text, 1 to ${count(COMMENT_MAX)} characters.` })
  body!: string;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `addComment`.' })
export class AddCommentPayload {
  @Field(() => Comment, { nullable: true, description: 'The new comment; null on errors.' })
  comment?: unknown;

  @Field(() => [UserError], { description: 'Expected mistakes in the input; empty on success.' })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

@InputType({ description: 'A comment to delete.' })
export class DeleteCommentInput {
  @Field(() => ID, { description: 'The comment.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `deleteComment`.' })
export class DeleteCommentPayload {
  @Field(() => Comment, { nullable: true, description: 'The comment as it was before it was deleted.' })
  comment?: unknown;

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}
