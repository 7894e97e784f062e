import { RootlineSqlite } from "../sqlite";
import { ALWAYS_LEADING, sqliteDialect, type DatabaseBackend, type JobLead, type WriteHealth } from "./backend";

/** The embedded default: one file, RootlineSqlite's adapter (lib/sqlite.ts) and its data_version token. */
export class SqliteBackend implements DatabaseBackend {
  readonly kind = "sqlite" as const;
  readonly sql = sqliteDialect;
  readonly adapter: RootlineSqlite;

  constructor(url: string) {
    this.adapter = new RootlineSqlite(url);
  }

  changeToken(): string | null {
    return this.adapter.changeToken();
  }

  writeHealth(): Promise<WriteHealth> {
    return this.adapter.writeHealth();
  }

  /** Today's behaviour: every process runs its jobs; they serialize on the write lock. */
  jobLead(): JobLead {
    return ALWAYS_LEADING;
  }

  async close(): Promise<void> {}
}
