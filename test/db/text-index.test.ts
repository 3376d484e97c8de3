import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { openDatabase } from '../../src/db';
import { mongoUri } from '../support/harness';

/**
 * A collection may hold one text index, and MongoDB refuses to build one by a name that an index with other
 * weights holds: a release that changes the weights must not stop the service from starting.
 */
test('when the stored text index has other weights, then start builds it again as declared, and search works', async () => {
  const dbName = `atrium_test_${randomUUID().replaceAll('-', '')}`;
  const client = new mongoose.mongo.MongoClient(mongoUri());
  try {
    const articles = client.db(dbName).collection('articles');
    await articles.createIndex({ title: 'text' }, { name: 'articles_text', weights: { title: 1 } });
    await articles.insertOne({ title: 'Dragons', description: '', body: 'Training', tagList: ['lore'] });

    const db = await openDatabase(mongoUri(), dbName, { maxTimeMS: 10_000 });
    try {
      const text = (await db.models.Article.collection.indexes()).filter((i) => i.key['_fts'] === 'text');
      expect(text).toHaveLength(1);
      expect(text[0]).toMatchObject({
        name: 'articles_text',
        weights: { title: 10, tagList: 5, description: 3, body: 1 },
      });
      // The body is indexed now, as the declaration says.
      const found = await db.models.Article.collection
        .find({ $text: { $search: 'training' } }, { projection: { title: 1 } })
        .toArray();
      expect(found.map((doc) => doc.title)).toEqual(['Dragons']);
    } finally {
      await db.connection.dropDatabase();
      await db.close();
    }
  } finally {
    await client.close();
  }
});
