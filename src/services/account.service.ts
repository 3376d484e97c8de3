import { requireActor, type Viewer } from '../auth/viewer';
import type { AppDeps } from '../deps';
import { UnauthenticatedError, UserInputErrors } from '../errors';
import { accountLink, emailVerificationMessage, passwordResetMessage } from '../mail/templates';
import type { AccountTokenPurpose } from '../models/account-token.model';
import { AccountTokenStore } from './account-tokens';
import { auditTarget, type AuditLog } from './audit-log';
import type { UserRecord } from './records';
import type { RequestInfo } from './session.service';
import { identityKey } from './text';
import { addressKey, AttemptThrottle } from './throttle';
import { checkEmail, checkPassword, FieldErrors } from './user-validation';
import type { UserService } from './user.service';

const BAD_RESET_LINK = 'This password reset link is invalid, used or expired. Ask for a new one.';
const BAD_VERIFICATION_LINK = 'This verification link is invalid, used or expired. Ask for a new one.';

/**
 * Account recovery and email verification, by single-use links sent by mail. Asking for mail is limited per
 * email address (or account) and per client address; every request counts, as each one sends a message.
 */
export class AccountService {
  private readonly perTarget: AttemptThrottle;
  private readonly perAddress: AttemptThrottle;
  private readonly tokens: AccountTokenStore;

  constructor(
    private readonly deps: Pick<
      AppDeps,
      'config' | 'db' | 'models' | 'passwords' | 'sessions' | 'mailer' | 'background'
    >,
    private readonly viewer: Viewer,
    private readonly users: UserService,
    private readonly request: RequestInfo,
    private readonly audit: AuditLog,
  ) {
    const { config } = deps;
    this.perTarget = new AttemptThrottle(
      deps,
      'account_mail',
      config.accountMailMaxPerEmail,
      config.accountMailWindowSeconds,
    );
    this.perAddress = new AttemptThrottle(
      deps,
      'account_mail',
      config.accountMailMaxPerAddress,
      config.accountMailWindowSeconds,
    );
    this.tokens = new AccountTokenStore(deps.models);
  }

  /**
   * Mails a reset link if an account has this email. The request does the same work either way (check the
   * address's form, count the request against both limits) and leaves finding the account, and mailing it,
   * to work it does not wait for: neither the answer nor its timing says whether the account exists.
   */
  async requestPasswordReset(email: string): Promise<void> {
    const errors = new FieldErrors();
    const { emailKey } = checkEmail(email, errors);
    if (errors.any) throw new UserInputErrors(errors.errors);
    await this.reserve(`mail:reset:${emailKey.slice(0, 320)}`);
    this.deps.background.run('password reset mail', this.request.requestId ?? null, async () => {
      const user = await this.users.getByEmailKey(emailKey);
      if (user) await this.mailLink(user, 'password-reset');
    });
  }

  /**
   * Sets a new password with a reset link's token, under the rules of sign-up, and ends every session of the
   * account: using the token up, the new password, the end of the sessions and the audit event commit together.
   */
  async resetPassword(token: string, password: string): Promise<void> {
    const errors = new FieldErrors();
    const checked = checkPassword(password, errors);
    const now = new Date();
    if (!(await this.tokens.find(token, 'password-reset', now))) errors.add('token', BAD_RESET_LINK);
    if (errors.any) throw new UserInputErrors(errors.errors);

    // Hashed before the transaction: bcrypt's time is not spent holding it, nor again on a retry.
    const passwordHash = await this.deps.passwords.hash(checked);
    await this.deps.db.transaction(async (session) => {
      const grant = await this.tokens.consume(token, 'password-reset', now, session);
      const user =
        grant && (await this.users.setPasswordHash(grant.userId, grant.emailKey, passwordHash, session));
      // Used meanwhile, or the account's email changed since the link was sent.
      if (!user) throw UserInputErrors.single('token', BAD_RESET_LINK);
      await this.deps.sessions.endOthers(user.id, null, session);
      await this.audit.record(
        { action: 'PASSWORD_RESET', actorId: user.id, target: auditTarget.user(user.id) },
        session,
      );
    });
  }

  /** Mails the signed-in user a link that verifies their current email. */
  async requestEmailVerification(): Promise<void> {
    const actor = requireActor(this.viewer);
    const user = await this.users.getById(actor.id);
    if (!user) throw new UnauthenticatedError();
    if (user.emailVerified) throw UserInputErrors.single(null, 'Your email address is already verified.');
    await this.reserve(`mail:verify:${user.id}`);
    await this.mailLink(user, 'email-verification');
  }

  /**
   * Marks the email a verification link was sent to as verified, if the account still has it. Whoever holds
   * the link proved they read that mailbox, so the payload shows the account as its owner sees it.
   */
  async verifyEmail(token: string): Promise<UserRecord> {
    const now = new Date();
    const user = await this.deps.db.transaction(async (session) => {
      const grant = await this.tokens.consume(token, 'email-verification', now, session);
      const verified = grant && (await this.users.markEmailVerified(grant.userId, grant.emailKey, session));
      if (!verified) throw UserInputErrors.single('token', BAD_VERIFICATION_LINK);
      await this.audit.record(
        { action: 'EMAIL_VERIFIED', actorId: verified.id, target: auditTarget.user(verified.id) },
        session,
      );
      return verified;
    });
    this.users.prime(user);
    this.users.actFor(user.id);
    return user;
  }

  /** A new link replaces the older ones of its purpose; the mail goes out once the token is stored. */
  private async mailLink(user: UserRecord, purpose: AccountTokenPurpose): Promise<void> {
    const { config } = this.deps;
    const validForSeconds =
      purpose === 'password-reset' ? config.passwordResetTtlSeconds : config.emailVerificationTtlSeconds;
    const grant = { userId: user.id, emailKey: identityKey(user.email) };
    const token = await this.deps.db.transaction((session) =>
      this.tokens.issue(grant, purpose, validForSeconds, session),
    );
    const recipient = {
      to: user.email,
      username: user.username,
      link: accountLink(config.publicAppUrl, purpose, token),
      validForSeconds,
    };
    await this.deps.mailer.send(
      purpose === 'password-reset' ? passwordResetMessage(recipient) : emailVerificationMessage(recipient),
    );
  }

  /** Counts a request for mail against its client address's limit, then its target's (an email, an account). */
  private async reserve(targetKey: string): Promise<void> {
    await this.perAddress.reserve([`mail:address:${addressKey(this.request.clientAddress)}`]);
    await this.perTarget.reserve([targetKey]);
  }
}
