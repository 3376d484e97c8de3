import { Field, ID, ObjectType } from 'type-graphql';
import { COMMENT_MAX } from '../../src/services/article-validation';
import { ISO8601DateTime } from '../common/scalars';
import { count } from '../common/describe';

@ObjectType({ simpleResolvers: true, description: 'A comment on an article.' })
export class Comment {
  @Field(() => ID, { description: 'Opaque id; `deleteComment` takes it.' })
  id!: string;

  @Field(() => String, { description: `The comment text, 1 to ${count(COMMENT_MAX)} characters.` })
  body!: string;

  @Field(() => ISO8601DateTime, { description: 'When the comment was posted.' })
  createdAt!: Date;

  @Field(() => ISO8601DateTime, { description: 'When the comment last changed.' })
  updatedAt!: Date;
}
