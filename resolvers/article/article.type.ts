import { Field, ID, ObjectType } from 'type-graphql';
import { PageInfo } from '../common/connection';
import { ISO8601DateTime } from '../common/scalars';

@ObjectType({ simpleResolvers: true, description: 'A published article.' })
export class Article {
  @Field(() => ID, { description: 'Opaque id; mutations take it.' })
  id!: string;

  @Field(() => String, { description: 'URL name, made from the title when published; it never changes.' })
  slug!: string;

  @Field(() => String, { description: 'Title, 1 to 200 characters.' })
  title!: string;

  @Field(() => String, { description: 'Short summary, up to 1,000 characters.' })
  description!: string;

  @Field(() => String, { description: 'The article text (Markdown), up to 64 KiB.' })
  body!: string;

  @Field(() => [String], { description: 'Tags: lower-case, unique, at most 10.' })
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

@ObjectType({ simpleResolvers: true, description: 'A page of articles, newest first.' })
export class ArticleConnection {
  @Field(() => [ArticleEdge], {
    nullable: 'itemsAndList',
    description: 'The articles of the page with cursors.',
  })
  edges!: unknown[];

  @Field(() => PageInfo, { description: 'Where the page sits in the list.' })
  pageInfo!: PageInfo;
}
