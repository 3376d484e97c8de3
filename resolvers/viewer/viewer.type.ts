import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { ROLES, type Role as RoleName } from '../../src/auth/roles';
import { User } from '../user/user.type';

export enum Role {
  user = 'user',
  moderator = 'moderator',
  admin = 'admin',
}
registerEnumType(Role, {
  name: 'Role',
  description: 'What a user may do beyond their own content.',
  valuesConfig: {
    user: { description: 'Manages their own account, articles and comments.' },
    moderator: { description: 'Also deletes any article or comment.' },
    admin: { description: 'Everything a moderator may do, and sees every email address.' },
  },
});
// The GraphQL enum and the stored roles are the same set.
const _sameRoles: readonly RoleName[] = ROLES satisfies readonly `${Role}`[];
void _sameRoles;

/** What the schema knows of the viewer: who they are; lists relative to them resolve in field resolvers. */
export interface ViewerRecord {
  readonly userId: string;
  readonly role: RoleName;
}

@ObjectType({ simpleResolvers: true, description: 'The signed-in user and what is theirs to see.' })
export class Viewer {
  @Field(() => User, { description: 'The signed-in user.' })
  user!: unknown;

  @Field(() => Role, { description: "The signed-in user's role." })
  role!: RoleName;
}
