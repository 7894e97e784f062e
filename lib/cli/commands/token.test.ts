import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { authenticateBearer } from "../../auth/apiTokens";
import { db } from "../../db";

/** The real binary (bin/rootline.mjs), as lib/cli/cli.test.ts runs it, against this file's database. */
function rootline(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [path.resolve("bin/rootline.mjs"), ...args], { input, encoding: "utf8", env: process.env, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("rootline token (spawned)", () => {
  it("creates a token the API accepts, lists it without its secret, revokes it", async () => {
    expect(rootline(["user", "create", "--email", "robot-owner@example.com", "--role", "administrator"], "a long enough password\n").code).toBe(0);
    const created = rootline(["token", "create", "--name", "deploy", "--role", "operator", "--owner", "robot-owner@example.com", "--ttl-days", "30"]);
    expect(created.code).toBe(0);
    const t = JSON.parse(created.out);
    expect(t).toMatchObject({ name: "deploy", role: "operator", createdBy: "robot-owner@example.com", revokedAt: null });
    expect(t.token).toMatch(/^rl_/);
    expect(new Date(t.expiresAt).getTime() - Date.now()).toBeGreaterThan(29.9 * 86_400_000);
    expect(await authenticateBearer(`Bearer ${t.token}`)).toMatchObject({ ok: true, actor: { name: "deploy", role: "operator" } });

    const list = rootline(["token", "list", "--json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out)).toEqual([expect.objectContaining({ id: t.id, prefix: t.token.slice(0, 10), expiresAt: t.expiresAt })]);
    expect(list.out).not.toContain(t.token);
    const text = rootline(["token", "list"]);
    expect(text.out).toMatch(new RegExp(`^${t.id}\\t${t.prefix}…\\tdeploy\\toperator\\trobot-owner@example.com\\tactive\\t`));

    const revoked = rootline(["token", "revoke", "--id", t.id]);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.out)).toEqual({ id: t.id, revoked: true });
    // Another process revoked it (this process would honour that once its 5 s cache entry lapses).
    expect((await db().apiToken.findUniqueOrThrow({ where: { id: t.id } })).revokedAt).not.toBeNull();
    expect(rootline(["token", "list"]).out).toContain("\trevoked\t");
  }, 120_000);

  it.each([
    [["token", "create", "--name", "x", "--role", "root", "--owner", "robot-owner@example.com"], "role"],
    [["token", "create", "--name", "x", "--role", "operator", "--owner", "robot-owner@example.com", "--ttl-days", "soon"], "ttlDays"],
    [["token", "create", "--name", "x", "--role", "operator", "--owner", "ghost@example.com"], "owner"],
    [["token", "create", "--name", " ", "--role", "operator", "--owner", "robot-owner@example.com"], "name"],
    [["token", "revoke", "--id", "no-such-token"], "id"],
  ])("bad input %j: exit 2, the field named on stderr, nothing on stdout", (args, field) => {
    const r = rootline(args as string[]);
    expect(r.err).toContain(`rootline: ${field}:`);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
  });

  it("a missing required option is a usage error (exit 2)", () => {
    const r = rootline(["token", "create", "--name", "x", "--role", "operator"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--owner");
  });
});
