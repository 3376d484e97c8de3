import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../src/context';
import type { UserRecord } from '../../src/services/records';
import { payload } from '../common/payload';
import { sessionPayload } from '../session/session.payload';
import { CreateUserInput, CreateUserPayload, UpdateUserInput, UpdateUserPayload } from './user.inputs';
import { User } from './user.type';

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, {
    nullable: true,
    description: 'The user with this username (case-insensitive), or null.',
  })
  user(
    @Arg('username', () => String, { description: 'The username, in any case.' }) username: string,
    @Ctx() ctx: Context,
  ): Promise<UserRecord | null> {
    return ctx.services.users.getByUsername(username);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'The email address: shown to the user themself and to admins, null for everyone else.',
  })
  email(@Root() user: UserRecord, @Ctx() ctx: Context): string | null {
    return ctx.services.users.visibleEmail(user);
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description:
      'Whether the user proved the email is theirs (false until then, and again after a change): shown like `email`, null for everyone else.',
  })
  emailVerified(@Root() user: UserRecord, @Ctx() ctx: Context): boolean | null {
    return ctx.services.users.visibleEmailVerified(user);
  }

  @Mutation(() => CreateUserPayload, { description: 'Registers an account and signs it in.' })
  createUser(
    @Arg('input', () => CreateUserInput, { description: 'The new account.' }) input: CreateUserInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, async () =>
      sessionPayload(
        await ctx.services.sessions.signUp({
          username: input.username,
          email: input.email,
          password: input.password,
        }),
      ),
    );
  }

  @Authorized()
  @Mutation(() => UpdateUserPayload, { description: "Changes the signed-in user's settings." })
  updateUser(
    @Arg('input', () => UpdateUserInput, { description: 'The new settings.' }) input: UpdateUserInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, async () => ({
      user: await ctx.services.users.update({
        username: input.username,
        email: input.email,
        bio: input.bio,
        image: input.image,
        password: input.password,
      }),
    }));
  }
}
