import { Field, ID, ObjectType } from 'type-graphql';
import { ISO8601DateTime } from '../common/scalars';

@ObjectType({ simpleResolvers: true, description: 'A comment on an article.' })
export class Comment {
  @Field(() => ID, { description: 'Opaque id; `deleteComment` takes it.' })
  id!: string;

  @Field(() => String, { description: 'The comment text, 1 to 10,000 characters.' })
  body!: string;

  @Field(() => ISO8601DateTime, { description: 'When the comment was posted.' })
  createdAt!: Date;

  @Field(() => ISO8601DateTime, { description: 'When the comment last changed.' })
  updatedAt!: Date;
}
