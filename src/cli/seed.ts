import { configFrom, EXIT, runCommand, withDeps } from './command';
import { DEMO_PASSWORD, demoEmail, seed } from './seed-data';

/** `npm run seed`: fills the configured database (or the embedded one) with demo data, idempotently. */
runCommand('seed', async () => {
  const { inserted } = await withDeps(configFrom(process.env), (deps) => seed(deps));
  process.stdout.write(
    `Seeded: ${Object.entries(inserted)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')} (new documents; existing ones are kept).\n` +
      `Sign in as ${demoEmail(0)} (admin), ${demoEmail(1)} (moderator) or ${demoEmail(2)} with password "${DEMO_PASSWORD}".\n`,
  );
  return EXIT.ok;
});
