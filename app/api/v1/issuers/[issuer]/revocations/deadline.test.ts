import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { POST } from "@/app/api/v1/issuers/[issuer]/revocations/route";
import { createApiToken } from "@/lib/auth/apiTokens";
import { createUser } from "@/lib/auth/users";
import { issueCertificate } from "@/lib/certificates/issue";
import { requestFromCsr } from "@/lib/certificates/request";
import { db } from "@/lib/db";
import { createIssuer } from "@/lib/issuers/service";
import { makeCsr } from "@/lib/test/csr";
import { checkDeadline, DEADLINE_DAYS, parseDeadline } from "@/lib/revocation/deadline";
import { startRevocation } from "@/lib/revocation/prefix";

const NOW = new Date("2026-01-01T00:00:00Z");
const DAY = 86_400_000;
const admin = { kind: "cli", name: "t", role: "administrator" } as const;

describe("parseDeadline: days from now, as the form, the API and the CLI give them", () => {
  it.each([
    [undefined, null],
    [null, null],
    ["", null],
    ["   ", null],
    ["1", 1],
    [" 14 ", 14],
    [14, 14],
    ["3650", 3650],
    [3650, 3650],
  ])("%j → %j days", (input, days) => {
    const d = parseDeadline(input, NOW);
    expect(d === undefined ? null : (d.getTime() - NOW.getTime()) / DAY).toBe(days);
  });

  it.each([["0"], [0], ["3651"], [3651], ["-1"], [-1], ["1.5"], [1.5], ["1e3"], ["0x10"], ["14 days"], [Number.NaN], [Infinity], [true], [{}], ["99999999999999999999"]])("refuses %j", (input) => {
    expect(() => parseDeadline(input, NOW, "deadlineDays")).toThrow(expect.objectContaining({ field: "deadlineDays", status: 400, message: expect.stringContaining(`from 1 to ${DEADLINE_DAYS.max}`) }));
  });

  it.each([
    ["none", undefined, null],
    ["one day", new Date(NOW.getTime() + DAY), null],
    ["exactly the maximum", new Date(NOW.getTime() + DEADLINE_DAYS.max * DAY), null],
    ["now", NOW, "future"],
    ["the past", new Date(NOW.getTime() - 1), "future"],
    ["an invalid date", new Date(Number.NaN), "future"],
    ["past the maximum", new Date(NOW.getTime() + DEADLINE_DAYS.max * DAY + 1), `at most ${DEADLINE_DAYS.max} days`],
  ])("checkDeadline: %s", (_name, deadline, refused) => {
    if (refused === null) expect(() => checkDeadline(deadline, NOW)).not.toThrow();
    else expect(() => checkDeadline(deadline, NOW)).toThrow(expect.objectContaining({ field: "deadline", message: expect.stringContaining(refused) }));
  });
});

/** The same bound behind every entry point; before, the CLI took any number of days. */
describe("one deadline bound for the domain, the API and the CLI", () => {
  const CA = "deadline-bounds";
  it("startRevocation refuses a date past the bound; nothing is written", async () => {
    await createIssuer(admin, { name: CA, keyType: "ec-p256", firstSerial: 1 });
    for (const cn of ["a.example", "b.example", "c.example"]) await issueCertificate(admin, CA, await requestFromCsr({ csr: (await makeCsr(cn)).pem }));
    const late = new Date(Date.now() + (DEADLINE_DAYS.max + 1) * DAY);
    await expect(startRevocation(admin, { issuer: CA, serial: 1n, reason: "superseded", order: "renew-first", deadline: late })).rejects.toMatchObject({ field: "deadline", status: 400 });
    expect(await db().revocation.count()).toBe(0);
  });

  it("the API answers 400 on deadlineDays 3651 and takes 3650", async () => {
    const owner = await createUser(admin, { email: "ci@example.com", role: "operator", password: "a-long-password-1" });
    const { token } = await createApiToken(admin, { name: "deadline", role: "operator", owner: owner.email });
    const post = (body: unknown) =>
      POST(new Request(`http://x/api/v1/issuers/${CA}/revocations`, { method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: JSON.stringify(body) }), { params: Promise.resolve({ issuer: CA }) });
    const refused = await post({ serial: "1", reason: "superseded", order: "renew-first", deadlineDays: 3651 });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ field: "deadlineDays", error: expect.stringContaining("from 1 to 3650") });
    const ok = await post({ serial: "1", reason: "superseded", order: "renew-first", deadlineDays: 3650 });
    expect(ok.status).toBe(201);
    const r = await db().revocation.findFirstOrThrow({ where: { serial: 1n } });
    expect(Math.round((r.deadline!.getTime() - r.createdAt.getTime()) / DAY)).toBe(3650);
  });

  it("the CLI exits 2 on --deadline-days 3651 (it had no upper bound)", () => {
    const r = spawnSync(process.execPath, [path.resolve("bin/rootline.mjs"), "cert", "revoke", "--issuer", CA, "--serial", "2", "--reason", "superseded", "--order", "renew-first", "--deadline-days", "3651"], { encoding: "utf8", env: process.env, timeout: 60_000 });
    expect(r.stderr).toContain("deadline-days: the deadline is a whole number of days from 1 to 3650");
    expect(r.status).toBe(2);
  });
});
