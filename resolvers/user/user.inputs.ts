import { Field, InputType, ObjectType } from 'type-graphql';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../src/auth/passwords';
import {
  BIO_MAX_LENGTH,
  URL_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
  USERNAME_MIN_LENGTH,
} from '../../src/services/user-validation';
import { UserError } from '../common/payload';
import { User } from './user.type';
import { SessionPayloadFields } from '../session/session.payload';
import { count } from '../common/describe';

@InputType({ description: 'A new account.' })
export class CreateUserInput {
  @Field(() => String, {
    description: `${USERNAME_MIN_LENGTH} to ${USERNAME_MAX_LENGTH} letters, digits, \`_\` or \`-\`; unique case-insensitively.`,
  })
  username!: string;

  @Field(() => String, { description: 'Unique case-insensitively; shown only to its owner and admins.' })
  email!: string;

  @Field(() => String, {
    description: `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters; every character counts.`,
  })
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

  @Field(() => String, {
    nullable: true,
    description: `New bio, at most ${count(BIO_MAX_LENGTH)} characters; null keeps it, \`""\` clears it.`,
  })
  bio?: string | null;

  @Field(() => String, {
    nullable: true,
    description: `New http(s) image URL, at most ${count(URL_MAX_LENGTH)} characters; null keeps it, \`""\` clears it.`,
  })
  image?: string | null;

  @Field(() => String, {
    nullable: true,
    description: `New password, ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters; null or \`""\` keeps the current one.`,
  })
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
