// The data of the scale workloads: users, articles, comments, follows, favourites and tag counts written
// straight to the collections with bulk inserts (insertMany, unordered, in batches), as documents of exactly
// the shape Atrium's writes give them (src/models/*.model.ts, src/models/insert.ts), with the counters the
// product keeps: each article's favoritesCount and commentsCount (src/models/article-counts.ts) and each
// tag's count in `tags` (src/services/tag-counts.ts). Deterministic: the same size gives the same documents
// with the same ids. Into an empty database (existing documents of these collections are deleted first);
// Atrium builds its indexes when it starts, or `--indexes` builds them here first (inserting into indexed
// collections is slower on the emulator, but a real mongod would build them anyway).
//   MONGODB_URI=mongodb://127.0.0.1:PORT/db node bench/lib/scale-seed.mjs [--size default|scale] [--articles N] ...
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { MongoClient, ObjectId } from 'mongodb';

/**
 * `default` is the product's demo seed in numbers (src/cli/seed-data.ts DEFAULT_SEED: 50 users, 1,000 articles,
 * 5,000 comments, 8 follows and 30 favourites per user), but with more than the 100 tags `tags` lists (the
 * demo seed has 15), so that the tag list is the same work at both sizes; `scale` is a hundred times the
 * articles.
 */
export const SIZES = {
  default: { users: 50, articles: 1_000, comments: 5_000, favorites: 1_500, follows: 400, tags: 120 },
  scale: {
    users: 20_000,
    articles: 100_000,
    comments: 200_000,
    favorites: 500_000,
    follows: 100_000,
    tags: 1_000,
  },
};

const COUNTS = ['users', 'articles', 'comments', 'favorites', 'follows', 'tags'];
export const DEFAULT_BATCH = 5_000;

export const USAGE = `Usage: MONGODB_URI=mongodb://host:port/db node bench/lib/scale-seed.mjs [options]

Writes the scale workloads' data set into the database of MONGODB_URI, replacing what its users, articles,
comments, follows, favorites and tags collections hold.

  --size default|scale   the numbers to start from (default: scale)
${COUNTS.map((k) => `  --${k.padEnd(20)} how many ${k} (overrides the size)`).join('\n')}
  --batch N              documents per insertMany (default ${DEFAULT_BATCH})
  --indexes              build Atrium's indexes of these collections before inserting
  --help                 this text
Sizes: ${Object.entries(SIZES)
  .map(([name, s]) => `${name} = ${COUNTS.map((k) => `${s[k]} ${k}`).join(', ')}`)
  .join('; ')}.`;

/** A mistake in the arguments: its message is all the person running the seeder needs (exit code 2). */
export class UsageError extends Error {}

/** Reads the command line into { size, batch, indexes } or { help }; throws a UsageError on a bad argument. */
export function parseSeedArgs(args) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        size: { type: 'string' },
        batch: { type: 'string' },
        indexes: { type: 'boolean' },
        help: { type: 'boolean' },
        ...Object.fromEntries(COUNTS.map((k) => [k, { type: 'string' }])),
      },
    });
  } catch (error) {
    throw new UsageError(error.message);
  }
  const { values } = parsed;
  if (values.help) return { help: true };
  const sizeName = values.size ?? 'scale';
  if (!Object.hasOwn(SIZES, sizeName)) {
    throw new UsageError(`--size must be one of ${Object.keys(SIZES).join(', ')}, not "${sizeName}"`);
  }
  const size = { ...SIZES[sizeName] };
  for (const key of COUNTS) if (values[key] !== undefined) size[key] = count(`--${key}`, values[key], 0);
  const batch = values.batch === undefined ? DEFAULT_BATCH : count('--batch', values.batch, 1);
  checkSize(size);
  return { size, sizeName, batch, indexes: values.indexes ?? false };
}

function count(name, text, min) {
  if (!/^\d{1,9}$/.test(text) || Number(text) < min) {
    throw new UsageError(`${name} must be a whole number of at least ${min}, not "${text}"`);
  }
  return Number(text);
}

