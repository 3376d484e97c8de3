import { Field, ID, InputType, ObjectType } from 'type-graphql';
import {
  BODY_MAX_BYTES,
  DESCRIPTION_MAX,
  TAG_MAX,
  TAGS_MAX,
  TITLE_MAX,
} from '../../src/services/article-validation';
import { UserError } from '../common/payload';
import { Article } from './article.type';
import { count, kib } from '../common/describe';

@InputType({ description: 'A new article.' })
export class CreateArticleInput {
  @Field(() => String, {
    description: `Title, 1 to ${count(TITLE_MAX)} characters; the slug is made from it.`,
  })
  title!: string;

  @Field(() => String, { description: `Short summary, up to ${count(DESCRIPTION_MAX)} characters.` })
  description!: string;

  @Field(() => String, { description: `The text (Markdown), 1 character to ${kib(BODY_MAX_BYTES)}.` })
  body!: string;

  @Field(() => [String], {
    description: `Up to ${count(TAGS_MAX)} tags of 1 to ${count(TAG_MAX)} characters; trimmed, lower-cased, de-duplicated.`,
  })
  tagList!: string[];

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@InputType({ description: 'New content for an article of the viewer.' })
export class UpdateArticleInput {
  @Field(() => ID, { description: 'The article.' })
  id!: string;

  @Field(() => String, {
    description: `Title, 1 to ${count(TITLE_MAX)} characters. The slug does not change.`,
  })
  title!: string;

  @Field(() => String, { description: `Short summary, up to ${count(DESCRIPTION_MAX)} characters.` })
  description!: string;

  @Field(() => String, { description: `The text (Markdown), 1 character to ${kib(BODY_MAX_BYTES)}.` })
  body!: string;

  @Field(() => [String], {
    description: `Up to ${count(TAGS_MAX)} tags of 1 to ${count(TAG_MAX)} characters.`,
  })
  tagList!: string[];

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@InputType({ description: 'An article to act on.' })
export class ArticleIdInput {
  @Field(() => ID, { description: 'The article.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@InputType({ description: 'An article to delete.' })
export class DeleteArticleInput extends ArticleIdInput {}

@InputType({ description: 'An article to favourite.' })
export class FavoriteArticleInput extends ArticleIdInput {}

@InputType({ description: 'An article to stop favouriting.' })
export class UnfavoriteArticleInput extends ArticleIdInput {}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `createArticle`.' })
export class CreateArticlePayload {
  @Field(() => Article, { nullable: true, description: 'The new article (with its `slug`); null on errors.' })
  article?: unknown;

  @Field(() => [UserError], { description: 'Expected mistakes in the input; empty on success.' })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `updateArticle`.' })
export class UpdateArticlePayload {
  @Field(() => Article, { nullable: true, description: 'The updated article; null on errors.' })
  article?: unknown;

  @Field(() => [UserError], { description: 'Expected mistakes in the input; empty on success.' })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `deleteArticle`.' })
export class DeleteArticlePayload {
  @Field(() => Article, { description: 'The article as it was before it was deleted.' })
  article!: unknown;

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `favoriteArticle`.' })
export class FavoriteArticlePayload {
  @Field(() => Article, { nullable: true, description: 'The article, with its new `favoritesCount`.' })
  article?: unknown;

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `unfavoriteArticle`.' })
export class UnfavoriteArticlePayload extends FavoriteArticlePayload {}
