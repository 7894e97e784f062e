import { describe, expect, it } from "vitest";
import { db } from "../db";
import { InputErrors } from "../errors";
import { createUser } from "../auth";
import { requestWithGeneratedKey } from "../certificates/request";
import { createIssuer } from "./service";

const admin = { kind: "cli", name: "test", role: "administrator" } as const;

/** The InputErrors a call throws, as field → message. */
async function fieldErrors(fn: () => Promise<unknown>): Promise<Record<string, string>> {
  const err = await fn().then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(InputErrors);
  return Object.fromEntries((err as InputErrors).errors.map((e) => [e.field, e.message]));
}

describe("a CA's subject", () => {
  it("gets CN = the issuer name whenever no CN is given, not only when every field is empty", async () => {
    expect((await createIssuer(admin, { name: "georgia-ca", keyType: "ec-p256", subject: { CN: "", O: "", OU: "", C: "GE" } })).subject).toBe("CN=georgia-ca, C=GE");
    expect((await createIssuer(admin, { name: "acme-ca", keyType: "ec-p256", subject: "O=Acme" })).subject).toBe("CN=acme-ca, O=Acme");
    expect((await createIssuer(admin, { name: "bare-ca", keyType: "ec-p256", subject: { CN: "", C: "" } })).subject).toBe("CN=bare-ca");
    expect((await createIssuer(admin, { name: "named-ca", keyType: "ec-p256", subject: { CN: "Named Root", C: "de" } })).subject).toBe("CN=Named Root, C=DE");
  });

  it('refuses Country "DEU" naming the field, instead of cutting it to "DE"', async () => {
    const before = await db().issuer.count();
    const err = await createIssuer(admin, { name: "deu-ca", keyType: "ec-p256", subject: { C: "DEU" } }).catch((e: unknown) => e);
    // The API and the CLI see field "subject"; a form sees the attribute itself.
    expect(err).toMatchObject({ field: "subject", message: expect.stringMatching(/^C is 3 characters long; at most 2/) });
    expect((err as InputErrors).errors).toEqual([{ field: "subject.C", message: expect.stringMatching(/two-letter country code/) }]);
    expect(await db().issuer.count()).toBe(before);
  });
});

describe("every field at fault in one pass", () => {
  it("issuer creation: name, key type, validity and two subject attributes at once", async () => {
    const before = await db().issuer.count();
    expect(await fieldErrors(() => createIssuer(admin, { name: "bad name", keyType: "dsa-1024", validityDays: "0", subject: { C: "DEU", CN: "x".repeat(65) } }))).toEqual({
      name: expect.stringMatching(/letters, digits/),
      validityDays: expect.stringMatching(/at least one day/),
      keyType: expect.any(String),
      "subject.C": expect.stringMatching(/at most 2/),
      "subject.CN": expect.stringMatching(/at most 64/),
    });
    expect(await db().issuer.count()).toBe(before);
  });

  it("a missing name is reported once, not also as an empty subject", async () => {
    expect(await createIssuer(admin, { name: "", keyType: "ec-p256", subject: {} }).catch((e: unknown) => e)).toMatchObject({ field: "name" });
  });

  it("a request with a generated key: profile, key type, subject and SANs at once", async () => {
    expect(await fieldErrors(() => requestWithGeneratedKey({ profile: "nope", keyType: "dsa", subject: { CN: "a", C: "DEU" }, sans: ["FTP:x"] }))).toEqual({
      profile: expect.any(String),
      keyType: expect.any(String),
      "subject.C": expect.stringMatching(/at most 2/),
      san: expect.any(String),
    });
  });

  it("a new user: email, role and password at once", async () => {
    expect(Object.keys(await fieldErrors(() => createUser(admin, { email: "not-an-email", name: "", role: "root", password: "short" }))).sort()).toEqual(["email", "password", "role"]);
  });
});
