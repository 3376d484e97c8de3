import { Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { actorOf } from '../../src/auth/viewer';
import type { Context } from '../../src/context';
import type { UserRecord } from '../../src/services/records';
import { Viewer, type ViewerRecord } from './viewer.type';
import { User } from '../user/user.type';

@Resolver(() => Viewer)
export class ViewerResolver {
  @Query(() => Viewer, {
    nullable: true,
    description: 'The signed-in user, or null (without an error) when the request is anonymous.',
  })
  viewer(@Ctx() ctx: Context): ViewerRecord | null {
    const actor = actorOf(ctx.viewer);
    return actor ? { userId: actor.id, role: actor.role } : null;
  }

  @FieldResolver(() => User, { description: 'The signed-in user.' })
  async user(@Root() viewer: ViewerRecord, @Ctx() ctx: Context): Promise<UserRecord> {
    const user = await ctx.services.users.getById(viewer.userId);
    // The session check read this user a moment ago; a user deleted since has no viewer.
    if (!user) throw new Error(`viewer ${viewer.userId} has no user record`);
    return user;
  }
}
