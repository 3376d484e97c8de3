import { Field, InputType, ObjectType } from 'type-graphql';
import { UserError } from '../common/payload';
import { User } from './user.type';
import { SessionPayloadFields } from '../session/session.payload';

@InputType({ description: 'A new account.' })
export class CreateUserInput {
  @Field(() => String, { description: '3 to 32 letters, digits, `_` or `-`; unique case-insensitively.' })
  username!: string;

  @Field(() => String, { description: 'Unique case-insensitively; shown only to its owner and admins.' })
  email!: string;

  @Field(() => String, { description: '8 to 256 characters; every character counts.' })
  password!: string;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The new account, signed in.' })
export class CreateUserPayload extends SessionPayloadFields {
  @Field(() => User, { nullable: true, description: 'The new user; null when `errors` is not empty.' })
  user?: unknown;
}

@InputType({ description: 'New settings for the signed-in user.' })
export class UpdateUserInput {
  @Field(() => String, { description: 'The username; the current one is not a clash.' })
  username!: string;

  @Field(() => String, { description: 'The email; the current one is not a clash.' })
  email!: string;

  @Field(() => String, { nullable: true, description: 'New bio; null keeps it, `""` clears it.' })
  bio?: string | null;

  @Field(() => String, { nullable: true, description: 'New image URL; null keeps it, `""` clears it.' })
  image?: string | null;

  @Field(() => String, { nullable: true, description: 'New password; null or `""` keeps the current one.' })
  password?: string | null;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `updateUser`.' })
export class UpdateUserPayload {
  @Field(() => User, { nullable: true, description: 'The updated user; null when `errors` is not empty.' })
  user?: unknown;

  @Field(() => [UserError], { description: 'Expected mistakes in the input; empty on success.' })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}
