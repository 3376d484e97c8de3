import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../../src/context';
import { payload } from '../common/payload';
import {
  RequestEmailVerificationInput,
  RequestEmailVerificationPayload,
  RequestPasswordResetInput,
  RequestPasswordResetPayload,
  ResetPasswordInput,
  ResetPasswordPayload,
  VerifyEmailInput,
  VerifyEmailPayload,
} from './account.inputs';

@Resolver()
export class AccountResolver {
  @Mutation(() => RequestPasswordResetPayload, {
    description:
      'Mails a single-use password reset link, if an account has this email; the answer is the same either way. Limited per email and per client address (`RATE_LIMITED`).',
  })
  requestPasswordReset(
    @Arg('input', () => RequestPasswordResetInput, { description: 'Whose password to reset.' })
    input: RequestPasswordResetInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, async () => {
      await ctx.services.accounts.requestPasswordReset(input.email);
      return {};
    });
  }

  @Mutation(() => ResetPasswordPayload, {
    description:
      "Sets a new password with a reset link's token, once, and ends every session of the account.",
  })
  resetPassword(
    @Arg('input', () => ResetPasswordInput, { description: 'The token and the new password.' })
    input: ResetPasswordInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, async () => {
      await ctx.services.accounts.resetPassword(input.token, input.password);
      return {};
    });
  }

  @Authorized()
  @Mutation(() => RequestEmailVerificationPayload, {
    description:
      'Mails the signed-in user a single-use link that verifies their email. Limited like `requestPasswordReset`.',
  })
  requestEmailVerification(
    @Arg('input', () => RequestEmailVerificationInput, { description: 'Nothing but `clientMutationId`.' })
    input: RequestEmailVerificationInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, async () => {
      await ctx.services.accounts.requestEmailVerification();
      return {};
    });
  }

  @Mutation(() => VerifyEmailPayload, {
    description: "Verifies the email a verification link was sent to, with the link's token, once.",
  })
  verifyEmail(
    @Arg('input', () => VerifyEmailInput, { description: "The link's token." }) input: VerifyEmailInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, async () => ({
      user: await ctx.services.accounts.verifyEmail(input.token),
    }));
  }
}
