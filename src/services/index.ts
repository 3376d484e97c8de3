import type { Viewer } from '../auth/viewer';
import type { AppDeps } from '../deps';
import { AccountService } from './account.service';
import { ApiKeyService } from './api-key.service';
import { ArticleService } from './article.service';
import { AuditLog } from './audit-log';
import { AuditService } from './audit.service';
import { CommentService } from './comment.service';
import { FollowService } from './follow.service';
import { LoaderScope } from '../loaders';
import { CursorCodec } from './pagination';
import { SessionService, type RequestInfo } from './session.service';
import { UserService } from './user.service';
import { WebhookService } from './webhook.service';

export interface Services {
  readonly users: UserService;
  readonly sessions: SessionService;
  readonly articles: ArticleService;
  readonly comments: CommentService;
  readonly follows: FollowService;
  readonly audit: AuditService;
  readonly accounts: AccountService;
  readonly apiKeys: ApiKeyService;
  readonly webhooks: WebhookService;
}

/**
 * The services of one request, built from its viewer, each owning fresh DataLoaders. Each is made on first
 * use: most requests touch one or two of them, and a request that touches none pays for none.
 */
export function createServices(
  deps: AppDeps,
  viewer: Viewer,
  request: RequestInfo,
  scope: LoaderScope = LoaderScope.none,
): Services {
  let cursors: CursorCodec | undefined;
  let users: UserService | undefined;
  let sessions: SessionService | undefined;
  let articles: ArticleService | undefined;
  let comments: CommentService | undefined;
  let follows: FollowService | undefined;
  let audit: AuditService | undefined;
  let accounts: AccountService | undefined;
  let apiKeys: ApiKeyService | undefined;
  let webhooks: WebhookService | undefined;
  let auditLog: AuditLog | undefined;
  const codec = () => (cursors ??= new CursorCodec(deps.tokens.cursorKey));
  // The request's events name its client address and id.
  const log = () =>
    (auditLog ??= new AuditLog(deps, {
      clientAddress: request.clientAddress,
      requestId: request.requestId ?? null,
    }));
  return {
    get users() {
      return (users ??= new UserService(deps, viewer, log(), scope));
    },
    get sessions() {
      return (sessions ??= new SessionService(deps, viewer, this.users, request, log()));
    },
    get articles() {
      return (articles ??= new ArticleService(deps, viewer, this.users, this.follows, codec(), log(), scope));
    },
    get comments() {
      return (comments ??= new CommentService(deps, viewer, this.articles, this.users, log(), scope));
    },
    get follows() {
      return (follows ??= new FollowService(deps, viewer, this.users, codec(), scope));
    },
    get audit() {
      return (audit ??= new AuditService(viewer, this.users, log(), codec()));
    },
    get accounts() {
      return (accounts ??= new AccountService(deps, viewer, this.users, request, log()));
    },
    get apiKeys() {
      return (apiKeys ??= new ApiKeyService(deps, viewer, log()));
    },
    get webhooks() {
      return (webhooks ??= new WebhookService(deps, viewer, codec(), log()));
    },
  };
}

export type { RequestInfo };
