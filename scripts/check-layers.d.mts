/** Types of scripts/check-layers.mjs (the layering check, also used by vitest.pg.config.mts). */
export const DATABASE_FREE: string[];
/** The chain of imports from a repository-relative file to the database, or null. */
export function pathToDatabase(rel: string): string[] | null;
export function sourceFiles(dir: string): Generator<string>;
export function violations(): string[];
