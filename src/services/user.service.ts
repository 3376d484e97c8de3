import type DataLoader from 'dataloader';
import { Types, type ClientSession } from 'mongoose';
import { actorOf, hasRole, requireActor, sessionIdOf, type Viewer } from '../auth/viewer';
import type { AppDeps } from '../deps';
import { UnauthenticatedError, UserInputErrors } from '../errors';
import { byIdLoader, byUniqueKeyLoader, LoaderScope } from '../loaders';
import type { UserDoc } from '../models/user.model';
import { AccountTokenStore } from './account-tokens';
import { auditTarget, type AuditLog } from './audit-log';
import { duplicateKeyField } from './mongo-errors';
import { toUserRecord, USER_RECORD_FIELDS, type UserRecord } from './records';
import { identityKey, isObjectIdHex, normalize } from './text';
import {
  checkBio,
  checkEmail,
  checkImageUrl,
  checkPassword,
  checkUsername,
  FieldErrors,
} from './user-validation';

export interface UpdateUserInput {
  readonly username: string;
  readonly email: string;
  readonly bio?: string | null | undefined;
  readonly image?: string | null | undefined;
  readonly password?: string | null | undefined;
}

const TAKEN: Record<string, { path: string; message: string }> = {
  usernameKey: { path: 'username', message: 'Username has already been taken.' },
  emailKey: { path: 'email', message: 'Email has already been taken.' },
};

/** Users and their public profile, per request. */
export class UserService {
  private readonly byId: DataLoader<string, UserRecord | null>;
  private readonly byUsernameKey: DataLoader<string, UserRecord | null>;
  /** Users this request acts for: the viewer, and a user who signs in or up during the request. */
  private readonly selves = new Set<string>();
  private readonly accountTokens: AccountTokenStore;

  constructor(
    private readonly deps: Pick<AppDeps, 'db' | 'models' | 'passwords' | 'sessions'>,
    private readonly viewer: Viewer,
    private readonly audit: AuditLog,
    scope: LoaderScope = LoaderScope.none,
  ) {
    const { User } = deps.models;
    this.accountTokens = new AccountTokenStore(deps.models);
    const actor = actorOf(viewer);
    if (actor) this.selves.add(actor.id);
    const byId = scope.shared('users.byId', () =>
      byIdLoader(User, toUserRecord, 'users.byId', USER_RECORD_FIELDS),
    );
    this.byId = byId;
    this.byUsernameKey = scope.shared('users.byUsername', () =>
      byUniqueKeyLoader(
        User,
        'usernameKey',
        (doc: UserDoc) => doc.usernameKey,
        toUserRecord,
        'users.byUsername',
        {
          projection: USER_RECORD_FIELDS,
          onLoad: (user) => byId.prime(user.id, user),
        },
      ),
    );
  }

  async getById(id: string): Promise<UserRecord | null> {
    return isObjectIdHex(id) ? this.byId.load(id) : null;
  }

  async getByUsername(username: string): Promise<UserRecord | null> {
    return this.byUsernameKey.load(identityKey(normalize(username)));
  }

  /** Makes a record read elsewhere (with the session, after a write) visible to this request's loaders. */
  prime(user: UserRecord): void {
    this.byId.clear(user.id).prime(user.id, user);
    const key = identityKey(user.username);
    this.byUsernameKey.clear(key).prime(key, user);
  }

  /** After a sign-in or sign-up, the payload shows the new session's user as its owner sees it. */
  actFor(userId: string): void {
    this.selves.add(userId);
  }

  /** An email, and whether it is verified, are shown to its owner and to admins only. */
  private seesPrivateFields(user: UserRecord): boolean {
    return this.selves.has(user.id) || hasRole(this.viewer, 'admin');
  }

  visibleEmail(user: UserRecord): string | null {
    return this.seesPrivateFields(user) ? user.email : null;
  }

  visibleEmailVerified(user: UserRecord): boolean | null {
    return this.seesPrivateFields(user) ? user.emailVerified : null;
  }

  /** The user whose email has this key (`identityKey` of the address), if any. */
  async getByEmailKey(emailKey: string): Promise<UserRecord | null> {
    const doc = await this.deps.models.User.findOne({ emailKey }, USER_RECORD_FIELDS)
      .comment('users.byEmail')
      .lean();
    if (!doc) return null;
    const user = toUserRecord(doc);
    this.prime(user);
    return user;
  }

