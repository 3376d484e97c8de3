import type { Connection } from 'mongoose';
import { createAccountTokenModel } from './account-token.model';
import { createApiKeyModel } from './api-key.model';
import { backfillArticleCounts } from './article-counts';
import { createAuditEventModel } from './audit-event.model';
import { backfillTagCounts } from './tag-counts';
import { createArticleModel, initArticleIndexes } from './article.model';
import { createCommentModel } from './comment.model';
import { createFavoriteModel } from './favorite.model';
import { createFollowModel } from './follow.model';
import { createPersistedQueryModel } from './persisted-query.model';
import { createSessionModel } from './session.model';
import { createTagModel } from './tag.model';
import { createThrottleModel } from './throttle.model';
import { createUserModel } from './user.model';
import { createWebhookDeliveryModel } from './webhook-delivery.model';
import { createWebhookEndpointModel } from './webhook-endpoint.model';
import { createWebhookStreamModel } from './webhook-stream.model';

export function createModels(connection: Connection) {
  return {
    User: createUserModel(connection),
    Session: createSessionModel(connection),
    Throttle: createThrottleModel(connection),
    Article: createArticleModel(connection),
    Comment: createCommentModel(connection),
    Favorite: createFavoriteModel(connection),
    Follow: createFollowModel(connection),
    AuditEvent: createAuditEventModel(connection),
    AccountToken: createAccountTokenModel(connection),
    Tag: createTagModel(connection),
    ApiKey: createApiKeyModel(connection),
    PersistedQuery: createPersistedQueryModel(connection),
    WebhookEndpoint: createWebhookEndpointModel(connection),
    WebhookDelivery: createWebhookDeliveryModel(connection),
    WebhookStream: createWebhookStreamModel(connection),
  };
}

export type Models = ReturnType<typeof createModels>;

/**
 * Builds every declared index (unique ones above all) before anything relies on them, and fills in what data
 * from an earlier version lacks.
 */
export async function ensureIndexes(models: Models): Promise<void> {
  await Promise.all(
    Object.values(models).map((model) =>
      model === models.Article ? initArticleIndexes(models.Article) : model.init(),
    ),
  );
  await backfillArticleCounts(models);
  await backfillTagCounts(models);
}
