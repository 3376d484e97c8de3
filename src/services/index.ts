import type { Viewer } from '../auth/viewer';
import type { AppDeps } from '../deps';
import { ArticleService } from './article.service';
import { CommentService } from './comment.service';
import { FollowService } from './follow.service';
import { CursorCodec } from './pagination';
import { SessionService, type RequestInfo } from './session.service';
import { UserService } from './user.service';

export interface Services {
  readonly users: UserService;
  readonly sessions: SessionService;
  readonly articles: ArticleService;
  readonly comments: CommentService;
  readonly follows: FollowService;
}

/**
 * The services of one request, built from its viewer, each owning fresh DataLoaders. Each is made on first
 * use: most requests touch one or two of them, and a request that touches none pays for none.
 */
export function createServices(deps: AppDeps, viewer: Viewer, request: RequestInfo): Services {
  let cursors: CursorCodec | undefined;
  let users: UserService | undefined;
  let sessions: SessionService | undefined;
  let articles: ArticleService | undefined;
  let comments: CommentService | undefined;
  let follows: FollowService | undefined;
  const codec = () => (cursors ??= new CursorCodec(deps.tokens.cursorKey));
  return {
    get users() {
      return (users ??= new UserService(deps, viewer));
    },
    get sessions() {
      return (sessions ??= new SessionService(deps, viewer, this.users, request));
    },
    get articles() {
      return (articles ??= new ArticleService(deps, viewer, this.users, this.follows, codec()));
    },
    get comments() {
      return (comments ??= new CommentService(deps, viewer, this.articles, this.users));
    },
    get follows() {
      return (follows ??= new FollowService(deps, viewer, this.users, codec()));
    },
  };
}

export type { RequestInfo };
