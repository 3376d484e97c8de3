// W0, the ceiling: plain node:http that reads the request body and answers precomputed bytes, the exact
// response of the workload named by the path (/W1 … /W6). No parsing, no GraphQL: whatever a GraphQL
// server spends beyond this is its own overhead.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const dir = process.env.BARE_RESPONSES_DIR;
const responses = new Map();
for (const file of fs.readdirSync(dir)) {
  responses.set(`/${path.basename(file, '.json')}`, fs.readFileSync(path.join(dir, file)));
}

const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    const body = responses.get(req.url);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
