import type { NonEmptyArray } from 'type-graphql';
import { AccountResolver } from './account/account.resolver';
import { ApiKeyResolver } from './api-key/api-key.resolver';
import { ArticleConnectionResolver, ArticleResolver } from './article/article.resolver';
import { AuditEventConnectionResolver, AuditResolver } from './audit/audit.resolver';
import { CommentResolver } from './comment/comment.resolver';
import { SessionResolver } from './session/session.resolver';
import { ArticleEventResolver } from './subscription/article-event.resolver';
import { FollowersConnectionResolver, ProfileResolver } from './user/profile.resolver';
import { UserResolver } from './user/user.resolver';
import { FeedResolver } from './viewer/feed.resolver';
import { ViewerResolver } from './viewer/viewer.resolver';
import {
  ViewerWebhooksResolver,
  WebhookDeliveryConnectionResolver,
  WebhookResolver,
} from './webhook/webhook.resolver';

export { authChecker } from './auth-checker';

/** Every resolver of the schema. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [
  ViewerResolver,
  FeedResolver,
  UserResolver,
  ProfileResolver,
  FollowersConnectionResolver,
  SessionResolver,
  AccountResolver,
  ArticleResolver,
  ArticleConnectionResolver,
  CommentResolver,
  AuditResolver,
  AuditEventConnectionResolver,
  ApiKeyResolver,
  WebhookResolver,
  ViewerWebhooksResolver,
  WebhookDeliveryConnectionResolver,
  ArticleEventResolver,
];
