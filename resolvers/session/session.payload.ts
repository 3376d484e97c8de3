import { Field, ObjectType } from 'type-graphql';
import type { SessionTokens } from '../../src/services/records';
import { UserError } from '../common/payload';
import { ISO8601DateTime } from '../common/scalars';
import { Viewer, type ViewerRecord } from '../viewer/viewer.type';

/** The fields of every payload that starts or renews a session: sign-up, sign-in and refresh. */
@ObjectType({ simpleResolvers: true })
export abstract class SessionPayloadFields {
  @Field(() => String, { nullable: true, description: 'Access token for `Authorization: Token …`.' })
  token?: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Refresh token for `refreshSession`; keep it secret. Each one works once (see `refreshSession`).',
  })
  refreshToken?: string;

  @Field(() => ISO8601DateTime, { nullable: true, description: 'When `token` expires.' })
  tokenExpiresAt?: Date;

  @Field(() => Viewer, { nullable: true, description: "The session's user as the viewer." })
  viewer?: unknown;

  @Field(() => [UserError], { description: 'Expected mistakes in the input; empty on success.' })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

/** The fields every session-issuing payload shares. */
export function sessionPayload(tokens: SessionTokens) {
  const viewer: ViewerRecord = { userId: tokens.user.id, role: tokens.user.role };
  return {
    user: tokens.user,
    token: tokens.token,
    refreshToken: tokens.refreshToken,
    tokenExpiresAt: tokens.tokenExpiresAt,
    viewer,
  };
}
