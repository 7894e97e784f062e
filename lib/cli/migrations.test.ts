import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "./main";
import { databaseFile } from "../config";
import { closeDb, db } from "../db";
import { databaseHolders, ensureMigrated, pendingMigrations } from "../migrations";
import { holdWriteLock } from "../test/holdLock";

const ALL = fs.readdirSync(path.join(__dirname, "..", "..", "prisma", "migrations")).filter((d) => fs.existsSync(path.join(__dirname, "..", "..", "prisma", "migrations", d, "migration.sql")));

describe("migrations at start-up", () => {
  afterAll(() => closeDb());

  it("sees an up-to-date database read-only, even while another process holds its write lock", async () => {
    expect(pendingMigrations()).toEqual([]);
    expect(pendingMigrations(path.join(path.dirname(databaseFile()), "nothing-here.db"))).toEqual(ALL.sort());
    const lock = await holdWriteLock(databaseFile(), 3);
    const t0 = Date.now();
    // `prisma migrate deploy` would wait for the holder and fail ("unknown variant SocketTimeout").
    expect(ensureMigrated()).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(databaseHolders().join("\n")).toContain(`pid ${lock.child.pid} (`);
    lock.child.kill();
    await lock.released;
  });

  it("names the processes holding the database", async () => {
    const child = spawn("python3", ["-c", "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1]); c.execute('select 1').fetchall(); print('open', flush=True); time.sleep(30)", databaseFile()], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise((r) => child.stdout.once("data", r));
    expect(databaseHolders().some((h) => h.startsWith(`pid ${child.pid} (`) && h.includes("python3"))).toBe(true);
    child.kill();
  });

  it("the CLI migrates a fresh data directory before its command instead of failing on a missing table", async () => {
    const fresh = path.join(path.dirname(databaseFile()), "fresh", "rootline.db");
    process.env.DATABASE_URL = `file:${fresh}`;
    await closeDb();
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    const out = process.stdout.write.bind(process.stdout);
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(["node", "rootline", "issuer", "create", "--name", "fresh-ca", "--key", "ec-p256"]);
    } finally {
      process.stderr.write = write;
      process.stdout.write = out;
    }
    expect(err.join("")).toContain("applying");
    expect(code).toBe(0);
    expect(pendingMigrations(fresh)).toEqual([]);
    expect(await db().issuer.count({ where: { name: "fresh-ca" } })).toBe(1);
  }, 60_000);
});
