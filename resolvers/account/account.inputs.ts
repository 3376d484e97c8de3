import { Field, InputType, ObjectType } from 'type-graphql';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../src/auth/passwords';
import { UserError } from '../common/payload';
import { User } from '../user/user.type';

@InputType({ description: 'Whose password to reset.' })
export class RequestPasswordResetInput {
  @Field(() => String, { description: 'The email address of the account (case-insensitive).' })
  email!: string;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({
  simpleResolvers: true,
  description: 'The outcome of `requestPasswordReset`: the same whether or not an account has the email.',
})
export class RequestPasswordResetPayload {
  @Field(() => [UserError], { description: 'Expected mistakes in the input; empty on success.' })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

@InputType({ description: "A reset link's token and the new password." })
export class ResetPasswordInput {
  @Field(() => String, { description: 'The token of the reset link (after `#token=`).' })
  token!: string;

  @Field(() => String, {
    description: `The new password, ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters; every character counts.`,
  })
  password!: string;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `resetPassword`.' })
export class ResetPasswordPayload {
  @Field(() => [UserError], {
    description: 'Expected mistakes (`token`: invalid, used or expired; `password`); empty on success.',
  })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

@InputType({ description: 'Nothing to give: the link goes to the signed-in user.' })
export class RequestEmailVerificationInput {
  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `requestEmailVerification`.' })
export class RequestEmailVerificationPayload {
  @Field(() => [UserError], {
    description: 'Expected mistakes (the email is verified already); empty on success.',
  })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

@InputType({ description: "A verification link's token." })
export class VerifyEmailInput {
  @Field(() => String, { description: 'The token of the verification link (after `#token=`).' })
  token!: string;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `verifyEmail`.' })
export class VerifyEmailPayload {
  @Field(() => User, {
    nullable: true,
    description: 'The user whose email is now verified; null when `errors` is not empty.',
  })
  user?: unknown;

  @Field(() => [UserError], {
    description: 'Expected mistakes (`token`: invalid, used or expired); empty on success.',
  })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}
