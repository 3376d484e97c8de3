import { Field, ID, ObjectType } from 'type-graphql';
import { BODY_MAX_BYTES, DESCRIPTION_MAX, TAGS_MAX, TITLE_MAX } from '../../src/services/article-validation';
import { PageInfo } from '../common/connection';
import { ISO8601DateTime } from '../common/scalars';
import { count, kib } from '../common/describe';

@ObjectType({ simpleResolvers: true, description: 'A published article.' })
export class Article {
  @Field(() => ID, { description: 'Opaque id; mutations take it.' })
  id!: string;

  @Field(() => String, { description: 'URL name, made from the title when published; it never changes.' })
  slug!: string;

  @Field(() => String, { description: `Title, 1 to ${count(TITLE_MAX)} characters.` })
  title!: string;

  @Field(() => String, { description: `Short summary, up to ${count(DESCRIPTION_MAX)} characters.` })
  description!: string;

  @Field(() => String, { description: `The article text (Markdown), up to ${kib(BODY_MAX_BYTES)}.` })
  body!: string;

  @Field(() => [String], { description: `Tags: lower-case, unique, at most ${count(TAGS_MAX)}.` })
  tagList!: string[];

  @Field(() => ISO8601DateTime, { description: 'When the article was published.' })
  createdAt!: Date;

  @Field(() => ISO8601DateTime, { description: 'When the article last changed.' })
  updatedAt!: Date;
}

@ObjectType({ simpleResolvers: true, description: 'An article in a list, with its cursor.' })
export class ArticleEdge {
  @Field(() => String, { description: 'Opaque position of this article in the list.' })
  cursor!: string;

  @Field(() => Article, { nullable: true, description: 'The article.' })
  node!: unknown;
}

@ObjectType({
  simpleResolvers: true,
  description: 'A page of articles, newest first (most relevant first when searching).',
})
export class ArticleConnection {
  @Field(() => [ArticleEdge], {
    nullable: 'itemsAndList',
    description: 'The articles of the page with cursors.',
  })
  edges!: unknown[];

  @Field(() => PageInfo, { description: 'Where the page sits in the list.' })
  pageInfo!: PageInfo;
}
