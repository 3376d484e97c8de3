import { timingSafeEqual } from 'node:crypto';
import type DataLoader from 'dataloader';
import { trusted, Types, type Model } from 'mongoose';
import { aggregateDocs, batchLoader, oneBatch, type Projection } from '../loaders';
import { hmac } from '../auth/tokens';
import { BadUserInputError } from '../errors';
import type { Connection } from './records';

/** A MongoDB filter built by a service; operator objects in it are wrapped in `trusted()`. */
export type Filter = Record<string, unknown>;

export interface PageArgs {
  readonly first?: number | null | undefined;
  readonly after?: string | null | undefined;
  readonly last?: number | null | undefined;
  readonly before?: string | null | undefined;
}

/**
 * A page holds this many items unless `first`/`last` say otherwise, and at most MAX_PAGE_SIZE. Defined here
 * only: the query cost estimate prices a list by the page these would read.
 */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface Position {
  readonly at: Date;
  readonly id: Types.ObjectId;
}

/** A place in a list ranked by a score (search relevance), then newest first. */
export interface RankedPosition extends Position {
  readonly score: number;
}

/**
 * Opaque, tamper-evident cursors: a position (time, id, and for ranked lists the score) and the list it came
 * from, signed with a key derived from the token secret. A forged cursor, or one from another list (another
 * kind of list, another user's followers, another filter, other search terms), is refused rather than
 * answered with a wrong page.
 */
export class CursorCodec {
  /** Each list's tag, computed once: a page's cursors all name the same list. */
  private readonly tags = new Map<string, string>();

  constructor(private readonly key: Buffer) {}

  /**
   * `list` names the list exactly, e.g. `followers:<user id>`. A score is kept exactly: the 64 bits of the
   * double, so that the next page starts precisely after the item, ties included.
   */
  encode(list: string, at: Date, id: string, score?: number): string {
    let text = `${this.listTag(list)}:${at.getTime()}:${id}`;
    if (score !== undefined) {
      const bits = Buffer.alloc(8);
      bits.writeDoubleBE(score);
      text += `:${bits.toString('hex')}`;
    }
    const payload = Buffer.from(text).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  decode(list: string, cursor: string, argument: string): Position;
  decode(list: string, cursor: string, argument: string, ranked: true): RankedPosition;
  decode(list: string, cursor: string, argument: string, ranked = false): Position | RankedPosition {
    const invalid = new BadUserInputError(`The \`${argument}\` cursor is not valid for this list.`, argument);
    const [payload, signature, extra] = cursor.split('.');
    if (!payload || !signature || extra !== undefined || cursor.length > 200) throw invalid;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid;
    const match = /^([\w-]{16}):(\d{1,15}):([0-9a-f]{24})(?::([0-9a-f]{16}))?$/.exec(
      Buffer.from(payload, 'base64url').toString(),
    );
    if (!match || match[1] !== this.listTag(list) || (match[4] !== undefined) !== ranked) throw invalid;
    const position = { at: new Date(Number(match[2])), id: new Types.ObjectId(match[3]) };
    if (match[4] === undefined) return position;
    const score = Buffer.from(match[4], 'hex').readDoubleBE();
    if (!Number.isFinite(score)) throw invalid;
    return { ...position, score };
  }

  private listTag(list: string): string {
    let tag = this.tags.get(list);
    if (tag === undefined) {
      tag = hmac(this.key, `list:${list}`).slice(0, 16);
      this.tags.set(list, tag);
    }
    return tag;
  }

  private sign(payload: string): string {
    return hmac(this.key, payload).slice(0, 27);
  }
}

interface PageWindow<P> {
  readonly backward: boolean;
  readonly size: number;
  readonly after: P | undefined;
  readonly before: P | undefined;
}

/** Checks the paging arguments and decodes the cursors; every list, even an empty one, goes through it. */
export function readPage(args: PageArgs, codec: CursorCodec, list: string): PageWindow<Position>;
export function readPage(
  args: PageArgs,
  codec: CursorCodec,
  list: string,
  ranked: true,
): PageWindow<RankedPosition>;
export function readPage(
  args: PageArgs,
  codec: CursorCodec,
  list: string,
  ranked = false,
): PageWindow<Position | RankedPosition> {
  const decode = (cursor: string, argument: string) =>
    ranked ? codec.decode(list, cursor, argument, true) : codec.decode(list, cursor, argument);
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value == null) continue;
    if (!Number.isInteger(value) || value < 0 || value > MAX_PAGE_SIZE) {
      throw new BadUserInputError(`\`${name}\` must be between 0 and ${MAX_PAGE_SIZE}.`, name);
    }
  }
  if (args.first != null && args.last != null) {
    throw new BadUserInputError('Pass `first` or `last`, not both.', 'last');
  }
  const backward = args.last != null || (args.first == null && args.before != null);
  return {
    backward,
    size: (backward ? args.last : args.first) ?? DEFAULT_PAGE_SIZE,
    after: args.after == null ? undefined : decode(args.after, 'after'),
    before: args.before == null ? undefined : decode(args.before, 'before'),
  };
}

