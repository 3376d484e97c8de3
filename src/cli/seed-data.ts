import { createHash } from 'node:crypto';
import { Types, type Collection } from 'mongoose';
import type { AppDeps } from '../deps';
import { recountArticles } from '../models/article-counts';
import { recountTags } from '../models/tag-counts';
import { identityKey } from '../services/text';

/**
 * Demo data for exploring and measuring: users, articles, comments, follows and favourites, generated from a
 * fixed seed so that every run produces the same documents with the same ids. Writes are upserts keyed by
 * those ids, so seeding twice changes nothing.
 */

export interface SeedSize {
  readonly users: number;
  readonly articles: number;
  readonly comments: number;
  readonly followsPerUser: number;
  readonly favoritesPerUser: number;
}

export const DEFAULT_SEED: SeedSize = {
  users: 50,
  articles: 1_000,
  comments: 5_000,
  followsPerUser: 8,
  favoritesPerUser: 30,
};

/** Every demo user signs in with this password; their emails are demo<N>@conduit.example. */
export const DEMO_PASSWORD = 'conduit-demo-password';
export const demoEmail = (n: number) => `demo${n}@conduit.example`;

const FIRST = [
  'ada',
  'grace',
  'linus',
  'margaret',
  'ken',
  'barbara',
  'donald',
  'frances',
  'alan',
  'radia',
  'dennis',
  'hedy',
];
const TOPICS = [
  'dragons',
  'training',
  'graphql',
  'mongodb',
  'typescript',
  'node',
  'design',
  'testing',
  'security',
  'performance',
  'databases',
  'react',
  'devops',
  'career',
  'writing',
];
const ADJECTIVES = [
  'practical',
  'gentle',
  'complete',
  'honest',
  'quick',
  'deep',
  'unusual',
  'pragmatic',
  'modern',
  'small',
];
const NOUNS = [
  'guide',
  'story',
  'introduction',
  'field notes',
  'lessons',
  'checklist',
  'tour',
  'case study',
  'primer',
  'retrospective',
];
const SENTENCES = [
  'It started as a small experiment and grew into something the whole team relies on.',
  'The first version was slow, so we measured before changing anything.',
  'Most of the cost turned out to be in places nobody had looked at.',
  'A good default beats a clever option that nobody remembers to set.',
  'We wrote the test first, watched it fail, and only then fixed the code.',
  'Batching the reads turned hundreds of round trips into a handful.',
  'Naming things well saved us more time than any tool we adopted.',
];

