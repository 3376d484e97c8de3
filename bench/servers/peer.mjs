// One peer stack serving the shared schema (shared/content.mjs) on 127.0.0.1, each configured as its own
// documentation shows, with defaults: the point is what a team gets out of the box.
//   node servers/peer.mjs <apollo|apollo-express|yoga|mercurius|mercurius-jit|graphql-js|naive|monitored>
// `monitored` is graphql-js with the MongoDB driver's command monitoring on, as Atrium runs it, to show
// what that costs (run.mjs --monitor-experiment).
// Environment: PORT, MONGODB_URI, TOKEN_SECRET, BCRYPT_ROUNDS. Prints "listening <port>" when ready.
import http from 'node:http';
import { buildExecutableSchema, connect } from '../shared/content.mjs';

const monitorCommands = process.argv[2] === 'monitored';
const stack = monitorCommands ? 'graphql-js' : process.argv[2];
const port = Number(process.env.PORT ?? 0);
const shared = await connect({
  mongodbUri: process.env.MONGODB_URI,
  tokenSecret: process.env.TOKEN_SECRET,
  bcryptRounds: Number(process.env.BCRYPT_ROUNDS ?? 12),
  monitorCommands,
});
const schema = buildExecutableSchema();
const contextOf = (authorization) => shared.createContext(authorization, stack === 'naive');

const ready = (p) => process.stdout.write(`listening ${p}\n`);

switch (stack) {
  case 'apollo': {
    const { ApolloServer } = await import('@apollo/server');
    const { startStandaloneServer } = await import('@apollo/server/standalone');
    const server = new ApolloServer({ schema });
    const { url } = await startStandaloneServer(server, {
      listen: { port, host: '127.0.0.1' },
      context: async ({ req }) => contextOf(req.headers.authorization),
    });
    ready(new URL(url).port);
    break;
  }
  case 'apollo-express': {
    const { ApolloServer } = await import('@apollo/server');
    const { expressMiddleware } = await import('@as-integrations/express5');
    const { default: express } = await import('express');
    const { default: cors } = await import('cors');
    const app = express();
    const server = new ApolloServer({ schema });
    await server.start();
    app.use(
      '/graphql',
      cors(),
      express.json(),
      expressMiddleware(server, { context: async ({ req }) => contextOf(req.headers.authorization) }),
    );
    const listener = app.listen(port, '127.0.0.1', () => ready(listener.address().port));
    break;
  }
  case 'yoga': {
    const { createYoga } = await import('graphql-yoga');
    const yoga = createYoga({
      schema,
      logging: false,
      context: ({ request }) => contextOf(request.headers.get('authorization') ?? undefined),
    });
    const server = http.createServer(yoga);
    server.listen(port, '127.0.0.1', () => ready(server.address().port));
    break;
  }
  case 'mercurius':
  case 'mercurius-jit': {
    const { default: Fastify } = await import('fastify');
    const { default: mercurius } = await import('mercurius');
    const app = Fastify();
    await app.register(mercurius, {
      schema,
      // jit: 1 compiles a query with graphql-jit from its first use on.
      ...(stack === 'mercurius-jit' ? { jit: 1 } : {}),
      context: (request) => contextOf(request.headers.authorization),
    });
    await app.listen({ port, host: '127.0.0.1' });
    ready(app.server.address().port);
    break;
  }
  case 'graphql-js':
  case 'naive': {
    // The least a server can do: node:http, JSON in, graphql-js parse/validate/execute, JSON out. Parsed
    // and validated documents are kept by query text, as every production server does.
    const { execute, parse, validate } = await import('graphql');
    const documents = new Map();
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', async () => {
        let result;
        try {
          const { query, variables, operationName } = JSON.parse(Buffer.concat(chunks).toString());
          let document = documents.get(query);
          if (!document) {
            document = parse(query);
            const errors = validate(schema, document);
            if (errors.length > 0) throw errors[0];
            if (documents.size < 1000) documents.set(query, document);
          }
          const contextValue = await contextOf(req.headers.authorization);
          result = await execute({
            schema,
            document,
            variableValues: variables,
            operationName,
            contextValue,
          });
        } catch (error) {
          result = { errors: [{ message: error.message }] };
        }
        const body = JSON.stringify(result);
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      });
    });
    server.listen(port, '127.0.0.1', () => ready(server.address().port));
    break;
  }
  default:
    throw new Error(`unknown stack ${stack}`);
}

process.on('SIGTERM', () => process.exit(0));
