import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "../../db";

/** The real binary (bin/rootline.mjs), as lib/cli/cli.test.ts runs it, against this file's database. */
function rootline(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [path.resolve("bin/rootline.mjs"), ...args], { input, encoding: "utf8", env: process.env, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("rootline user set-role (spawned)", () => {
  it("changes a role (JSON out, audited) and refuses to demote the last active administrator", async () => {
    expect(rootline(["user", "create", "--email", "only-admin@example.com", "--role", "administrator"], "a long enough password\n").code).toBe(0);
    expect(rootline(["user", "create", "--email", "Worker@example.com", "--role", "operator"], "a long enough password\n").code).toBe(0);

    const r = rootline(["user", "set-role", "--email", "WORKER@example.com", "--role", "auditor"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ email: "worker@example.com", role: "auditor" });
    const ev = await db().auditEvent.findFirstOrThrow({ where: { action: "user.role-change" } });
    expect(ev.actor).toMatch(/^cli:/);
    expect(JSON.parse(ev.after!)).toEqual({ role: "auditor" });

    const last = rootline(["user", "set-role", "--email", "only-admin@example.com", "--role", "operator"]);
    expect(last.code).toBe(2);
    expect(last.err).toContain("cannot demote the last active administrator");
    expect(last.out).toBe("");

    const bad = rootline(["user", "set-role", "--email", "worker@example.com", "--role", "root"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^rootline: role: role must be one of administrator, operator, auditor/);
    const missing = rootline(["user", "set-role", "--email", "ghost@example.com", "--role", "auditor"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("no user with the email ghost@example.com");

    // Once another administrator exists, the first may step down.
    expect(rootline(["user", "set-role", "--email", "worker@example.com", "--role", "administrator"]).code).toBe(0);
    expect(JSON.parse(rootline(["user", "set-role", "--email", "only-admin@example.com", "--role", "operator"]).out)).toMatchObject({ role: "operator" });
    expect(await db().user.count({ where: { role: "administrator" } })).toBe(1);
  }, 180_000); // eight spawned CLI runs with tsx start-up and scrypt on a loaded 2-core machine
});