/** What the numbers must allow: favourites and follows are distinct pairs, every article has an author. */
export function checkSize(size) {
  if (size.articles > 0 && size.users === 0) throw new UsageError('articles need at least one user');
  if (size.comments > 0 && size.articles === 0) throw new UsageError('comments need at least one article');
  if (size.articles > 0 && size.tags === 0) throw new UsageError('articles need at least one tag');
  if (size.favorites > size.users * size.articles) {
    throw new UsageError(
      `${size.favorites} favourites need more than ${size.users} users × ${size.articles} articles`,
    );
  }
  // Each user follows a few distinct others; at most half of them keeps the pair drawing quick.
  if (size.follows > size.users * Math.floor((size.users - 1) / 2)) {
    throw new UsageError(`${size.follows} follows are too many for ${size.users} users`);
  }
  // Likewise favourites: at most half a user's articles each.
  if (size.favorites > size.users * Math.ceil(size.articles / 2)) {
    throw new UsageError(`${size.favorites} favourites are too many for ${size.articles} articles`);
  }
}

/** mulberry32: a small seeded generator, so that every run writes the same data. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KIND = { user: 1, article: 2, comment: 3, favorite: 4, follow: 5 };
/** An id made of the document's creation time, as a driver's ObjectId is, its kind and its number. */
const idOf = (kind, n, at) =>
  new ObjectId(
    `${Math.floor(at / 1000)
      .toString(16)
      .padStart(8, '0')}${KIND[kind].toString(16).padStart(2, '0')}${n.toString(16).padStart(14, '0')}`,
  );

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
// Any bcrypt hash will do: nobody signs in as these users (the bench makes its own viewer through the API).
const PASSWORD_HASH = '$2b$12$C6UzMDM.H6dfI/f/IKxGhuWHwSnUFkfPdrqKvdrt6pbxyJiRj6TBi';
const DAY = 86_400_000;
const END = Date.UTC(2026, 0, 1);

/** The tag names: the demo seed's topics first, then numbered variants of them, as many as asked for. */
export function tagNames(n) {
  return Array.from({ length: n }, (_, i) =>
    i < TOPICS.length ? TOPICS[i] : `${TOPICS[i % TOPICS.length]}-${Math.floor(i / TOPICS.length)}`,
  );
}

/**
 * The whole data set as generators of documents, plus the counters, computed before the articles are
 * written so that each article goes in with its final favoritesCount and commentsCount.
 */
