import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";

const mode = (f: string) => (fs.statSync(f).mode & 0o777).toString(8);

describe("data directory permissions (real CLI process, fresh data directory)", () => {
  it("makes the directory 0700 and the database and its -wal/-shm 0600, and warns about a loose master.key", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-perm-"));
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, "master.key"), crypto.randomBytes(32).toString("base64") + "\n", { mode: 0o644 });
    const env: NodeJS.ProcessEnv = { ...process.env, ROOTLINE_DATA_DIR: dir };
    delete env.DATABASE_URL;
    delete env.ROOTLINE_MASTER_KEY;
    // umask 022, as most shells have: without the fix SQLite creates 0644 files.
    const r = spawnSync("sh", ["-c", `umask 022 && exec "${process.execPath}" bin/rootline.mjs issuer create --name perm-ca --key ec-p256`], { env, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${path.join(dir, "master.key")} has mode 0644; it should be 0600`);
    expect(mode(dir)).toBe("700");
    const db = path.join(dir, "rootline.db");
    expect(mode(db)).toBe("600");
    // SQLite removes -wal/-shm when the last connection closes: look while a process writes.
    const app = spawn(process.execPath, ["--import", "tsx", "lib/test/holder.ts"], { env });
    try {
      const lines = createInterface({ input: app.stdout })[Symbol.asyncIterator]();
      await lines.next();
      app.stdin.write("x\n");
      expect((await lines.next()).value).toMatch(/^ok /);
      expect([mode(`${db}-wal`), mode(`${db}-shm`)]).toEqual(["600", "600"]);
    } finally {
      app.kill();
    }
  });
});
