import type DataLoader from 'dataloader';
import { Types } from 'mongoose';
import { actorOf, requireActor, type Viewer } from '../auth/viewer';
import type { AppDeps } from '../deps';
import { BadUserInputError, NotFoundError } from '../errors';
import { countByLoader, LoaderScope } from '../loaders';
import type { FollowDoc } from '../models/follow.model';
import { duplicateKeyField } from './mongo-errors';
import { keysetPage, pageLoader, type CursorCodec, type PageArgs, type PageQuery } from './pagination';
import type { Connection, UserRecord } from './records';
import type { UserService } from './user.service';

/** Who follows whom, per request. */
export class FollowService {
  private readonly followersCount: DataLoader<string, number>;
  private readonly followedByViewer: DataLoader<string, boolean> | undefined;
  private readonly pages: DataLoader<PageQuery, FollowDoc[]>;

  constructor(
    private readonly deps: Pick<AppDeps, 'models'>,
    private readonly viewer: Viewer,
    private readonly users: UserService,
    private readonly cursors: CursorCodec,
    scope: LoaderScope = LoaderScope.none,
  ) {
    const { Follow } = deps.models;
    this.followersCount = scope.shared('follows.countByFollowee', () =>
      countByLoader(Follow, 'followeeId', 'follows.countByFollowee'),
    );
    this.pages = pageLoader<FollowDoc>(Follow, 'follows.page');
    const actor = actorOf(viewer);
    if (actor) {
      this.followedByViewer = scope.viewerPairs(
        Follow,
        'followerId',
        actor.id,
        'followeeId',
        'follows.byViewer',
      );
    }
  }

  isFollowedByViewer(user: UserRecord): Promise<boolean> {
    return this.followedByViewer?.load(user.id) ?? Promise.resolve(false);
  }

  /** The ids of the users a user follows (a feed's authors). */
  async followeeIds(userId: string): Promise<string[]> {
    const ids = await this.deps.models.Follow.distinct('followeeId', {
      followerId: new Types.ObjectId(userId),
    }).comment('follows.followeeIdsByUser');
    return ids.map((id) => id.toHexString());
  }

  /** A user's followers, most recent first. */
  followers(user: UserRecord, page: PageArgs): Promise<Connection<UserRecord | null>> {
    return keysetPage<FollowDoc, UserRecord | null>({
      pages: this.pages,
      filter: { followeeId: new Types.ObjectId(user.id) },
      sortField: 'createdAt',
      list: `followers:${user.id}`,
      args: page,
      codec: this.cursors,
      // Follows go with their users; should one outlive its user, that edge shows no node rather than
      // failing the whole list.
      toNode: (doc) => this.users.getById(doc.followerId.toHexString()),
      count: () => this.followersCount.load(user.id),
    });
  }

  /** Idempotent: following twice, even at the same moment, follows once. */
  async follow(userId: string): Promise<UserRecord> {
    const { followerId, followee } = await this.target(userId);
    const key = { followerId: new Types.ObjectId(followerId), followeeId: new Types.ObjectId(followee.id) };
    try {
      await this.deps.models.Follow.updateOne(key, { $setOnInsert: key }, { upsert: true }).comment(
        'follows.add',
      );
    } catch (error) {
      // Concurrent upserts may both try to insert; the unique index lets exactly one win.
      if (duplicateKeyField(error) === null) throw error;
    }
    this.followersCount.clear(followee.id);
    this.followedByViewer?.clear(followee.id).prime(followee.id, true);
    return followee;
  }

  async unfollow(userId: string): Promise<UserRecord> {
    const { followerId, followee } = await this.target(userId);
    await this.deps.models.Follow.deleteOne({
      followerId: new Types.ObjectId(followerId),
      followeeId: new Types.ObjectId(followee.id),
    }).comment('follows.remove');
    this.followersCount.clear(followee.id);
    this.followedByViewer?.clear(followee.id).prime(followee.id, false);
    return followee;
  }

  private async target(userId: string): Promise<{ followerId: string; followee: UserRecord }> {
    const actor = requireActor(this.viewer);
    const followee = await this.users.getById(userId);
    if (!followee) throw new NotFoundError('User');
    if (followee.id === actor.id) throw new BadUserInputError('You cannot follow yourself.', 'id');
    return { followerId: actor.id, followee };
  }
}
