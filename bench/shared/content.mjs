// The peers' GraphQL layer, written once and served by every peer stack: the subset of Atrium's contract
// that the workloads use (SDL below), over the same MongoDB collections Atrium writes (users, sessions,
// articles, comments, favorites, follows), with per-request DataLoaders, or, in the naive variant, one
// query per parent. Authentication does what Atrium does (HS256 JWT, then one session+user lookup), so
// that the comparison isolates the stack rather than the domain work.
import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import DataLoader from 'dataloader';
import { GraphQLError, GraphQLScalarType, buildSchema } from 'graphql';
import { SignJWT, jwtVerify } from 'jose';
import { MongoClient, ObjectId } from 'mongodb';
import { ITEMS } from './items.mjs';

export const SDL = /* GraphQL */ `
  scalar ISO8601DateTime

  type Query {
    viewer: Viewer
    article(slug: String!): Article
    articles(first: Int, after: String, tag: String): ArticleConnection!
    items: [Item!]!
  }

  type Mutation {
    createArticle(input: CreateArticleInput!): CreateArticlePayload!
    signInUser(input: SignInUserInput!): SignInUserPayload!
  }

  type Viewer {
    user: User!
  }

  type User {
    id: ID!
    username: String!
    email: String
    bio: String
    image: String
    followedByViewer: Boolean!
  }

  type Article {
    id: ID!
    slug: String!
    title: String!
    description: String!
    body: String!
    tagList: [String!]!
    createdAt: ISO8601DateTime!
    updatedAt: ISO8601DateTime!
    favoritesCount: Int!
    viewerHasFavorited: Boolean!
    author: User
    comments: [Comment!]!
  }

  type Comment {
    id: ID!
    body: String!
    createdAt: ISO8601DateTime!
    updatedAt: ISO8601DateTime!
    author: User
  }

  type ArticleConnection {
    edges: [ArticleEdge]
    nodes: [Article]
    pageInfo: PageInfo!
  }

  type ArticleEdge {
    cursor: String!
    node: Article
  }

  type PageInfo {
    endCursor: String
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
  }

  type UserError {
    message: String!
    path: String
  }

  input CreateArticleInput {
    clientMutationId: String
    title: String!
    description: String!
    body: String!
    tagList: [String!]!
  }

  type CreateArticlePayload {
    clientMutationId: String
    article: Article
    errors: [UserError!]!
  }

  input SignInUserInput {
    clientMutationId: String
    email: String!
    password: String!
  }

  type SignInUserPayload {
    clientMutationId: String
    token: String
    refreshToken: String
    tokenExpiresAt: ISO8601DateTime
    viewer: Viewer
    errors: [UserError!]!
  }

  type Item {
    id: ID!
    name: String!
    email: String!
    age: Int!
    active: Boolean!
    score: Float!
    createdAt: String!
  }
`;

const derive = (secret, label) => Buffer.from(hkdfSync('sha256', secret, 'atrium', label, 32));
const hexId = (doc) => doc._id.toHexString();

