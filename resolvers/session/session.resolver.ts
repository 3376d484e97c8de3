import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../../src/context';
import { payload } from '../common/payload';
import { sessionPayload } from './session.payload';
import {
  RefreshSessionInput,
  RefreshSessionPayload,
  SignInUserInput,
  SignInUserPayload,
  SignOutInput,
  SignOutPayload,
} from './session.inputs';

@Resolver()
export class SessionResolver {
  @Mutation(() => SignInUserPayload, {
    description: 'Signs in with email and password. Repeated failures are throttled (`RATE_LIMITED`).',
  })
  signInUser(
    @Arg('input', () => SignInUserInput, { description: 'The credentials.' }) input: SignInUserInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, async () =>
      sessionPayload(await ctx.services.sessions.signIn({ email: input.email, password: input.password })),
    );
  }

  @Mutation(() => RefreshSessionPayload, {
    description:
      'Exchanges a refresh token for new tokens. A token used again ends its whole session, except within a few seconds of its first use (REFRESH_REUSE_GRACE_SECONDS), when the same new refresh token comes back with an access token of the same session.',
  })
  refreshSession(
    @Arg('input', () => RefreshSessionInput, { description: 'The refresh token to exchange.' })
    input: RefreshSessionInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, async () =>
      sessionPayload(await ctx.services.sessions.refresh(input.refreshToken)),
    );
  }

  @Authorized()
  @Mutation(() => SignOutPayload, { description: 'Ends the current session, or all of them.' })
  async signOut(
    @Arg('input', () => SignOutInput, { description: 'Which sessions to end.' }) input: SignOutInput,
    @Ctx() ctx: Context,
  ) {
    const endedSessionCount = await ctx.services.sessions.signOut(input.allSessions ?? false);
    return { endedSessionCount, clientMutationId: input.clientMutationId ?? null };
  }
}
