import DataLoader from 'dataloader';
import { trusted, Types, type Model } from 'mongoose';
import { currentDiagnostics } from '../observability/diagnostics';

/**
 * The batch contract, written once. Each loader sends one `$in` query per tick, indexes the results by key
 * in a Map, and answers in the order of the keys it was given, with `null` (or 0) for misses. Every query is
 * tagged with a comment so that round trips can be counted by name.
 */

type AnyModel = Model<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Every loader of the service is made here. A batch is sent once the event loop turn ends (setImmediate),
 * not at the next tick: lists whose items settle a few promise steps apart (an empty page beside a full one)
 * still share one query. `tag` names the loader in the batch-size metric (the tag of its query).
 */
export function batchLoader<K, V, C = K>(
  tag: string,
  batch: DataLoader.BatchLoadFn<K, V>,
  options: DataLoader.Options<K, V, C> = {},
): DataLoader<K, V, C> {
  // The batch runs in the scope of the request that first asked (setImmediate carries it): that request's
  // server counts the batch.
  const measured: DataLoader.BatchLoadFn<K, V> = (keys) => {
    currentDiagnostics()?.metrics?.loaderBatch(tag, keys.length);
    return batch(keys);
  };
  return new DataLoader(measured, { batchScheduleFn: (dispatch) => setImmediate(dispatch), ...options });
}

/**
 * Asks for a whole result in the first reply: without it MongoDB answers 101 documents and the rest costs
 * `getMore` round trips, so a batch's cost would grow with its size. (Replies still stop at 16 MiB.)
 */
export function oneBatch(expected: number): { batchSize: number } {
  return { batchSize: Math.max(expected + 1, 101) };
}

/** For results whose size is not known in advance, such as every comment of a page of articles. */
export const WHOLE_RESULT = { batchSize: 100_000 } as const;

/** Fields to read, when a record needs fewer than the whole document (never a user's password hash). */
export type Projection = Readonly<Record<string, 1>>;

