import { createDeps } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { DEMO_PASSWORD, demoEmail, seed } from './seed-data';

/** `npm run seed`: fills the configured database (or the embedded one) with demo data, idempotently. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config);
  const deps = await createDeps(config, logger);
  try {
    const { inserted } = await seed(deps);
    process.stdout.write(
      `Seeded: ${Object.entries(inserted)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')} (new documents; existing ones are kept).\n` +
        `Sign in as ${demoEmail(0)} (admin), ${demoEmail(1)} (moderator) or ${demoEmail(2)} with password "${DEMO_PASSWORD}".\n`,
    );
  } finally {
    await deps.db.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
