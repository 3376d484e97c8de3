import DataLoader from 'dataloader';
import { Types, type Model } from 'mongoose';
import { maxTimeMSOf } from '../db';
import { currentDiagnostics, trackCommand } from '../observability/diagnostics';
import { isObjectIdHex } from '../services/text';

/**
 * The batch contract, written once. Each loader sends one `$in` query per tick, indexes the results by key
 * in a Map, and answers in the order of the keys it was given, with `null` (or 0) for misses. Every query is
 * tagged with a comment so that round trips can be counted by name.
 */

type AnyModel = Model<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A filter or pipeline stage built here or by a service, from values already checked and cast. */
type Filter = Record<string, unknown>;

/**
 * The loaders read through the driver (`Model.collection`), not through mongoose's queries, which cast,
 * sanitise and run middleware on every read (60-160 µs each). What mongoose did for them is done here, in
 * the one place they read: each command is counted and timed for its request under its tag (which is also
 * its `comment`), carries its connection's maxTimeMS, and comes back as plain documents (what `lean()`
 * gave). Filters hold no caller's value unchecked: ids become ObjectIds and keys must be strings before
 * they reach one (`checkedIds`, `checkedKeys`), so no operator object can.
 */
export async function findDocs<TDoc>(
  model: AnyModel,
  tag: string,
  filter: Filter,
  options: { readonly projection?: Projection | undefined; readonly batchSize: number },
): Promise<TDoc[]> {
  const done = trackCommand(tag);
  try {
    return (await model.collection
      .find(filter, {
        ...(options.projection ? { projection: options.projection } : {}),
        batchSize: options.batchSize,
        comment: tag,
        ...limitOf(model),
      })
      .toArray()) as TDoc[];
  } finally {
    done();
  }
}

/** An aggregation, read as `findDocs` reads. */
export async function aggregateDocs<TDoc>(
  model: AnyModel,
  tag: string,
  pipeline: Filter[],
  batchSize: number,
): Promise<TDoc[]> {
  const done = trackCommand(tag);
  try {
    return (await model.collection
      .aggregate(pipeline, { batchSize, comment: tag, ...limitOf(model) })
      .toArray()) as TDoc[];
  } finally {
    done();
  }
}

function limitOf(model: AnyModel): { maxTimeMS?: number } {
  const maxTimeMS = maxTimeMSOf(model.db);
  return maxTimeMS === undefined ? {} : { maxTimeMS };
}

/**
 * The ids among `keys` as ObjectIds. A key that is not an id's hex string (an operator object such as
 * `{ $ne: null }`, a number, a malformed id) names no document: it is left out of the query and its answer
 * is the miss.
 */
export function checkedIds(keys: readonly unknown[]): Types.ObjectId[] {
  const ids: Types.ObjectId[] = [];
  for (const key of keys)
    if (typeof key === 'string' && isObjectIdHex(key)) ids.push(new Types.ObjectId(key));
  return ids;
}

/** The string keys among `keys`, for a string field; anything else names no document (as in checkedIds). */
export function checkedKeys(keys: readonly unknown[]): string[] {
  return keys.filter((key): key is string => typeof key === 'string');
}

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
  return batchLoader(tag, async (keys) => {
    const ids = checkedIds(keys);
    if (ids.length === 0) return keys.map(() => null);
    const docs = await findDocs<TDoc>(
      model,
      tag,
      { _id: { $in: ids } },
      {
        projection,
        batchSize: oneBatch(ids.length).batchSize,
      },
    );
    const byId = new Map(docs.map((doc) => [doc._id.toHexString(), toRecord(doc)]));
    return keys.map((id) => byId.get(id) ?? null);
  });
}

/**
 * Loads one document per value of a unique string field, e.g. users by case-folded username (keys that are
 * not strings name nothing). `onLoad` sees every
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
    const values = checkedKeys(keys);
    if (values.length === 0) return keys.map(() => null);
    const docs = await findDocs<TDoc>(
      model,
      tag,
      { [field]: { $in: values } },
      {
        projection: projection && { ...projection, [field]: 1 },
        batchSize: oneBatch(values.length).batchSize,
      },
    );
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
  return batchLoader(tag, async (keys) => {
    const ids = checkedIds(keys);
    if (ids.length === 0) return keys.map(() => 0);
    const rows = await aggregateDocs<{ _id: { toHexString(): string }; n: number }>(
      model,
      tag,
      [{ $match: { [field]: { $in: ids } } }, { $group: { _id: `$${field}`, n: { $sum: 1 } } }],
      oneBatch(ids.length).batchSize,
    );
    const counts = new Map(rows.map((row) => [row._id.toHexString(), row.n]));
    return keys.map((id) => counts.get(id) ?? 0);
  });
}

/**
 * Answers "does the pair (fixed, key) exist?" for many keys at once, e.g. "has the viewer favourited these
 * articles?" with one query. Both fields hold ObjectIds.
 */
export function pairExistsLoader(
  model: AnyModel,
  fixedField: string,
  fixedId: string,
  keyField: string,
  tag: string,
): DataLoader<string, boolean> {
  const [fixed] = checkedIds([fixedId]);
  if (!fixed) throw new Error(`${tag}: ${JSON.stringify(fixedId)} is not an id`);
  return batchLoader(tag, async (keys) => {
    const ids = checkedIds(keys);
    if (ids.length === 0) return keys.map(() => false);
    const docs = await findDocs<Record<string, { toHexString(): string }>>(
      model,
      tag,
      { [fixedField]: fixed, [keyField]: { $in: ids } },
      { projection: { [keyField]: 1 }, batchSize: oneBatch(ids.length).batchSize },
    );
    const found = new Set(docs.map((doc) => doc[keyField]!.toHexString()));
    return keys.map((id) => found.has(id));
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
   * scope go in one query (`fixedField $in` the viewers, `keyField $in` the keys); otherwise the viewer's own
   * `pairExistsLoader`.
   */
  viewerPairs(
    model: AnyModel,
    fixedField: string,
    fixedId: string,
    keyField: string,
    tag: string,
  ): DataLoader<string, boolean> {
    if (!this.sharing) return pairExistsLoader(model, fixedField, fixedId, keyField, tag);
    const pairs = this.shared(`pairs:${tag}`, () =>
      batchLoader<string, boolean>(tag, async (pairKeys) => {
        const split = pairKeys.map((pair) => pair.split(':'));
        const fixed = checkedIds([...new Set(split.map(([f]) => f))]);
        const keys = checkedIds([...new Set(split.map(([, k]) => k))]);
        if (fixed.length === 0 || keys.length === 0) return pairKeys.map(() => false);
        const docs = await findDocs<Record<string, { toHexString(): string }>>(
          model,
          tag,
          { [fixedField]: { $in: fixed }, [keyField]: { $in: keys } },
          { projection: { [fixedField]: 1, [keyField]: 1 }, batchSize: WHOLE_RESULT.batchSize },
        );
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