export function byIdLoader<TDoc extends { _id: { toHexString(): string } }, TRecord>(
  model: AnyModel,
  toRecord: (doc: TDoc) => TRecord,
  tag: string,
  projection?: Projection,
): DataLoader<string, TRecord | null> {
  return batchLoader(tag, async (ids) => {
    const docs = (await model
      .find({ _id: trusted({ $in: ids }) }, projection)
      .batchSize(oneBatch(ids.length).batchSize)
      .comment(tag)
      .lean()) as unknown as TDoc[];
    const byId = new Map(docs.map((doc) => [doc._id.toHexString(), toRecord(doc)]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/**
 * Loads one document per value of a unique field, e.g. users by case-folded username. `onLoad` sees every
 * record found, so that the by-id loader of the same records can be primed and not query again.
 */
export function byUniqueKeyLoader<TDoc, TRecord>(
  model: AnyModel,
  field: string,
  keyOf: (doc: TDoc) => string,
  toRecord: (doc: TDoc) => TRecord,
  tag: string,
  options: { projection?: Projection; onLoad?: (record: TRecord) => void } = {},
): DataLoader<string, TRecord | null> {
  const { projection, onLoad = () => undefined } = options;
  return batchLoader(tag, async (keys) => {
    const docs = (await model
      .find({ [field]: trusted({ $in: keys }) }, projection && { ...projection, [field]: 1 })
      .batchSize(oneBatch(keys.length).batchSize)
      .comment(tag)
      .lean()) as unknown as TDoc[];
    const byKey = new Map(
      docs.map((doc) => {
        const record = toRecord(doc);
        onLoad(record);
        return [keyOf(doc), record];
      }),
    );
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/** Counts documents per value of `field` (an ObjectId reference) with one grouped aggregation. */
export function countByLoader(model: AnyModel, field: string, tag: string): DataLoader<string, number> {
  return batchLoader(tag, async (ids) => {
    const rows = await model
      .aggregate<{ _id: { toHexString(): string }; n: number }>([
        { $match: { [field]: { $in: ids.map(toObjectId) } } },
        { $group: { _id: `$${field}`, n: { $sum: 1 } } },
      ])
      .option({ comment: tag, ...oneBatch(ids.length) });
    const counts = new Map(rows.map((row) => [row._id.toHexString(), row.n]));
    return ids.map((id) => counts.get(id) ?? 0);
  });
}

/**
 * Answers "does the pair (fixed, key) exist?" for many keys at once, e.g. "has the viewer favourited these
 * articles?" with one query.
 */
export function pairExistsLoader(
  model: AnyModel,
  fixedField: string,
  fixedId: string,
  keyField: string,
  tag: string,
): DataLoader<string, boolean> {
  return batchLoader(tag, async (ids) => {
    const docs = (await model
      .find({ [fixedField]: fixedId, [keyField]: trusted({ $in: ids }) })
      .select({ [keyField]: 1 })
      .batchSize(oneBatch(ids.length).batchSize)
      .comment(tag)
      .lean()) as unknown as Record<string, { toHexString(): string }>[];
    const found = new Set(docs.map((doc) => doc[keyField]!.toHexString()));
    return ids.map((id) => found.has(id));
  });
}

export function toObjectId(id: string): Types.ObjectId {
  return new Types.ObjectId(id);
}

/**
 * Loaders shared by several contexts at once: the subscribers of one event, whose data is read once for all
 * of them. A viewer-independent loader is made once per tag (`shared`); a viewer-dependent fact ("has this
 * viewer favourited the article?") is asked through `viewerPairs`, which batches every viewer's keys into one
 * `$in` query. `LoaderScope.none` shares nothing: each request's services make their own loaders.
 */
export class LoaderScope {
  static readonly none = new LoaderScope(false);
  private readonly loaders = new Map<string, unknown>();

  constructor(readonly sharing = true) {}

  /** The scope's loader by this tag, made on first use. Only for loaders whose answers do not depend on the viewer. */
  shared<L>(tag: string, make: () => L): L {
    if (!this.sharing) return make();
    let loader = this.loaders.get(tag) as L | undefined;
    if (loader === undefined) {
      loader = make();
      this.loaders.set(tag, loader);
    }
    return loader;
  }

  /**
   * Whether the pair (fixedId, key) exists, for one viewer: in a sharing scope, the keys of every viewer of the
   * scope go in one query (`fixedField $in` the viewers, `keyField $in` the keys); otherwise `make()`.
   */
  viewerPairs(
    model: AnyModel,
    fixedField: string,
    fixedId: string,
    keyField: string,
    tag: string,
    make: () => DataLoader<string, boolean>,
  ): DataLoader<string, boolean> {
    if (!this.sharing) return make();
    const pairs = this.shared(`pairs:${tag}`, () =>
      batchLoader<string, boolean>(tag, async (pairKeys) => {
        const split = pairKeys.map((pair) => pair.split(':') as [string, string]);
        const fixed = [...new Set(split.map(([f]) => f))];
        const keys = [...new Set(split.map(([, k]) => k))];
        const docs = (await model
          .find({
            [fixedField]: trusted({ $in: fixed.map(toObjectId) }),
            [keyField]: trusted({ $in: keys.map(toObjectId) }),
          })
          .select({ _id: 0, [fixedField]: 1, [keyField]: 1 })
          .batchSize(WHOLE_RESULT.batchSize)
          .comment(tag)
          .lean()) as unknown as Record<string, { toHexString(): string }>[];
        const found = new Set(
          docs.map((doc) => `${doc[fixedField]!.toHexString()}:${doc[keyField]!.toHexString()}`),
        );
        return pairKeys.map((pair) => found.has(pair));
      }),
    );
    // The viewer's own loader, so that its callers may clear and prime it as usual; it asks the shared one.
    return new DataLoader<string, boolean>((ids) => pairs.loadMany(ids.map((id) => `${fixedId}:${id}`)), {
      batchScheduleFn: (dispatch) => setImmediate(dispatch),
    });
  }
}
