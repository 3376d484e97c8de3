import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { SessionPayloadFields } from './session.payload';

@InputType({ description: 'Credentials to sign in with.' })
export class SignInUserInput {
  @Field(() => String, { description: 'The account email (case-insensitive).' })
  email!: string;

  @Field(() => String, { description: 'The account password.' })
  password!: string;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'A new session, or why none was started.' })
export class SignInUserPayload extends SessionPayloadFields {}

@InputType({ description: 'A refresh token to exchange.' })
export class RefreshSessionInput {
  @Field(() => String, {
    description:
      'The latest refresh token of the session; each one works once (presented again within the grace period, it gets the same answer).',
  })
  refreshToken!: string;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({
  simpleResolvers: true,
  description: 'Fresh tokens for the same session. A bad refresh token is an `UNAUTHENTICATED` error.',
})
export class RefreshSessionPayload extends SessionPayloadFields {}

@InputType({ description: 'Which sessions to end.' })
export class SignOutInput {
  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'End every session of the user, on every device, not only this one.',
  })
  allSessions?: boolean;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `signOut`.' })
export class SignOutPayload {
  @Field(() => Int, { description: 'How many sessions ended; their tokens stopped working at once.' })
  endedSessionCount!: number;

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}
