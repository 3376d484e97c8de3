import type { PipelineStage } from 'mongoose';
import type { Models } from '../models';
import type { ArticleDoc } from '../models/article.model';
import type { Filter, RankedPosition, RankedWindow } from './pagination';

/**
 * Full-text search over articles: the one module that knows how the search engine is asked, so that a
 * deployment can answer it with another engine behind the same interface.
 *
 * This one is MongoDB's `$text` over the articles' text index (src/models/article.model.ts: title weighted
 * above tags, description and body). On Atlas, `page` and `count` can be rewritten with Atlas Search: a
 * `$search` stage (a `compound` with the words in `should` over `title`, `tagList`, `description` and `body`,
 * boosted alike, and the other filters in `filter`), its relevance from `{ $meta: 'searchScore' }` in the same
 * field, and `$searchMeta` (or `count` in `$search`) for the total. Everything after the first stage stays as
 * it is: the keyset bounds, the order and the cursors only need a score per article, whatever computes it.
 */
export interface ArticleSearch {
  /**
   * A window of the articles that match `terms` and `filter`, most relevant first, ties newest first, then by
   * id, each with its score (reversed when the window reads backwards).
   */
  page(terms: string, filter: Filter, window: RankedWindow): Promise<ScoredArticle[]>;
  /** How many articles match `terms` and `filter`. */
  count(terms: string, filter: Filter): Promise<number>;
}

/** Where each article of a result carries its relevance; no stored field has this name. */
const SCORE = '_score';

export type ScoredArticle = ArticleDoc & { readonly [SCORE]: number };

export function scoredPosition(doc: ScoredArticle): RankedPosition {
  return { score: doc[SCORE], at: doc.createdAt, id: doc._id };
}

export function articleSearch(models: Pick<Models, 'Article'>): ArticleSearch {
  const { Article } = models;
  /** `$text` must open the pipeline, beside the other filters; nothing else may come before it. */
  const matching = (terms: string, filter: Filter): PipelineStage.Match => ({
    $match: { ...filter, $text: { $search: terms } },
  });
  return {
    async page(terms, filter, window) {
      const bounds: Filter[] = [];
      if (window.after) bounds.push({ $or: beyond(window.after, '$lt') });
      if (window.before) bounds.push({ $or: beyond(window.before, '$gt') });
      const direction = window.backward ? 1 : -1;
      const pipeline: PipelineStage[] = [
        matching(terms, filter),
        { $addFields: { [SCORE]: { $meta: 'textScore' } } },
        ...(bounds.length > 0 ? [{ $match: { $and: bounds } }] : []),
        { $sort: { [SCORE]: direction, createdAt: direction, _id: direction } },
        { $limit: window.limit },
      ];
      return Article.aggregate<ScoredArticle>(pipeline).option({
        comment: 'articles.search',
        batchSize: window.limit + 1,
      });
    },
    async count(terms, filter) {
      const [row] = await Article.aggregate<{ n: number }>([matching(terms, filter), { $count: 'n' }]).option(
        {
          comment: 'articles.searchCount',
        },
      );
      return row?.n ?? 0;
    },
  };
}

/**
 * The articles past `at` in ranking order (score, then createdAt, then _id, all descending): `$lt` for those
 * after it, `$gt` for those before it.
 */
function beyond(at: RankedPosition, op: '$lt' | '$gt'): Filter[] {
  return [
    { [SCORE]: { [op]: at.score } },
    { [SCORE]: at.score, createdAt: { [op]: at.at } },
    { [SCORE]: at.score, createdAt: at.at, _id: { [op]: at.id } },
  ];
}
