import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { ROLES, type Role as RoleName } from '../../src/auth/roles';
import { User } from '../user/user.type';

/** What each role may do, as the schema tells it; a role added to ROLES does not compile until described. */
const ROLE_DESCRIPTIONS: Readonly<Record<RoleName, string>> = {
  user: 'Manages their own account, articles and comments.',
  moderator: 'Also deletes any article or comment.',
  admin: 'Everything a moderator may do, and sees every email address.',
};

/** The GraphQL enum of the stored roles, built from ROLES: each value is named and valued as stored. */
export const Role = Object.fromEntries(ROLES.map((role) => [role, role])) as { readonly [R in RoleName]: R };
registerEnumType(Role, {
  name: 'Role',
  description: 'What a user may do beyond their own content.',
  valuesConfig: Object.fromEntries(ROLES.map((role) => [role, { description: ROLE_DESCRIPTIONS[role] }])),
});

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
