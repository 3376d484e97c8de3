import type { Viewer } from '../auth/viewer';
import type { AppDeps } from '../deps';
import { ArticleService } from './article.service';
import { CommentService } from './comment.service';
import { FollowService } from './follow.service';
import { CursorCodec } from './pagination';
import { SessionService, type RequestInfo } from './session.service';
import { UserService } from './user.service';

/** The services of one request, built from its viewer, each owning fresh DataLoaders. */
export function createServices(deps: AppDeps, viewer: Viewer, request: RequestInfo) {
  const cursors = new CursorCodec(deps.tokens.cursorKey);
  const users = new UserService(deps, viewer);
  const sessions = new SessionService(deps, viewer, users, request);
  const articles = new ArticleService(deps, viewer, users, cursors);
  const comments = new CommentService(deps, viewer, articles, users);
  const follows = new FollowService(deps, viewer, users, cursors);
  return { users, sessions, articles, comments, follows };
}

export type Services = ReturnType<typeof createServices>;
export type { RequestInfo };
