import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { UserError } from '../common/payload';
import { ISO8601DateTime } from '../common/scalars';
import { Viewer } from '../viewer/viewer.type';

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
export class SignInUserPayload {
  @Field(() => String, { nullable: true, description: 'Access token for `Authorization: Token …`.' })
  token?: string;

  @Field(() => String, { nullable: true, description: 'Refresh token for `refreshSession`; keep it secret.' })
  refreshToken?: string;

  @Field(() => ISO8601DateTime, { nullable: true, description: 'When `token` expires.' })
  tokenExpiresAt?: Date;

  @Field(() => Viewer, { nullable: true, description: 'The signed-in user as the viewer.' })
  viewer?: unknown;

  @Field(() => [UserError], { description: 'Why sign-in failed; empty on success.' })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

@InputType({ description: 'A refresh token to exchange.' })
export class RefreshSessionInput {
  @Field(() => String, { description: 'The latest refresh token of the session; each one works once.' })
  refreshToken!: string;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'Fresh tokens for the same session.' })
export class RefreshSessionPayload {
  @Field(() => String, { nullable: true, description: 'New access token.' })
  token?: string;

  @Field(() => String, {
    nullable: true,
    description: 'New refresh token; the one presented no longer works.',
  })
  refreshToken?: string;

  @Field(() => ISO8601DateTime, { nullable: true, description: 'When `token` expires.' })
  tokenExpiresAt?: Date;

  @Field(() => Viewer, { nullable: true, description: "The session's user as the viewer." })
  viewer?: unknown;

  @Field(() => [UserError], {
    description: 'Always empty: a bad refresh token is an `UNAUTHENTICATED` error.',
  })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

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
