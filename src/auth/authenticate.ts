import { Types } from 'mongoose';
import type { AppDeps } from '../deps';
import { toUserRecord, type UserDocLike, type UserRecord } from '../services/records';
import type { TokenProblem } from './tokens';
import { ANONYMOUS, type Viewer } from './viewer';

export interface Authentication {
  readonly viewer: Viewer;
  /** Set when credentials were presented but grant nothing; the request then runs as anonymous. */
  readonly problem: TokenProblem | undefined;
  /** The signed-in user as read with the session, so that the request need not read it again. */
  readonly user: UserRecord | undefined;
}

const anonymous = (problem?: TokenProblem): Authentication => ({
  viewer: ANONYMOUS,
  problem,
  user: undefined,
});

const USER_PROJECTION = {
  _id: 0,
  'user._id': 1,
  'user.username': 1,
  'user.email': 1,
  'user.bio': 1,
  'user.image': 1,
  'user.role': 1,
  'user.createdAt': 1,
  'user.updatedAt': 1,
} as const satisfies Record<`user.${keyof UserDocLike}`, 1> & { _id: 0 };

const SCHEME = /^(?:Bearer|Token)[ ]+([A-Za-z0-9._~+/=-]+)$/i;

/**
 * Turns an `Authorization` header into a viewer. A token is trusted only while its session exists: one
 * query reads the session and its user together, so an ended session's token grants nothing at once, on
 * every instance.
 */
export async function authenticate(deps: AppDeps, header: string | undefined): Promise<Authentication> {
  if (header === undefined || header.trim() === '') return anonymous();
  const match = SCHEME.exec(header.trim());
  if (!match) return anonymous('TOKEN_INVALID');
  const verified = await deps.tokens.verifyAccessToken(match[1]!);
  if (!verified.ok) return anonymous(verified.problem);

  const { userId, sessionId } = verified.claims;
  const [row] = await deps.models.Session.aggregate<{ user: UserDocLike[] }>([
    {
      $match: {
        _id: new Types.ObjectId(sessionId),
        userId: new Types.ObjectId(userId),
        expiresAt: { $gt: new Date() },
      },
    },
    { $limit: 1 },
    { $lookup: { from: 'users', localField: 'userId', foreignField: '_id', as: 'user' } },
    // An allow-list: the password hash (and any secret a user document gains later) never leaves the
    // database on this path, nor do the session's refresh-token hashes, read on every request.
    { $project: USER_PROJECTION },
  ]).option({ comment: 'auth.session' });
  const userDoc = row?.user[0];
  if (!userDoc) return anonymous('SESSION_ENDED');
  const user = toUserRecord(userDoc);
  return { viewer: { kind: 'user', id: user.id, role: user.role, sessionId }, problem: undefined, user };
}
