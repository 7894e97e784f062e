import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr } from "../certificates/request";
import { db } from "../db";
import { InputErrors } from "../errors";
import { openssl, opensslCsr, tmpFile } from "../test/openssl";
import { importIssuer } from "./service";

/**
 * Importing a CA: one key, one issuer; one subject, one issuer unless it is a declared
 * rollover; and a first serial the operator chose above what the CA used before.
 */

const admin = { kind: "cli", name: "test", role: "administrator" } as const;

/** A CA made by OpenSSL: certificate and key PEM. */
function opensslCa(subject: string, keyFile?: string): { certificate: string; privateKey: string } {
  const dir = path.dirname(tmpFile("x", ""));
  const key = keyFile ?? path.join(dir, "ca.key");
  const crt = path.join(dir, "ca.crt");
  const keyArgs = keyFile ? ["-key", keyFile] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key];
  const r = openssl(["req", "-x509", ...keyArgs, "-out", crt, "-subj", subject, "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  if (r.status !== 0) throw new Error(r.stderr);
  return { certificate: fs.readFileSync(crt, "utf8"), privateKey: fs.readFileSync(key, "utf8") };
}

describe("importing a CA", () => {
  it("requires a first serial, and issues from it", async () => {
    const ca = opensslCa("/CN=Serial CA");
    for (const firstSerial of [undefined, "", "  "]) {
      await expect(importIssuer(admin, { name: "serial-ca", ...ca, firstSerial })).rejects.toMatchObject({ field: "firstSerial", message: expect.stringMatching(/above every serial/) });
    }
    await importIssuer(admin, { name: "serial-ca", ...ca, firstSerial: "100000" });
    const cert = await issueCertificate(admin, "serial-ca", await requestFromCsr({ csr: opensslCsr("/CN=leaf.example").csr }));
    expect(cert.serial).toBe(100000n);
  });

  it("reports every field at fault in one pass: first serial, certificate and key together", async () => {
    const err = await importIssuer(admin, { name: "all-wrong", certificate: "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----", privateKey: "not a key", firstSerial: "" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputErrors);
    expect((err as InputErrors).errors.map((e) => e.field).sort()).toEqual(["certificate", "firstSerial", "privateKey"]);
    expect(await db().issuer.count({ where: { name: "all-wrong" } })).toBe(0);
  });

  it("refuses the same CA twice (same key, same subject), writing nothing", async () => {
    const ca = opensslCa("/CN=Twice CA");
    await importIssuer(admin, { name: "twice-1", ...ca, firstSerial: "1" });
    const before = await db().issuer.count();
    await expect(importIssuer(admin, { name: "twice-2", ...ca, firstSerial: "1000" })).rejects.toMatchObject({ field: "privateKey", status: 409, message: expect.stringMatching(/already belongs to issuer "twice-1"/) });
    // Even when called a rollover: a key is one issuer's.
    await expect(importIssuer(admin, { name: "twice-3", ...ca, firstSerial: "1000", rollover: true })).rejects.toMatchObject({ field: "privateKey", status: 409 });
    expect(await db().issuer.count()).toBe(before);
  });

  it("refuses the same key under another subject (a re-issued CA certificate)", async () => {
    const first = opensslCa("/CN=Key CA");
    await importIssuer(admin, { name: "key-1", ...first, firstSerial: "1" });
    const keyFile = tmpFile("same.key", first.privateKey);
    const renamed = opensslCa("/CN=Key CA renamed", keyFile);
    await expect(importIssuer(admin, { name: "key-2", ...renamed, firstSerial: "1" })).rejects.toMatchObject({ field: "privateKey", status: 409 });
  });

  it("refuses a known subject with another key unless it is declared a rollover", async () => {
    await importIssuer(admin, { name: "gen-1", ...opensslCa("/CN=Generation CA"), firstSerial: "1" });
    const next = opensslCa("/CN=Generation CA");
    await expect(importIssuer(admin, { name: "gen-2", ...next, firstSerial: "1" })).rejects.toMatchObject({ field: "certificate", status: 409, message: expect.stringMatching(/issuer "gen-1" already has the subject "CN=Generation CA"/) });
    const rolled = await importIssuer(admin, { name: "gen-2", ...next, firstSerial: "1", rollover: true });
    expect(rolled.subject).toBe("CN=Generation CA");
  });

  it("two concurrent imports of one CA: exactly one succeeds", async () => {
    const ca = opensslCa("/CN=Race CA");
    const results = await Promise.allSettled([1, 2, 3].map((i) => importIssuer(admin, { name: `race-${i}`, ...ca, firstSerial: "1" })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.status)).toEqual([409, 409]);
  });
});
