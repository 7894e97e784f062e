import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";

/**
 * The driver adapter `prisma migrate` uses on PostgreSQL (prisma.config.ts), with the
 * work-arounds Prisma 6.19's Wasm schema engine needs there (shared notes/toolchain.md):
 * - its catalogue queries return `char`/`name` columns (OIDs 18, 19 and their arrays 1002,
 *   1003), which adapter-pg refuses: they are read as text / text[];
 * - adapter-pg's executeScript splits a script on ";", which cuts the body of a PL/pgSQL
 *   function in two: a migration runs as one simple-protocol query instead (PostgreSQL runs a
 *   multi-statement query in one implicit transaction, so a failing migration leaves nothing).
 */
export function migrationAdapter(url: string): SqlMigrationAwareDriverAdapterFactory {
  const pool = withTextCatalogTypes(new pg.Pool({ connectionString: url, max: 2, allowExitOnIdle: true, idleTimeoutMillis: 200 }));
  const factory = new PrismaPg(pool, { disposeExternalPool: true });
  const scriptAsOneQuery = (adapter: SqlDriverAdapter): SqlDriverAdapter =>
    Object.assign(Object.create(adapter) as SqlDriverAdapter, {
      executeScript: async (script: string) => {
        await pool.query(script);
      },
    });
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => scriptAsOneQuery(await factory.connect()),
    connectToShadowDb: async () => factory.connectToShadowDb(),
  };
}

const AS_TEXT: Record<number, number> = { 18: 25, 19: 25, 1002: 1009, 1003: 1009 };
const TEXT_ARRAY = (pg.types.getTypeParser as (oid: number) => (v: string) => unknown)(1009);

function withTextCatalogTypes(pool: pg.Pool): pg.Pool {
  const fix = <R>(result: R): R => {
    for (const r of Array.isArray(result) ? result : [result]) {
      const fields = (r as pg.QueryResult | undefined)?.fields;
      if (!fields) continue;
      fields.forEach((f, i) => {
        const to = AS_TEXT[f.dataTypeID];
        if (!to) return;
        if (to === 1009) for (const row of (r as pg.QueryResult).rows as unknown[][]) if (typeof row[i] === "string") row[i] = TEXT_ARRAY(row[i] as string);
        f.dataTypeID = to;
      });
    }
    return result;
  };
  const wrap = <T extends { query: (...a: never[]) => unknown }>(target: T): T => {
    const query = target.query.bind(target) as (...a: unknown[]) => unknown;
    (target as { query: unknown }).query = (...args: unknown[]) => {
      const out = query(...args);
      return out instanceof Promise ? out.then(fix) : out;
    };
    return target;
  };
  // Pool.query itself calls connect with a callback; Prisma's transactions call it without.
  const connect = pool.connect.bind(pool) as (cb?: (err: Error | undefined, client: pg.PoolClient, done: () => void) => void) => Promise<pg.PoolClient> | void;
  const wrapped = new WeakSet<pg.PoolClient>();
  const once = (client: pg.PoolClient) => {
    if (client && !wrapped.has(client)) {
      wrapped.add(client);
      wrap(client);
    }
    return client;
  };
  (pool as { connect: unknown }).connect = (cb?: (err: Error | undefined, client: pg.PoolClient, done: () => void) => void) =>
    cb ? connect((err, client, done) => cb(err, once(client), done)) : (connect() as Promise<pg.PoolClient>).then(once);
  return wrap(pool);
}