/** Connects and returns what every request shares: collections, keys, and the context factory. */
export async function connect({
  mongodbUri,
  tokenSecret,
  bcryptRounds,
  accessTtlSeconds = 86_400,
  monitorCommands = false,
}) {
  const client = await MongoClient.connect(mongodbUri, { maxPoolSize: 50, monitorCommands });
  if (monitorCommands) {
    // As Atrium counts commands per request: listeners on the driver's command monitoring events.
    let commands = 0;
    client.on('commandStarted', () => (commands += 1));
    client.on('commandSucceeded', () => {});
    client.on('commandFailed', () => {});
  }
  const db = client.db();
  const col = {
    users: db.collection('users'),
    sessions: db.collection('sessions'),
    articles: db.collection('articles'),
    comments: db.collection('comments'),
    favorites: db.collection('favorites'),
    follows: db.collection('follows'),
  };
  const accessKey = derive(tokenSecret, 'access-token');
  const cursorKey = derive(tokenSecret, 'cursor');

  async function authenticate(header) {
    const match = /^(?:Bearer|Token) +(\S+)$/i.exec(header ?? '');
    if (!match) return { viewerId: null, user: null };
    let payload;
    try {
      ({ payload } = await jwtVerify(match[1], accessKey, {
        algorithms: ['HS256'],
        issuer: 'atrium',
        audience: 'atrium-api',
      }));
    } catch {
      return { viewerId: null, user: null };
    }
    const [row] = await col.sessions
      .aggregate([
        {
          $match: {
            _id: new ObjectId(payload.sid),
            userId: new ObjectId(payload.sub),
            expiresAt: { $gt: new Date() },
          },
        },
        { $limit: 1 },
        { $lookup: { from: 'users', localField: 'userId', foreignField: '_id', as: 'user' } },
        { $project: { 'user.passwordHash': 0 } },
      ])
      .toArray();
    const user = row?.user[0];
    return user ? { viewerId: user._id, user } : { viewerId: null, user: null };
  }

  async function signToken(userId, sessionId) {
    const iat = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sid: sessionId.toHexString() })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setSubject(userId.toHexString())
      .setIssuer('atrium')
      .setAudience('atrium-api')
      .setIssuedAt(iat)
      .setExpirationTime(iat + accessTtlSeconds)
      .sign(accessKey);
    return { token, expiresAt: new Date((iat + accessTtlSeconds) * 1000) };
  }

  /** Builds the per-request context from the Authorization header. */
  async function createContext(authorization, naive = false) {
    const { viewerId, user } = await authenticate(authorization);
    const loaders = naive ? naiveLoaders(col, viewerId) : batchedLoaders(col, viewerId);
    if (user) loaders.user.prime(hexId(user), user);
    return { col, viewerId, loaders, cursorKey, signToken, bcryptRounds };
  }

  return { client, col, createContext, close: () => client.close() };
}

/** A key → value index over documents, so that batch results line up with the keys. */
function byKey(docs, keyOf) {
  const map = new Map();
  for (const doc of docs) map.set(keyOf(doc), doc);
  return map;
}

function groupBy(docs, keyOf) {
  const map = new Map();
  for (const doc of docs) {
    const key = keyOf(doc);
    const list = map.get(key);
    if (list) list.push(doc);
    else map.set(key, [doc]);
  }
  return map;
}

/** One query per relation per tick: the DataLoader contract (aligned results, null/empty for misses). */
function batchedLoaders(col, viewerId) {
  const ids = (keys) => keys.map((k) => new ObjectId(k));
  return {
    user: new DataLoader(async (keys) => {
      const docs = await col.users
        .find({ _id: { $in: ids(keys) } }, { projection: { passwordHash: 0 } })
        .toArray();
      const map = byKey(docs, hexId);
      return keys.map((k) => map.get(k) ?? null);
    }),
    favoritesCount: new DataLoader(async (keys) => {
      const rows = await col.favorites
        .aggregate([
          { $match: { articleId: { $in: ids(keys) } } },
          { $group: { _id: '$articleId', n: { $sum: 1 } } },
        ])
        .toArray();
      const map = byKey(rows, hexId);
      return keys.map((k) => map.get(k)?.n ?? 0);
    }),
    viewerFavorited: new DataLoader(async (keys) => {
      const rows = await col.favorites
        .find({ userId: viewerId, articleId: { $in: ids(keys) } }, { projection: { articleId: 1 } })
        .toArray();
      const set = new Set(rows.map((r) => r.articleId.toHexString()));
      return keys.map((k) => set.has(k));
    }),
    viewerFollows: new DataLoader(async (keys) => {
      const rows = await col.follows
        .find({ followerId: viewerId, followeeId: { $in: ids(keys) } }, { projection: { followeeId: 1 } })
        .toArray();
      const set = new Set(rows.map((r) => r.followeeId.toHexString()));
      return keys.map((k) => set.has(k));
    }),
    comments: new DataLoader(async (keys) => {
      const docs = await col.comments
        .find({ articleId: { $in: ids(keys) } })
        .sort({ articleId: 1, createdAt: 1, _id: 1 })
        .toArray();
      const map = groupBy(docs, (d) => d.articleId.toHexString());
      return keys.map((k) => map.get(k) ?? []);
    }),
  };
}