  /**
   * Inside a reset's transaction: sets the password hash (made by `passwords.hash` from a password that
   * passed `checkPassword`), if the account still has the email the reset link was sent to.
   */
  async setPasswordHash(
    userId: string,
    emailKey: string,
    passwordHash: string,
    session: ClientSession,
  ): Promise<UserRecord | null> {
    return this.writeOne(userId, emailKey, { passwordHash }, 'users.resetPassword', session);
  }

  /** Inside a verification's transaction: marks the email verified, if it is still the one the link went to. */
  async markEmailVerified(
    userId: string,
    emailKey: string,
    session: ClientSession,
  ): Promise<UserRecord | null> {
    return this.writeOne(userId, emailKey, { emailVerified: true }, 'users.verifyEmail', session);
  }

  private async writeOne(
    userId: string,
    emailKey: string,
    set: { passwordHash: string } | { emailVerified: true },
    tag: string,
    session: ClientSession,
  ): Promise<UserRecord | null> {
    const doc = await this.deps.models.User.findOneAndUpdate(
      { _id: new Types.ObjectId(userId), emailKey },
      { $set: set },
      { returnDocument: 'after', session, projection: USER_RECORD_FIELDS },
    )
      .comment(tag)
      .lean();
    if (!doc) return null;
    const user = toUserRecord(doc);
    this.prime(user);
    return user;
  }

  /** Creates an account; uniqueness is the unique indexes' job, so a race yields one user and one error. */
  async create(input: { username: string; email: string; password: string }): Promise<UserRecord> {
    const errors = new FieldErrors();
    const { username, usernameKey } = checkUsername(input.username, errors);
    const { email, emailKey } = checkEmail(input.email, errors);
    const password = checkPassword(input.password, errors);
    if (errors.any) throw new UserInputErrors(errors.errors);

    const passwordHash = await this.deps.passwords.hash(password);
    try {
      const doc = await this.deps.models.User.create({
        username,
        usernameKey,
        email,
        emailKey,
        passwordHash,
        role: 'user',
      });
      const user = toUserRecord(doc);
      this.prime(user);
      return user;
    } catch (error) {
      throw takenError(error);
    }
  }

  async update(input: UpdateUserInput): Promise<UserRecord> {
    const actor = requireActor(this.viewer);
    const errors = new FieldErrors();
    const { username, usernameKey } = checkUsername(input.username, errors);
    const { email, emailKey } = checkEmail(input.email, errors);
    // Built field by field: nothing from the input object reaches the update unchecked.
    const set: Record<string, unknown> = { username, usernameKey, email, emailKey };
    // A new address is not verified, whatever the old one was (the viewer's record was read with the session).
    const current = await this.getById(actor.id);
    if (current && identityKey(current.email) !== emailKey) set['emailVerified'] = false;
    if (input.bio != null) set['bio'] = checkBio(input.bio, errors);
    if (input.image != null) set['image'] = checkImageUrl(input.image, errors);
    const changesPassword = input.password != null && input.password !== '';
    const password = changesPassword ? checkPassword(input.password, errors) : null;
    if (errors.any) throw new UserInputErrors(errors.errors);
    if (password !== null) set['passwordHash'] = await this.deps.passwords.hash(password);

    const write = (session?: ClientSession) =>
      this.deps.models.User.findByIdAndUpdate(actor.id, { $set: set }, { returnDocument: 'after', session })
        .comment('users.update')
        .lean();
    try {
      const doc =
        password === null
          ? await write()
          : // A new password signs out every other device, in the same transaction: whoever learnt the old
            // one may hold a session made with it. The session that changed the password stays.
            await this.deps.db.transaction(async (session) => {
              const updated = await write(session);
              if (!updated) return updated;
              await this.deps.sessions.endOthers(actor.id, sessionIdOf(this.viewer), session);
              // A reset link sent before the change would otherwise undo it.
              await this.accountTokens.revoke(actor.id, 'password-reset', session);
              await this.audit.record(
                { action: 'PASSWORD_CHANGED', actorId: actor.id, target: auditTarget.user(actor.id) },
                session,
              );
              return updated;
            });
      if (!doc) throw new UnauthenticatedError();
      const user = toUserRecord(doc);
      this.prime(user);
      return user;
    } catch (error) {
      throw takenError(error);
    }
  }
}

function takenError(error: unknown): unknown {
  const field = duplicateKeyField(error);
  const taken = field === null ? undefined : TAKEN[field];
  return taken ? UserInputErrors.single(taken.path, taken.message) : error;
}
