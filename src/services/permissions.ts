import { actorOf, hasRole, type Viewer } from '../auth/viewer';
import type { ArticleRecord, CommentRecord } from './records';

/**
 * Who may change what, in one place. Services enforce these rules and the `viewerCan…` hints show them, so
 * the hints can never promise what a mutation would refuse.
 */

/** Only the author edits an article. */
export function canUpdateArticle(viewer: Viewer, article: ArticleRecord): boolean {
  return actorOf(viewer)?.id === article.authorId;
}

/** The author, moderators and admins delete an article. */
export function canDeleteArticle(viewer: Viewer, article: ArticleRecord): boolean {
  return canUpdateArticle(viewer, article) || hasRole(viewer, 'moderator');
}

/** The comment's author, the article's author, moderators and admins delete a comment. */
export function canDeleteComment(
  viewer: Viewer,
  comment: CommentRecord,
  article: ArticleRecord | null,
): boolean {
  return ownsComment(viewer, comment, article) || hasRole(viewer, 'moderator');
}

/** A comment is its author's, and under an article its author's too. */
function ownsComment(viewer: Viewer, comment: CommentRecord, article: ArticleRecord | null): boolean {
  const actor = actorOf(viewer);
  if (!actor) return false;
  return actor.id === comment.authorId || actor.id === article?.authorId;
}

/** A deletion the viewer may make only by their role (not as the author): a moderator's act, audited. */
export function deletesArticleAsModerator(viewer: Viewer, article: ArticleRecord): boolean {
  return canDeleteArticle(viewer, article) && !canUpdateArticle(viewer, article);
}

export function deletesCommentAsModerator(
  viewer: Viewer,
  comment: CommentRecord,
  article: ArticleRecord | null,
): boolean {
  return canDeleteComment(viewer, comment, article) && !ownsComment(viewer, comment, article);
}