/** The same relations, one query per parent: what batching saves. */
function naiveLoaders(col, viewerId) {
  const one = (fn) => ({ load: fn, prime() {} });
  return {
    user: one((k) => col.users.findOne({ _id: new ObjectId(k) }, { projection: { passwordHash: 0 } })),
    favoritesCount: one((k) => col.favorites.countDocuments({ articleId: new ObjectId(k) })),
    viewerFavorited: one(
      async (k) => (await col.favorites.findOne({ userId: viewerId, articleId: new ObjectId(k) })) !== null,
    ),
    viewerFollows: one(
      async (k) =>
        (await col.follows.findOne({ followerId: viewerId, followeeId: new ObjectId(k) })) !== null,
    ),
    comments: one((k) =>
      col.comments
        .find({ articleId: new ObjectId(k) })
        .sort({ createdAt: 1, _id: 1 })
        .toArray(),
    ),
  };
}

// Cursors are signed, as Atrium's are, so that both do comparable work per edge.
function encodeCursor(key, doc) {
  const data = `${doc.createdAt.getTime()}.${hexId(doc)}`;
  return Buffer.from(`${data}.${createHmac('sha256', key).update(data).digest('base64url')}`).toString(
    'base64url',
  );
}

function decodeCursor(key, cursor) {
  const [time, id, mac] = Buffer.from(cursor, 'base64url').toString().split('.');
  const data = `${time}.${id}`;
  if (mac !== createHmac('sha256', key).update(data).digest('base64url')) {
    throw new GraphQLError('Invalid cursor', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return { createdAt: new Date(Number(time)), _id: new ObjectId(id) };
}

function slugify(title) {
  const base = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
  return `${base || 'article'}-${randomBytes(4).toString('hex')}`;
}

const unauthenticated = () =>
  new GraphQLError('You must be signed in.', { extensions: { code: 'UNAUTHENTICATED' } });

const ISO8601DateTime = new GraphQLScalarType({
  name: 'ISO8601DateTime',
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: (value) => new Date(value),
});

export const resolvers = {
  ISO8601DateTime,
  Query: {
    viewer: (_, __, ctx) => (ctx.viewerId ? { userId: ctx.viewerId } : null),
    items: () => ITEMS,
    article: (_, { slug }, ctx) => ctx.col.articles.findOne({ slug }),
    async articles(_, { first = 20, after, tag }, ctx) {
      const limit = Math.min(Math.max(first ?? 20, 0), 100);
      const filter = tag ? { tagList: tag } : {};
      if (after) {
        const c = decodeCursor(ctx.cursorKey, after);
        filter.$or = [{ createdAt: { $lt: c.createdAt } }, { createdAt: c.createdAt, _id: { $lt: c._id } }];
      }
      const docs = await ctx.col.articles
        .find(filter)
        .sort({ createdAt: -1, _id: -1 })
        .limit(limit + 1)
        .toArray();
      const page = docs.slice(0, limit);
      const edges = page.map((doc) => ({ cursor: encodeCursor(ctx.cursorKey, doc), node: doc }));
      return {
        edges,
        nodes: page,
        pageInfo: {
          hasNextPage: docs.length > limit,
          hasPreviousPage: Boolean(after),
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  },
  Mutation: {
    async createArticle(_, { input }, ctx) {
      if (!ctx.viewerId) throw unauthenticated();
      const { clientMutationId = null } = input;
      const title = input.title.trim();
      const errors = [];
      if (title.length < 1 || title.length > 200)
        errors.push({ message: 'Title must be 1 to 200 characters.', path: 'title' });
      if (input.body.trim().length < 1) errors.push({ message: 'Body must not be empty.', path: 'body' });
      if (errors.length > 0) return { clientMutationId, article: null, errors };
      const now = new Date();
      const doc = {
        slug: slugify(title),
        title,
        description: input.description.trim(),
        body: input.body,
        tagList: [...new Set(input.tagList.map((t) => t.trim().toLowerCase()).filter(Boolean))],
        authorId: ctx.viewerId,
        createdAt: now,
        updatedAt: now,
        __v: 0,
      };
      const { insertedId } = await ctx.col.articles.insertOne(doc);
      return { clientMutationId, article: { ...doc, _id: insertedId }, errors: [] };
    },
    async signInUser(_, { input }, ctx) {
      const { clientMutationId = null } = input;
      const failed = {
        clientMutationId,
        token: null,
        refreshToken: null,
        tokenExpiresAt: null,
        viewer: null,
        errors: [{ message: 'Wrong email or password.', path: 'password' }],
      };
      const user = await ctx.col.users.findOne({
        emailKey: input.email.normalize('NFKC').trim().toLowerCase(),
      });
      // Atrium's password scheme: bcrypt over the SHA-256 of the password, so that every byte counts.
      const preHashed = createHash('sha256').update(input.password.normalize('NFC'), 'utf8').digest('base64');
      if (!user || !(await bcrypt.compare(preHashed, user.passwordHash))) return failed;
      const refreshToken = randomBytes(32).toString('base64url');
      const now = new Date();
      const { insertedId } = await ctx.col.sessions.insertOne({
        userId: user._id,
        refreshHash: createHash('sha256').update(refreshToken).digest('base64url'),
        spentRefreshHashes: [],
        expiresAt: new Date(now.getTime() + 30 * 86_400_000),
        createdAt: now,
        updatedAt: now,
      });
      const { token, expiresAt } = await ctx.signToken(user._id, insertedId);
      return {
        clientMutationId,
        token,
        refreshToken,
        tokenExpiresAt: expiresAt,
        viewer: { userId: user._id },
        errors: [],
      };
    },
  },
  Viewer: {
    user: ({ userId }, _, ctx) => ctx.loaders.user.load(userId.toHexString()),
  },
  User: {
    id: hexId,
    // Shown to the user themself only, as in Atrium.
    email: (user, _, ctx) => (ctx.viewerId?.equals(user._id) ? user.email : null),
    followedByViewer: (user, _, ctx) => (ctx.viewerId ? ctx.loaders.viewerFollows.load(hexId(user)) : false),
  },
  Article: {
    id: hexId,
    author: (article, _, ctx) => ctx.loaders.user.load(article.authorId.toHexString()),
    favoritesCount: (article, _, ctx) => ctx.loaders.favoritesCount.load(hexId(article)),
    viewerHasFavorited: (article, _, ctx) =>
      ctx.viewerId ? ctx.loaders.viewerFavorited.load(hexId(article)) : false,
    comments: (article, _, ctx) => ctx.loaders.comments.load(hexId(article)),
  },
  Comment: {
    id: hexId,
    author: (comment, _, ctx) => ctx.loaders.user.load(comment.authorId.toHexString()),
  },
};

/**
 * The executable schema: the SDL with the resolvers attached to its fields. Every stack is handed this same
 * GraphQLSchema object (mercurius, yoga and Apollo all accept one), so none of them builds its own.
 */
export function buildExecutableSchema() {
  const schema = buildSchema(SDL);
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (fields instanceof GraphQLScalarType) {
      Object.assign(type, { serialize: fields.serialize, parseValue: fields.parseValue });
      continue;
    }
    const typeFields = type.getFields();
    for (const [fieldName, resolve] of Object.entries(fields)) typeFields[fieldName].resolve = resolve;
  }
  return schema;
}
