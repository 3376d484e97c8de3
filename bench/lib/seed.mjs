// Fallback data set, used only when the product's seed (dist/src/cli/seed.js) is absent: 50 users, 1,000 articles,
// 5,000 comments, follows and favourites, written straight to the collections as Atrium's models shape them
// (src/models/*.ts). Deterministic, so that every run measures the same data.
//   MONGODB_URI=mongodb://127.0.0.1:PORT/bench node bench/lib/seed.mjs
import { MongoClient, ObjectId } from 'mongodb';

let state = 42;
const random = () => {
  // mulberry32: a small seeded generator, so that the data is the same every run.
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(random() * xs.length)];
const WORDS =
  'graph query node edge batch loader cache index cursor page schema field type resolver server client stream token session mongo'.split(
    ' ',
  );
const sentence = (n) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
const TAGS = [
  'graphql',
  'node',
  'mongodb',
  'performance',
  'testing',
  'design',
  'security',
  'javascript',
  'typescript',
  'devops',
];

const client = await MongoClient.connect(process.env.MONGODB_URI);
const db = client.db();
const base = Date.UTC(2025, 0, 1);
// Any valid bcrypt hash will do: nobody signs in as these users (the bench creates its own account).
const passwordHash = '$2b$04$C6UzMDM.H6dfI/f/IKxGhuWHwSnUFkfPdrqKvdrt6pbxyJiRj6TBi';

const users = Array.from({ length: 50 }, (_, i) => {
  const at = new Date(base + i * 3_600_000);
  return {
    _id: new ObjectId(),
    username: `author${i + 1}`,
    usernameKey: `author${i + 1}`,
    email: `author${i + 1}@example.com`,
    emailKey: `author${i + 1}@example.com`,
    passwordHash,
    bio: i % 2 ? `Writes about ${pick(TAGS)}.` : null,
    image: i % 3 ? `https://images.example.com/u/${i + 1}.png` : null,
    role: 'user',
    createdAt: at,
    updatedAt: at,
    __v: 0,
  };
});
const articles = Array.from({ length: 1000 }, (_, i) => {
  const at = new Date(base + 86_400_000 + i * 1_800_000);
  const title = `${sentence(4)} ${i + 1}`;
  return {
    _id: new ObjectId(),
    slug: `${title.replace(/ /g, '-')}-${(i + 1).toString(36)}`,
    title,
    description: sentence(10),
    body: sentence(120),
    tagList: [...new Set([pick(TAGS), pick(TAGS)])],
    authorId: pick(users)._id,
    createdAt: at,
    updatedAt: at,
    __v: 0,
  };
});
const comments = Array.from({ length: 5000 }, (_, i) => {
  const article = pick(articles);
  const at = new Date(article.createdAt.getTime() + 60_000 * (1 + i));
  return {
    _id: new ObjectId(),
    articleId: article._id,
    authorId: pick(users)._id,
    body: sentence(20),
    createdAt: at,
    updatedAt: at,
    __v: 0,
  };
});
const pairs = (n, a, b) => {
  const seen = new Set();
  const out = [];
  while (out.length < n) {
    const x = pick(a);
    const y = pick(b);
    const key = `${x._id}${y._id}`;
    if (x === y || seen.has(key)) continue;
    seen.add(key);
    out.push([x, y]);
  }
  return out;
};
const now = new Date(base);
const follows = pairs(300, users, users).map(([x, y]) => ({
  followerId: x._id,
  followeeId: y._id,
  createdAt: now,
  __v: 0,
}));
const favorites = pairs(3000, users, articles).map(([u, a]) => ({
  userId: u._id,
  articleId: a._id,
  createdAt: now,
  __v: 0,
}));

for (const [name, docs] of Object.entries({ users, articles, comments, follows, favorites })) {
  await db.collection(name).deleteMany({});
  await db.collection(name).insertMany(docs);
}
console.log(
  `seeded ${users.length} users, ${articles.length} articles, ${comments.length} comments, ${follows.length} follows, ${favorites.length} favourites`,
);
await client.close();
