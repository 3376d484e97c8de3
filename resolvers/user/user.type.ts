import { Field, ID, ObjectType } from 'type-graphql';
import { USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH } from '../../src/services/user-validation';

@ObjectType({ simpleResolvers: true, description: 'A person with an account: their public profile.' })
export class User {
  @Field(() => ID, { description: 'Opaque id; mutations such as `followUser` take it.' })
  id!: string;

  @Field(() => String, {
    description: `Unique (case-insensitively) public name, ${USERNAME_MIN_LENGTH} to ${USERNAME_MAX_LENGTH} letters, digits, \`_\` or \`-\`.`,
  })
  username!: string;

  @Field(() => String, { nullable: true, description: 'Short self-description, or null.' })
  bio!: string | null;

  @Field(() => String, { nullable: true, description: 'http(s) URL of an avatar image, or null.' })
  image!: string | null;
}
