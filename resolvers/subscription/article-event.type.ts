import { Field, ObjectType, registerEnumType } from 'type-graphql';
import type { ArticleEventKind as Kind } from '../../src/subscriptions/hub';
import { ISO8601DateTime } from '../common/scalars';

export const ArticleEventKind = {
  PUBLISHED: 'PUBLISHED',
  UPDATED: 'UPDATED',
  DELETED: 'DELETED',
  FAVORITES_CHANGED: 'FAVORITES_CHANGED',
  COMMENT_ADDED: 'COMMENT_ADDED',
  COMMENT_DELETED: 'COMMENT_DELETED',
} as const satisfies Record<Kind, Kind>;

registerEnumType(ArticleEventKind, {
  name: 'ArticleEventKind',
  description: 'What happened to an article.',
  valuesConfig: {
    PUBLISHED: { description: 'The article was published.' },
    UPDATED: { description: 'Its title, description, body or tags changed.' },
    DELETED: { description: 'It was deleted; `article` is null.' },
    FAVORITES_CHANGED: { description: 'Someone favourited or unfavourited it.' },
    COMMENT_ADDED: { description: 'A comment was added; `comment` is it.' },
    COMMENT_DELETED: { description: 'A comment was deleted; `comment` is it as it was.' },
  },
});

@ObjectType({ description: 'Something that happened to an article, as a subscription delivers it.' })
export class ArticleEvent {
  @Field(() => String, {
    description: "Opaque position of the event; a subscription's `after` takes it to go on after it.",
  })
  cursor!: string;

  @Field(() => ArticleEventKind, { description: 'What happened.' })
  kind!: Kind;

  @Field(() => ISO8601DateTime, { description: 'When it happened.' })
  occurredAt!: Date;
}
