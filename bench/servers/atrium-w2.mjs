// Atrium's own server stack (dist/src: config, deps, createServer with its handler and plugins) over its full
// schema plus one bench-only query, `items`, declared with type-graphql like Atrium's resolvers. W2 measures
// the per-field cost of that stack; the product has no in-memory list to serve, so the bench adds one here.
// Run from the compiled build, with the same environment as dist/src/main.js.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ITEMS } from '../shared/items.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Everything comes from the repository's node_modules and dist, so there is one graphql and one type-graphql.
const require = createRequire(path.join(root, 'package.json'));
require('reflect-metadata');
const { Field, Float, ID, Int, ObjectType, Query, Resolver } = require('type-graphql');
const { loadConfig } = require('./dist/src/config.js');
const { createLogger } = require('./dist/src/observability/logger.js');
const { createDeps } = require('./dist/src/deps.js');
const { createServer } = require('./dist/src/server.js');
const { resolvers } = require('./dist/resolvers/index.js');
const { schemaOf } = require('./dist/src/schema.js');

// Decorators applied by hand (this file is plain JavaScript): the same metadata `@Field()` and friends record.
class Item {}
const fields = {
  id: ID,
  name: String,
  email: String,
  age: Int,
  active: Boolean,
  score: Float,
  createdAt: String,
};
for (const [name, type] of Object.entries(fields)) Field(() => type)(Item.prototype, name);
// Plain fields take graphql-js's default resolver, as every object type of Atrium's does.
ObjectType('Item', { simpleResolvers: true })(Item);

class ItemResolver {
  items() {
    return ITEMS;
  }
}
Query(() => [Item])(
  ItemResolver.prototype,
  'items',
  Object.getOwnPropertyDescriptor(ItemResolver.prototype, 'items'),
);
Resolver()(ItemResolver);

// Built as the service's schema is: the same options, the scope check in front of every root field.
const schema = schemaOf([...resolvers, ItemResolver]);

const config = loadConfig(process.env);
const logger = createLogger(config);
const deps = await createDeps(config, logger);
const server = await createServer(deps, schema);
const port = await server.listen(config.port, '127.0.0.1');
process.stdout.write(`listening ${port}\n`);
process.on('SIGTERM', () => process.exit(0));
