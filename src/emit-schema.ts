import fs from 'node:fs';
import path from 'node:path';
import { printSchemaSdl } from './schema';

/** Writes schema/schema.graphql from the same builder the server uses. */
const target = path.resolve(__dirname, '..', '..', 'schema', 'schema.graphql');
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, printSchemaSdl());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
