import { Types, type ClientSession } from 'mongoose';
import { apiKeyDisplayPrefix, hashApiKeySecret, newApiKeySecret } from '../auth/api-key-secret';
import { isApiScope } from '../auth/api-scopes';
import { requireSession, type Actor, type Viewer } from '../auth/viewer';
import type { AppDeps } from '../deps';
import { NotFoundError, UnauthenticatedError, UserInputErrors } from '../errors';
import type { ApiKeyRecord } from './api-key-store';
import { auditTarget, type AuditLog } from './audit-log';
import { charLength, isObjectIdHex, normalize, textProblem } from './text';
import { FieldErrors } from './user-validation';

export const API_KEY_NAME_MAX_LENGTH = 100;
export const API_KEY_MAX_EXPIRES_IN_DAYS = 3650;

const DAY_MS = 24 * 3600 * 1000;

export interface CreateApiKeyInput {
  readonly name: string;
  readonly scopes: readonly string[];
  /** Absent or null: the key does not expire. */
  readonly expiresInDays?: number | null | undefined;
}

export interface CreatedApiKey {
  readonly apiKey: ApiKeyRecord;
  /** The secret, shown this once: only its hash is stored. */
  readonly secret: string;
}

/**
 * A user's API keys: creating, listing and revoking them. Only the account holder signed in with a session may
 * (never a key: a leaked key must not mint or keep alive others). Each change and its audit event commit
 * together.
 */
export class ApiKeyService {
  constructor(
    private readonly deps: Pick<AppDeps, 'config' | 'db' | 'models' | 'apiKeys'>,
    private readonly viewer: Viewer,
    private readonly audit: AuditLog,
  ) {}

  async create(input: CreateApiKeyInput, now = new Date()): Promise<CreatedApiKey> {
    const actor = requireSession(this.viewer);
    const errors = new FieldErrors();
    const name = normalize(input.name);
    const problem = textProblem(name, 'identifier');
    if (problem) errors.add('name', `Name ${problem}.`);
    else if (name === '' || charLength(name) > API_KEY_NAME_MAX_LENGTH)
      errors.add('name', `Name must be 1 to ${API_KEY_NAME_MAX_LENGTH} characters.`);
    const scopes = [...new Set(input.scopes)].filter(isApiScope);
    if (scopes.length === 0 || scopes.length !== new Set(input.scopes).size)
      errors.add('scopes', 'Give at least one scope, each one of the ApiScope values.');
    const days = input.expiresInDays ?? null;
    if (days !== null && (!Number.isInteger(days) || days < 1 || days > API_KEY_MAX_EXPIRES_IN_DAYS))
      errors.add(
        'expiresInDays',
        `Expiry must be 1 to ${API_KEY_MAX_EXPIRES_IN_DAYS} days, or null for none.`,
      );
    if (errors.any) throw new UserInputErrors(errors.errors);

    // Made once, outside the transaction: a retried attempt stores the same secret it will return.
    const secret = newApiKeySecret();
    const expiresAt = days === null ? null : new Date(now.getTime() + days * DAY_MS);
    const max = this.deps.config.apiKeysMaxActivePerUser;
    const apiKey = await this.deps.db.transaction(async (session) => {
      await this.lockKeysOf(actor, session);
      if ((await this.deps.apiKeys.countActive(actor.id, now, session)) >= max) {
        throw UserInputErrors.single(
          null,
          `You have ${max} active API keys, the most allowed. Revoke one before creating another.`,
        );
      }
      const created = await this.deps.apiKeys.create(
        {
          userId: actor.id,
          name,
          prefix: apiKeyDisplayPrefix(secret),
          secretHash: hashApiKeySecret(secret),
          scopes,
          expiresAt,
          createdAt: now,
        },
        session,
      );
      await this.audit.record(
        {
          action: 'API_KEY_CREATED',
          actorId: actor.id,
          target: auditTarget.apiKey(created.id),
          detail: `scopes ${scopes.join(',')}${expiresAt ? `, expires ${expiresAt.toISOString()}` : ''}`,
        },
        session,
      );
      return created;
    });
    return { apiKey, secret };
  }

  /** The viewer's keys, newest first, with revoked and expired ones for a while after they ended. */
  async list(): Promise<ApiKeyRecord[]> {
    const actor = requireSession(this.viewer);
    return this.deps.apiKeys.listByUser(actor.id);
  }

  /**
   * Revokes one of the viewer's keys; from the next request on, on every instance, it grants nothing. A key
   * already revoked is returned as it is. Another user's key is NOT_FOUND: nothing shows its id to the viewer.
   */
  async revoke(id: string, now = new Date()): Promise<ApiKeyRecord> {
    const actor = requireSession(this.viewer);
    if (!isObjectIdHex(id)) throw new NotFoundError('API key');
    return this.deps.db.transaction(async (session) => {
      await this.lockKeysOf(actor, session);
      const revoked = await this.deps.apiKeys.revoke(id, actor.id, now, session);
      if (!revoked) {
        const existing = await this.deps.apiKeys.byIdOfUser(id, actor.id, session);
        if (!existing) throw new NotFoundError('API key');
        return existing;
      }
      await this.audit.record(
        { action: 'API_KEY_REVOKED', actorId: actor.id, target: auditTarget.apiKey(revoked.id) },
        session,
      );
      return revoked;
    });
  }

  /**
   * Writes the user's document in the transaction, so that concurrent changes to one user's keys conflict
   * and MongoDB runs them one after the other: two creations cannot both count the same free place.
   */
  private async lockKeysOf(actor: Actor, session: ClientSession): Promise<void> {
    const result = await this.deps.models.User.updateOne(
      { _id: new Types.ObjectId(actor.id) },
      { $inc: { apiKeyVersion: 1 } },
      { session, timestamps: false },
    ).comment('users.lockApiKeys');
    if (result.matchedCount === 0) throw new UnauthenticatedError();
  }
}
