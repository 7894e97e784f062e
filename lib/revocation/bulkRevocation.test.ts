import crypto from "node:crypto";
import type Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr } from "../certificates/request";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { makeCsr } from "../test/csr";
import { startRevocation } from "./prefix";
import { renewWithToken } from "./renewal";
import { revocationStatus } from "./status";

/**
 * Issue 7: a revocation's write transaction holds SQLite's write lock, and every other
 * writer (devices, the app in another process) waits for it. Its statements must not
 * grow with the number of affected certificates: counted here on the real connection,
 * as the statements SQLite actually prepares.
 */
const op = { kind: "cli", name: "bulk", role: "operator" } as const;

/** Counts the statements the process's SQLite connection prepares while `fn` runs. */
async function countStatements<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
  await db().issuer.count(); // the connection is open
  // lib/db.ts keeps its adapter on globalThis (Next dev reloads); its `client` is the better-sqlite3 connection.
  const conn = (globalThis as unknown as { rootlineAdapter: { client: Database.Database } }).rootlineAdapter.client;
  const prepare = conn.prepare;
  let statements = 0;
  conn.prepare = ((sql: string) => {
    statements++;
    return prepare.call(conn, sql);
  }) as typeof conn.prepare;
  try {
    return { result: await fn(), statements };
  } finally {
    conn.prepare = prepare;
  }
}

/** An issuer with one issued certificate and `n` more still-valid rows of the same shape. */
async function fleet(name: string, n: number) {
  const issuer = await createIssuer({ kind: "cli", name: "t", role: "administrator" }, { name, keyType: "ec-p256" });
  const sample = await issueCertificate(op, name, await requestFromCsr({ csr: (await makeCsr("sample.example")).pem }));
  const row = await db().certificate.findUniqueOrThrow({ where: { id: sample.id } });
  const { id: _id, createdAt: _c, ...shape } = row;
  await db().certificate.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      ...shape,
      serial: sample.serial + 1n + BigInt(i),
      subject: `CN=dev-${i}.example`,
      commonName: `dev-${i}.example`,
      sans: `DNS:dev-${i}.example`,
      fingerprintSha256: crypto.randomBytes(32).toString("hex"),
      spkiSha256: crypto.randomBytes(32).toString("hex"),
    })),
  });
  await db().issuer.update({ where: { id: issuer.id }, data: { nextSerial: sample.serial + 1n + BigInt(n) } });
  return { top: sample.serial + BigInt(n) };
}

describe("a raise-first revocation of many certificates", () => {
  it("runs the same number of statements for 20 and for 2,000 affected certificates", async () => {
    const counts: number[] = [];
    for (const n of [20, 2000]) {
      const name = `bulk-${n}`;
      const { top } = await fleet(name, n);
      const { result: r, statements } = await countStatements(() => startRevocation(op, { issuer: name, serial: top, reason: "keyCompromise", order: "raise-first" }));
      counts.push(statements);
      // Every certificate up to the target (the sample included) is affected, gets a request and a token.
      expect(r.tokens).toHaveLength(n + 1);
      expect(r.awaiting).toHaveLength(n + 1);
      expect(r.revocationNumber).toBe(top + 1n);
      expect(await db().renewalRequest.count({ where: { revocationId: r.id, status: "pending", tokenHash: { not: null } } })).toBe(n + 1);
      expect(await db().certificate.count({ where: { issuer: { name }, status: "valid", serial: { lt: top + 1n } } })).toBe(0);
      expect(new Set(r.tokens.map((t) => t.token)).size).toBe(n + 1);
    }
    expect(counts[1], `statements for 20 vs 2,000 certificates: ${counts.join(" vs ")}`).toBe(counts[0]);
    expect(counts[0]).toBeLessThan(40);
  }, 120_000);

  it("stores tokens that renew: the holder of a bulk-created request gets its replacement", async () => {
    const { top } = await fleet("bulk-token", 50);
    const r = await startRevocation(op, { issuer: "bulk-token", serial: top, reason: "superseded", order: "raise-first" });
    const t = r.tokens[7];
    const renewed = await renewWithToken({ token: t.token, csr: (await makeCsr(`dev-${Number(t.serial - r.tokens[1].serial)}.example`)).pem });
    expect(renewed.replacement.serial).toBeGreaterThanOrEqual(top + 1n);
    const pending = (await revocationStatus("bulk-token")).pending[0];
    expect(pending.awaiting).toHaveLength(50);
    expect(pending.renewed).toEqual([t.serial]);
  });
});
