import path from "node:path";

/**
 * Where Rootline keeps its state. One directory so an operator backs up one thing:
 * the SQLite database and, unless ROOTLINE_MASTER_KEY is set, the master key file.
 */
export function dataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.env.ROOTLINE_DATA_DIR ?? path.join(process.cwd(), "data"));
}

/** SQLite URL (`file:/abs/path.db`). DATABASE_URL wins so tests can point at their own file. */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (url) return url;
  return `file:${path.join(dataDir(), "rootline.db")}`;
}

export function databaseFile(): string {
  return databaseUrl().replace(/^file:/, "");
}
