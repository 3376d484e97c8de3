import type { NonEmptyArray } from 'type-graphql';
import { SessionResolver } from './session/session.resolver';
import { UserResolver } from './user/user.resolver';
import { ViewerResolver } from './viewer/viewer.resolver';

export { authChecker } from './auth-checker';

/** Every resolver of the schema. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [ViewerResolver, UserResolver, SessionResolver];