/** The MongoDB query for one page of one list. */
export interface PageQuery {
  readonly filter: Filter;
  readonly sort: Record<string, 1 | -1>;
  /** One more than the page size: the extra item tells whether the list goes on. */
  readonly limit: number;
  /** The fields to read, when the page shows fewer than the whole documents. */
  readonly projection?: Projection | undefined;
}

/**
 * Reads the pages of many lists of one collection with a single command: each list's query becomes a
 * `$unionWith` branch (index-backed on its own), and each document comes back tagged with its branch. So a
 * nested list (say, every author's followers) costs one round trip whatever the outer page size.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function pageLoader<TDoc>(model: Model<any>, tag: string): DataLoader<PageQuery, TDoc[]> {
  return batchLoader(
    tag,
    async (queries) => {
      const branch = (query: PageQuery, index: number) => [
        { $match: query.filter },
        { $sort: query.sort },
        { $limit: query.limit },
        ...(query.projection ? [{ $project: query.projection }] : []),
        { $set: { [BRANCH]: index } },
      ];
      const [first, ...rest] = queries;
      const pipeline = [
        ...branch(first!, 0),
        ...rest.map((query, i) => ({
          $unionWith: { coll: model.collection.collectionName, pipeline: branch(query, i + 1) },
        })),
      ];
      const docs = await aggregateDocs<TDoc & { [BRANCH]: number }>(
        model,
        tag,
        pipeline,
        oneBatch(queries.reduce((n, q) => n + q.limit, 0)).batchSize,
      );
      const pages = queries.map((): TDoc[] => []);
      for (const doc of docs) {
        const index = doc[BRANCH];
        delete (doc as Partial<typeof doc>)[BRANCH];
        pages[index]!.push(doc);
      }
      return pages;
    },
    // Each query is a fresh object: nothing to cache, only to batch.
    { cache: false },
  );
}

const BRANCH = '_page';

export interface KeysetOptions<TDoc, TNode> {
  readonly pages: DataLoader<PageQuery, TDoc[]>;
  readonly filter: Filter;
  /** The date field that orders the list, newest first; ties are broken by `_id`. */
  readonly sortField: string;
  /** Names the list exactly (kind and filter); bound into its cursors. */
  readonly list: string;
  readonly args: PageArgs;
  readonly codec: CursorCodec;
  readonly toNode: (doc: TDoc) => TNode | Promise<TNode>;
  readonly count: () => Promise<number>;
  /** The fields to read (the sort field is always among them); the whole documents by default. */
  readonly projection?: Projection | undefined;
}

/**
 * Keyset pagination, newest first with ties broken by id, forwards (`first`/`after`) and backwards
 * (`last`/`before`). Positions, not offsets, so paging while items arrive never repeats or skips one.
 */