export function plan(size) {
  const rand = generator(20_261_201);
  const int = (n) => Math.floor(rand() * n);
  // Skewed towards the start of a range (a few popular articles, a few prolific authors, common tags).
  const skewed = (n, power = 2) => Math.floor(n * rand() ** power);
  const span = 3 * 365 * DAY;
  const tags = tagNames(size.tags);
  const tagCount = new Map();

  const userAt = (n) => END - span - 30 * DAY + Math.floor((n * 30 * DAY) / Math.max(1, size.users));
  const userIds = Array.from({ length: size.users }, (_, n) => idOf('user', n, userAt(n)));
  // Articles are numbered oldest first: an article's time is fixed by its number.
  const articleAt = (n) => END - span + Math.floor((n * span) / Math.max(1, size.articles));
  const articleIds = Array.from({ length: size.articles }, (_, n) => idOf('article', n, articleAt(n)));
  // How popular each article is, by rank: the articles in a shuffled order (popularity does not follow age,
  // so the newest articles, which the home page shows, have the usual few favourites and comments).
  const byPopularity = Int32Array.from({ length: size.articles }, (_, n) => n);
  for (let n = size.articles - 1; n > 0; n -= 1) {
    const m = int(n + 1);
    [byPopularity[n], byPopularity[m]] = [byPopularity[m], byPopularity[n]];
  }
  const favoritesCount = new Int32Array(size.articles);
  const commentsCount = new Int32Array(size.articles);

  // Favourites: every user about the same number, distinct articles, popular ones favoured more often.
  const favorites = [];
  for (let u = 0; u < size.users && size.articles > 0; u += 1) {
    const mine = Math.floor(size.favorites / size.users) + (u < size.favorites % size.users ? 1 : 0);
    const chosen = new Set();
    while (chosen.size < mine) chosen.add(byPopularity[skewed(size.articles, 3)]);
    for (const a of chosen) {
      favoritesCount[a] += 1;
      favorites.push([u, a]);
    }
  }
  // Follows: distinct others, prolific authors (low numbers) followed more often.
  const follows = [];
  for (let u = 0; u < size.users; u += 1) {
    const mine = Math.floor(size.follows / size.users) + (u < size.follows % size.users ? 1 : 0);
    const chosen = new Set();
    while (chosen.size < mine) {
      const f = skewed(size.users);
      if (f !== u) chosen.add(f);
    }
    for (const f of chosen) follows.push([u, f]);
  }
  const commentArticle = new Int32Array(size.comments);
  for (let c = 0; c < size.comments; c += 1) {
    const a = byPopularity[skewed(size.articles)];
    commentArticle[c] = a;
    commentsCount[a] += 1;
  }

  function* users() {
    for (let n = 0; n < size.users; n += 1) {
      const username = `${TOPICS[n % TOPICS.length]}_writer_${n}`;
      const at = new Date(userAt(n));
      // As UserService.create writes it (mongoose's Model.create: schema order, defaults, __v).
      yield {
        username,
        usernameKey: username,
        email: `${username}@scale.example`,
        emailKey: `${username}@scale.example`,
        passwordHash: PASSWORD_HASH,
        bio:
          n % 3 === 0
            ? null
            : `${ADJECTIVES[n % ADJECTIVES.length]} writer about ${TOPICS[n % TOPICS.length]}`,
        image: n % 4 === 0 ? null : `https://images.example.com/u/${n}.png`,
        role: 'user',
        emailVerified: false,
        apiKeyVersion: 0,
        _id: userIds[n],
        createdAt: at,
        updatedAt: at,
        __v: 0,
      };
    }
  }

  function* articles() {
    for (let n = 0; n < size.articles; n += 1) {
      const topic = int(tags.length);
      const tagList = [
        ...new Set([
          tags[skewed(tags.length)],
          tags[topic],
          ...(rand() < 0.3 ? [tags[int(tags.length)]] : []),
        ]),
      ];
      for (const tag of tagList) tagCount.set(tag, (tagCount.get(tag) ?? 0) + 1);
      const title = `A ${ADJECTIVES[int(ADJECTIVES.length)]} ${NOUNS[int(NOUNS.length)]} on ${tags[topic]} #${n + 1}`;
      const at = new Date(articleAt(n));
      // As ArticleService.create writes it (insertRecord: the checked fields, then _id and timestamps).
      yield {
        title,
        description: SENTENCES[int(SENTENCES.length)],
        body: Array.from({ length: 4 + int(8) }, () => SENTENCES[int(SENTENCES.length)]).join('\n\n'),
        tagList,
        slug: title
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, ''),
        authorId: userIds[skewed(size.users)],
        favoritesCount: favoritesCount[n],
        commentsCount: commentsCount[n],
        _id: articleIds[n],
        createdAt: at,
        updatedAt: at,
      };
    }
  }

  function* comments() {
    for (let n = 0; n < size.comments; n += 1) {
      const a = commentArticle[n];
      const at = new Date(articleAt(a) + 60_000 + int(30 * DAY));
      // As CommentService.add writes it (insertRecord).
      yield {
        articleId: articleIds[a],
        authorId: userIds[int(size.users)],
        body: SENTENCES[int(SENTENCES.length)],
        _id: idOf('comment', n, at.getTime()),
        createdAt: at,
        updatedAt: at,
      };
    }
  }

  // As favoriteArticle and followUser write them: an upsert of the pair, with mongoose's createdAt.
  function* favoriteDocs() {
    for (let n = 0; n < favorites.length; n += 1) {
      const [u, a] = favorites[n];
      const at = new Date(Math.max(articleAt(a), userAt(u)) + int(60 * DAY));
      yield {
        _id: idOf('favorite', n, at.getTime()),
        userId: userIds[u],
        articleId: articleIds[a],
        createdAt: at,
      };
    }
  }
  function* followDocs() {
    for (let n = 0; n < follows.length; n += 1) {
      const [u, f] = follows[n];
      const at = new Date(Math.max(userAt(u), userAt(f)) + int(300 * DAY));
      yield {
        _id: idOf('follow', n, at.getTime()),
        followerId: userIds[u],
        followeeId: userIds[f],
        createdAt: at,
      };
    }
  }
  // Filled while the articles are generated: read after them.
  function* tagDocs() {
    for (const [tag, n] of [...tagCount].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      yield { _id: tag, count: n };
    }
  }

  return {
    collections: [
      ['users', users],
      ['articles', articles],
      ['comments', comments],
      ['favorites', favoriteDocs],
      ['follows', followDocs],
      ['tags', tagDocs],
    ],
  };
}

