// `npm start` / `npm run prepare-db`: apply pending migrations, or leave an up-to-date
// database alone without taking its lock (lib/migrations.ts). One line on failure.
import { ensureMigrated, MigrationError } from "../lib/migrations";

try {
  const applied = ensureMigrated({ log: (line) => console.log(`rootline: ${line}`) });
  console.log(applied.length ? `rootline: applied ${applied.length} migration(s)` : "rootline: database schema is up to date");
} catch (e) {
  if (!(e instanceof MigrationError)) throw e;
  console.error(`rootline: ${e.message}`);
  process.exit(1);
}