export async function keysetPage<TDoc extends { _id: Types.ObjectId }, TNode>(
  options: KeysetOptions<TDoc, TNode>,
): Promise<Connection<TNode>> {
  const { args, codec, list, sortField } = options;
  const { backward, size, after, before } = readPage(args, codec, list);
  const bounds: Filter[] = [];
  // Range on the sort field (index bounds) plus an exclusion of the tie at the cursor's own time.
  if (after) {
    const { at, id } = after;
    bounds.push({
      [sortField]: trusted({ $lte: at }),
      $nor: [{ [sortField]: at, _id: trusted({ $gte: id }) }],
    });
  }
  if (before) {
    const { at, id } = before;
    bounds.push({
      [sortField]: trusted({ $gte: at }),
      $nor: [{ [sortField]: at, _id: trusted({ $lte: id }) }],
    });
  }
  const filter = bounds.length > 0 ? { $and: [options.filter, ...bounds] } : options.filter;
  const direction = backward ? 1 : -1;

  const docs = await options.pages.load({
    filter,
    sort: { [sortField]: direction, _id: direction },
    limit: size + 1,
    projection: options.projection && { ...options.projection, [sortField]: 1 },
  });
  return connectionOf(docs, size, backward, args, options, (doc) =>
    codec.encode(list, (doc as unknown as Record<string, Date>)[sortField]!, doc._id.toHexString()),
  );
}

/**
 * The connection for `docs` read in list order (reversed when `backward`), one more than `size` when the list
 * goes on past the page.
 */
async function connectionOf<TDoc, TNode>(
  docs: TDoc[],
  size: number,
  backward: boolean,
  args: PageArgs,
  options: { readonly toNode: (doc: TDoc) => TNode | Promise<TNode>; readonly count: () => Promise<number> },
  cursorOf: (doc: TDoc) => string,
): Promise<Connection<TNode>> {
  const hasMore = docs.length > size;
  const page = docs.slice(0, size);
  if (backward) page.reverse();

  // A cursor is a signature (an HMAC): made when a field asks for it, once. A home page asks for the last
  // one only.
  const edges = await Promise.all(
    page.map(async (doc) => {
      let cursor: string | undefined;
      const node = await options.toNode(doc);
      return {
        get cursor() {
          return (cursor ??= cursorOf(doc));
        },
        node,
      };
    }),
  );
  return {
    edges,
    pageInfo: {
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return edges.at(-1)?.cursor ?? null;
      },
      // Across a cursor there is always the item it named (or its former place); the far side is measured.
      hasNextPage: backward ? args.before != null : hasMore,
      hasPreviousPage: backward ? hasMore : args.after != null,
    },
    totalCount: options.count,
  };
}

/** What a ranked list reads for one page: items strictly between the cursors, in ranking order or reversed. */
export interface RankedWindow {
  readonly after: RankedPosition | undefined;
  readonly before: RankedPosition | undefined;
  /** Read from the end: lowest ranked first. */
  readonly backward: boolean;
  /** One more than the page size: the extra item tells whether the list goes on. */
  readonly limit: number;
}

export interface RankedOptions<TDoc, TNode> {
  /** Names the list exactly (kind, filter and search terms); bound into its cursors. */
  readonly list: string;
  readonly args: PageArgs;
  readonly codec: CursorCodec;
  /** Reads a window of the list, ordered by score, then newest first, then by id (all descending). */
  readonly read: (window: RankedWindow) => Promise<TDoc[]>;
  readonly positionOf: (doc: TDoc) => RankedPosition;
  readonly toNode: (doc: TDoc) => TNode | Promise<TNode>;
  readonly count: () => Promise<number>;
}

/**
 * Keyset pagination over a list ranked by a score (search relevance), ties newest first, then by id: the
 * cursors carry the score, so pages follow one another without repeats or gaps as long as the items' scores
 * stay as they were.
 */
export async function rankedPage<TDoc, TNode>(
  options: RankedOptions<TDoc, TNode>,
): Promise<Connection<TNode>> {
  const { args, codec, list } = options;
  const { backward, size, after, before } = readPage(args, codec, list, true);
  const docs = await options.read({ after, before, backward, limit: size + 1 });
  return connectionOf(docs, size, backward, args, options, (doc) => {
    const { at, id, score } = options.positionOf(doc);
    return codec.encode(list, at, id.toHexString(), score);
  });
}

/** An empty page, for lists whose filter names something that does not exist; the arguments still count. */
export function emptyConnection<T>(
  args: PageArgs,
  codec: CursorCodec,
  list: string,
  ranked = false,
): Connection<T> {
  if (ranked) readPage(args, codec, list, true);
  else readPage(args, codec, list);
  return {
    edges: [],
    pageInfo: { startCursor: null, endCursor: null, hasNextPage: false, hasPreviousPage: false },
    totalCount: () => Promise.resolve(0),
  };
}