/**
 * Atrium's indexes of the seeded collections (src/models/*.model.ts), for `--indexes`; Atrium builds the same
 * ones (mongoose's init) when it starts, and finds them already there.
 */
const INDEXES = {
  users: [
    { key: { usernameKey: 1 }, unique: true },
    { key: { emailKey: 1 }, unique: true },
    { key: { role: 1 } },
  ],
  articles: [
    { key: { slug: 1 }, unique: true },
    { key: { createdAt: -1, _id: -1 } },
    { key: { authorId: 1, createdAt: -1, _id: -1 } },
    { key: { tagList: 1, createdAt: -1, _id: -1 } },
    {
      key: { title: 'text', tagList: 'text', description: 'text', body: 'text' },
      name: 'articles_text',
      weights: { title: 10, tagList: 5, description: 3, body: 1 },
      default_language: 'english',
      language_override: 'textLanguage',
    },
  ],
  comments: [{ key: { articleId: 1, createdAt: 1, _id: 1 } }],
  favorites: [{ key: { userId: 1, articleId: 1 }, unique: true }, { key: { articleId: 1 } }],
  follows: [
    { key: { followerId: 1, followeeId: 1 }, unique: true },
    { key: { followeeId: 1, createdAt: -1, _id: -1 } },
  ],
  tags: [{ key: { count: -1, _id: 1 } }],
};

/**
 * Writes the data set into `db`: each collection emptied, then filled with unordered insertMany batches of
 * `batch` documents, up to two batches in flight. Returns the documents written per collection and the time.
 */
export async function seedScale(db, size, { batch = DEFAULT_BATCH, indexes = false, log = () => {} } = {}) {
  checkSize(size);
  const started = Date.now();
  const { collections } = plan(size);
  const written = {};
  for (const [name, docs] of collections) {
    const t0 = Date.now();
    const collection = db.collection(name);
    await collection.deleteMany({});
    if (indexes) await collection.createIndexes(INDEXES[name]);
    let pending = [];
    let n = 0;
    let chunk = [];
    const flush = async () => {
      if (chunk.length === 0) return;
      pending.push(collection.insertMany(chunk, { ordered: false }));
      n += chunk.length;
      chunk = [];
      if (pending.length >= 2) {
        await Promise.all(pending);
        pending = [];
      }
    };
    for (const doc of docs()) {
      chunk.push(doc);
      if (chunk.length >= batch) await flush();
    }
    await flush();
    await Promise.all(pending);
    written[name] = n;
    log(`${name}: ${n} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  return { written, seconds: (Date.now() - started) / 1000 };
}

async function main(argv) {
  let options;
  try {
    options = parseSeedArgs(argv);
    if (!options.help && !process.env.MONGODB_URI) throw new UsageError('MONGODB_URI is not set');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const client = await MongoClient.connect(process.env.MONGODB_URI);
  try {
    const { written, seconds } = await seedScale(client.db(), options.size, {
      batch: options.batch,
      indexes: options.indexes,
      log: (line) => process.stdout.write(`  ${line}\n`),
    });
    process.stdout.write(
      `seeded ${Object.entries(written)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')} in ${seconds.toFixed(1)} s\n`,
    );
  } finally {
    await client.close();
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`scale seed failed: ${error.stack ?? error}\n`);
      process.exitCode = 1;
    },
  );
}
