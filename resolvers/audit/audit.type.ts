import { Field, ID, ObjectType } from 'type-graphql';
import { AUDIT_ACTIONS } from '../../src/services/audit-log';
import { PageInfo } from '../common/connection';
import { ISO8601DateTime } from '../common/scalars';

const actions = AUDIT_ACTIONS.map((action) => `\`${action}\``).join(', ');

@ObjectType({
  simpleResolvers: true,
  description: 'A security-relevant event: who did what to what, and from where. Admins only.',
})
export class AuditEvent {
  @Field(() => ID, { description: 'Opaque id of the event.' })
  id!: string;

  @Field(() => String, { description: `What happened, a stable upper-case name: ${actions}.` })
  action!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'What was acted on: `user:<id>`, `article:<id>`, `comment:<id>`, `apiKey:<id>` or `webhook:<id>`; null when unknown.',
  })
  target!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'What the action and target leave out, in a few words (the role granted, what was deleted).',
  })
  detail!: string | null;

  @Field(() => ISO8601DateTime, { description: 'When it happened.' })
  occurredAt!: Date;

  @Field(() => String, {
    nullable: true,
    description: "The client's address as Atrium decided it; null for the command line.",
  })
  clientAddress!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The id of the request (its `x-request-id` and log line); null for the command line.',
  })
  requestId!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'An audit event in a list, with its cursor.' })
export class AuditEventEdge {
  @Field(() => String, { description: 'Opaque position of this event in the list.' })
  cursor!: string;

  @Field(() => AuditEvent, { nullable: true, description: 'The event.' })
  node!: unknown;
}

@ObjectType({ simpleResolvers: true, description: 'A page of audit events, newest first.' })
export class AuditEventConnection {
  @Field(() => [AuditEventEdge], {
    nullable: 'itemsAndList',
    description: 'The events of the page with cursors.',
  })
  edges!: unknown[];

  @Field(() => PageInfo, { description: 'Where the page sits in the list.' })
  pageInfo!: PageInfo;
}
