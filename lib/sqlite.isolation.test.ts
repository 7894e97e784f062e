import { afterAll, describe, expect, it } from "vitest";
import { SYSTEM } from "./auth/actor";
import { closeDb, databaseChangeToken, db } from "./db";
import { createIssuer } from "./issuers/service";
import { revocationInfoJson } from "./repository/documents";

/**
 * One process, one writer connection: an interactive transaction's writes are visible on
 * that connection between its awaits. Reads outside the transaction must not see them
 * (the repository would sign an RN that then rolls back), and writes outside it must not
 * become part of it (they would roll back with it).
 */
const admin = { ...SYSTEM, role: "administrator" as const };

/** Opens a transaction that raises the RN, waits for `gate`, then fails (rolls back). */
function rollingBackTransaction(issuerId: string, gate: Promise<void>): { started: Promise<void>; done: Promise<unknown> } {
  let markStarted!: () => void;
  const started = new Promise<void>((r) => (markStarted = r));
  const done = db()
    .$transaction(
      async (tx) => {
        await tx.issuer.update({ where: { id: issuerId }, data: { revocationNumber: 99n } });
        markStarted();
        await gate;
        throw new Error("rolled back on purpose");
      },
      { timeout: 20_000 },
    )
    .catch((e: unknown) => e);
  return { started, done };
}

describe("reads and writes outside an open transaction", () => {
  afterAll(closeDb);

  it("a read outside sees committed data only: the repository never signs an uncommitted RN", async () => {
    const issuer = await createIssuer(admin, { name: "iso-ca", keyType: "ec-p256" });
    const before = JSON.parse(Buffer.from((await revocationInfoJson("iso-ca")).body).toString()).revocationNumber;
    let open!: () => void;
    const t = rollingBackTransaction(issuer.id, new Promise<void>((r) => (open = r)));
    await t.started;
    try {
      const token = databaseChangeToken();
      expect((await db().issuer.findUniqueOrThrow({ where: { id: issuer.id } })).revocationNumber).toBe(0n);
      const during = JSON.parse(Buffer.from((await revocationInfoJson("iso-ca")).body).toString()).revocationNumber;
      expect(during).toBe(before);
      // Uncommitted writes do not move the change token either (caches stay valid).
      expect(databaseChangeToken()).toBe(token);
    } finally {
      open();
    }
    expect(await t.done).toBeInstanceOf(Error);
    expect((await db().issuer.findUniqueOrThrow({ where: { id: issuer.id } })).revocationNumber).toBe(0n);
  });

  it("a write outside waits for the open transaction and does not roll back with it", async () => {
    const issuer = await db().issuer.findUniqueOrThrow({ where: { name: "iso-ca" } });
    let open!: () => void;
    const t = rollingBackTransaction(issuer.id, new Promise<void>((r) => (open = r)));
    await t.started;
    // A single autocommit statement (Prisma wraps its own multi-statement writes in a transaction).
    const write = db().$executeRawUnsafe(`INSERT INTO "SignInAttempt" ("key", "attemptedAt") VALUES ('written-outside', 0)`);
    await new Promise((r) => setTimeout(r, 50));
    open();
    expect(await t.done).toBeInstanceOf(Error);
    await write;
    expect(await db().signInAttempt.count({ where: { key: "written-outside" } })).toBe(1);
    expect((await db().issuer.findUniqueOrThrow({ where: { id: issuer.id } })).revocationNumber).toBe(0n);
  });
});