/** A small deterministic PRNG (mulberry32): the same seed gives the same data everywhere. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const idFor = (label: string) =>
  new Types.ObjectId(createHash('sha1').update(`atrium-seed:${label}`).digest('hex').slice(0, 24));

export interface SeedResult {
  readonly inserted: Record<string, number>;
}

export async function seed(deps: AppDeps, size: SeedSize = DEFAULT_SEED): Promise<SeedResult> {
  const { User, Article, Comment, Follow, Favorite } = deps.models;
  const rand = random(20_240_501);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const now = Date.UTC(2026, 0, 1);
  const day = 24 * 3600 * 1000;
  const passwordHash = await deps.passwords.hash(DEMO_PASSWORD);

  const users = Array.from({ length: size.users }, (_, n) => {
    const username = `${FIRST[n % FIRST.length]}_${n}`;
    const createdAt = new Date(now - 400 * day + n * day);
    return {
      _id: idFor(`user:${n}`),
      username,
      usernameKey: identityKey(username),
      email: demoEmail(n),
      emailKey: identityKey(demoEmail(n)),
      // The demo addresses cannot receive mail; they count as verified.
      emailVerified: true,
      passwordHash,
      bio: `${pick(ADJECTIVES)} writer about ${pick(TOPICS)}`,
      image: `https://api.dicebear.com/7.x/initials/svg?seed=${username}`,
      role: n === 0 ? 'admin' : n === 1 ? 'moderator' : 'user',
      createdAt,
      updatedAt: createdAt,
    };
  });

  const articles = Array.from({ length: size.articles }, (_, n) => {
    const topic = pick(TOPICS);
    const title = `A ${pick(ADJECTIVES)} ${pick(NOUNS)} on ${topic} #${n + 1}`;
    const createdAt = new Date(now - Math.floor(rand() * 365 * day));
    const tags = new Set([topic, pick(TOPICS)]);
    if (rand() < 0.3) tags.add(pick(TOPICS));
    return {
      _id: idFor(`article:${n}`),
      slug: title
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, ''),
      title,
      description: pick(SENTENCES),
      body: Array.from({ length: 4 + Math.floor(rand() * 8) }, () => pick(SENTENCES)).join('\n\n'),
      tagList: [...tags],
      authorId: users[Math.floor(rand() * users.length)]!._id,
      createdAt,
      updatedAt: createdAt,
    };
  });

  const comments = Array.from({ length: size.comments }, (_, n) => {
    const article = articles[Math.floor(rand() * articles.length)]!;
    const createdAt = new Date(article.createdAt.getTime() + Math.floor(rand() * 30 * day));
    return {
      _id: idFor(`comment:${n}`),
      articleId: article._id,
      authorId: users[Math.floor(rand() * users.length)]!._id,
      body: pick(SENTENCES),
      createdAt,
      updatedAt: createdAt,
    };
  });

  const follows = new Map<
    string,
    { followerId: Types.ObjectId; followeeId: Types.ObjectId; createdAt: Date }
  >();
  const favorites = new Map<string, { userId: Types.ObjectId; articleId: Types.ObjectId; createdAt: Date }>();
  for (const user of users) {
    for (let i = 0; i < size.followsPerUser; i += 1) {
      const followee = users[Math.floor(rand() * users.length)]!;
      if (followee._id.equals(user._id)) continue;
      follows.set(`${user._id.toHexString()}:${followee._id.toHexString()}`, {
        followerId: user._id,
        followeeId: followee._id,
        createdAt: new Date(now - Math.floor(rand() * 100 * day)),
      });
    }
    for (let i = 0; i < size.favoritesPerUser; i += 1) {
      const article = articles[Math.floor(rand() * articles.length)]!;
      favorites.set(`${user._id.toHexString()}:${article._id.toHexString()}`, {
        userId: user._id,
        articleId: article._id,
        createdAt: new Date(now - Math.floor(rand() * 100 * day)),
      });
    }
  }

  // Documents are complete and typed here, so they go to the driver as they are (no casting, no timestamps).
  const upsert = async <T extends object>(
    model: { collection: Collection },
    docs: T[],
    key: (doc: T) => object,
  ) => {
    if (docs.length === 0) return 0;
    const result = await model.collection.bulkWrite(
      // An upsert takes `_id` from the filter; naming it in the update as well is redundant.
      docs.map((doc) => {
        const { _id, ...fields } = doc as T & { _id?: unknown };
        void _id;
        return { updateOne: { filter: key(doc), update: { $setOnInsert: fields }, upsert: true } };
      }),
      { ordered: false },
    );
    return result.upsertedCount;
  };
  const byId = (doc: { _id: Types.ObjectId }) => ({ _id: doc._id });

  const inserted = {
    users: await upsert(User, users, byId),
    articles: await upsert(Article, articles, byId),
    comments: await upsert(Comment, comments, byId),
    follows: await upsert(Follow, [...follows.values()], (d) => ({
      followerId: d.followerId,
      followeeId: d.followeeId,
    })),
    favorites: await upsert(Favorite, [...favorites.values()], (d) => ({
      userId: d.userId,
      articleId: d.articleId,
    })),
  };
  await recountArticles(
    deps.models,
    articles.map((article) => article._id),
  );
  await recountTags(deps.models);
  return { inserted };
}
