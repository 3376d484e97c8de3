import { configFrom, EXIT, runCommand, withDeps } from './command';
import { recountTags } from '../models/tag-counts';

/**
 * `npm run recount-tags`: sets every tag's count from the articles stored. For counts left off by a write
 * whose count move failed after its article was written (the server logs each one as `tag counts not
 * moved`); run it while no article is being written.
 */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const counted = await withDeps(configFrom(env), (deps) => recountTags(deps.models));
  process.stdout.write(`Counted ${counted} tags from the articles.\n`);
  return EXIT.ok;
}

if (require.main === module) runCommand('recount-tags', () => main());
