import { ArgsType, Field, Int, ObjectType } from 'type-graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../src/services/pagination';

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, {
    nullable: true,
    description: `Items after \`after\`, newest first: 0 to ${MAX_PAGE_SIZE}, ${DEFAULT_PAGE_SIZE} by default.`,
  })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor from this kind of list: start after it.' })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: `Items before \`before\`, 0 to ${MAX_PAGE_SIZE}.` })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor from this kind of list: end before it.' })
  before?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'Where a page sits in its list.' })
export class PageInfo {
  @Field(() => String, { nullable: true, description: 'Cursor of the first item of the page.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item of the page.' })
  endCursor!: string | null;

  @Field(() => Boolean, { description: 'Whether items follow this page (older ones).' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'Whether items precede this page (newer ones).' })
  hasPreviousPage!: boolean;
}
