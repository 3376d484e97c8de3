import { Arg, Args, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../src/context';
import type { AuditEventRecord } from '../../src/services/audit-log';
import type { Connection, UserRecord } from '../../src/services/records';
import { ConnectionArgs } from '../common/connection';
import { User } from '../user/user.type';
import { AuditEvent, AuditEventConnection } from './audit.type';

@Resolver(() => AuditEvent)
export class AuditResolver {
  @Authorized('admin')
  @Query(() => AuditEventConnection, {
    description: 'Security-relevant events, newest first; the filters combine. Admins only.',
  })
  auditEvents(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('action', () => String, { nullable: true, description: 'Only events with this action.' })
    action: string | null,
    @Arg('actor', () => String, { nullable: true, description: 'Only events by this username.' })
    actor: string | null,
    @Ctx() ctx: Context,
  ): Promise<Connection<AuditEventRecord>> {
    return ctx.services.audit.list({ action, actor }, page);
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: 'Who acted; null when nobody was signed in (a failed sign-in, the command line).',
  })
  actor(@Root() event: AuditEventRecord, @Ctx() ctx: Context): Promise<UserRecord | null> | null {
    return event.actorId === null ? null : ctx.services.users.getById(event.actorId);
  }
}

@Resolver(() => AuditEventConnection)
export class AuditEventConnectionResolver {
  @FieldResolver(() => [AuditEvent], { nullable: 'itemsAndList', description: 'The events of the page.' })
  nodes(@Root() connection: Connection<AuditEventRecord>): AuditEventRecord[] {
    return connection.edges.map((edge) => edge.node);
  }
}
