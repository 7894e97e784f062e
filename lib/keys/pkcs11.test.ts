import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueCertificate } from "../certificates/issue";
import { requestWithGeneratedKey } from "../certificates/request";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { parseCertificateDer } from "../pki/certificate";
import { pemEncode } from "../pki/pem";
import { revocationInfoDer } from "../repository/documents";
import { decodeSignedRevocationInfo } from "../revocation-info/infoDer";
import { verifyRevocationInfo } from "../revocation-info/info";
import { currentCrl } from "../revocation/crlStore";
import { startRevocation } from "../revocation/prefix";
import { resetMasterKeysForTests } from "../secrets/masterKey";
import { rotateMasterKey } from "../secrets/rotate";
import { openssl, tempDir } from "../test/pki";
import { answerOcsp } from "../ocsp/responder";
import { ocspRequestDer } from "../test/ocsp";
import { initTestToken, softhsmMissing, type TestToken } from "../test/softhsm";
import { closeToken } from "./pkcs11";
import { bindGroup } from "../rotation-run/bind";
import { provisionTopology } from "../rotation-run/provision";
import { startRun } from "../rotation-run/start";
import { importTopology } from "../topologies/service";
import { fig46 } from "../topologies/samples";
import { SimFleet } from "../test/rotationSim";
import { caInfoOf, createLineage, distributionKeyOf, nextGeneration } from "../generations/lineage";
import { verifyCaInfo } from "../generations/caInfo";
import { startDownloadServer } from "../generations/downloadServer";
import { poll } from "../device/generations/client";
import { initState } from "../device/generations/state";
import { saveGenerations, updateGenerations } from "../device/generations/stateFile";
import { tlsTransport } from "../device/generations/transport";

/**
 * Issuer keys in a throw-away SoftHSM2 token: generated there, used from there, never
 * in Rootline's database; OpenSSL verifies what the token signed.
 */
const admin = { kind: "cli", name: "test", role: "administrator" } as const;
const missing = softhsmMissing();
if (missing) console.warn(missing);
const tmp = tempDir();
const pem = (der: Uint8Array, label = "CERTIFICATE") => pemEncode(label, der);
const file = (name: string, ders: Uint8Array[]) => tmp.write(name, ders.map((d) => pem(d)).join(""));
const leafOf = async (issuer: string, cn: string) => issueCertificate(admin, issuer, await requestWithGeneratedKey({ subject: { CN: cn }, keyType: "ec-p256", profile: "server", sans: `DNS:${cn}` }));

describe.skipIf(!!missing)("issuer keys in a PKCS#11 token (SoftHSM2)", () => {
  let token: TestToken & { use(): void };
  beforeAll(() => {
    token = initTestToken("rootline-unit", "4321");
    token.use();
  });
  const originalMasterKey = process.env.ROOTLINE_MASTER_KEY;
  afterAll(() => {
    closeToken();
    process.env.ROOTLINE_MASTER_KEY = originalMasterKey;
    delete process.env.ROOTLINE_PREVIOUS_MASTER_KEY;
    resetMasterKeysForTests();
  });

  /** The token as another PKCS#11 client sees it (a second session of the same module). */
  async function tokenObjects() {
    const { Crypto } = await import("node-webcrypto-p11");
    const probe = new Crypto({ library: token.env.ROOTLINE_PKCS11_LIBRARY, slot: 0 });
    const slots = probe.slot.module.getSlots(true);
    let slot = 0;
    for (let i = 0; i < slots.length; i++) if (slots.items(i).getToken().label.trim() === token.label) slot = i;
    probe.session.close(); // not close(): that finalizes the module under Rootline's own session
    return new Crypto({ library: token.env.ROOTLINE_PKCS11_LIBRARY, slot, pin: token.pin });
  }

  it("creates the CA key in the token (token object, sensitive, non-extractable), nothing of it in the database", async () => {
    const root = await createIssuer(admin, { name: "hsm-root", keyType: "ec-p256", keyStorage: "pkcs11", validityDays: 3650, publicUrl: "https://pki.example" });
    const row = await db().issuer.findUniqueOrThrow({ where: { name: "hsm-root" } });
    expect(row.keyStorage).toBe("pkcs11");
    expect(row.sealedKey.length).toBe(0);
    const ref = JSON.parse(row.keyRef!);
    expect(ref).toMatchObject({ tokenLabel: token.label, label: "hsm-root" });
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "issuer.create", targetId: root.id } });
    expect(JSON.parse(audit.after!)).toMatchObject({ keyStorage: "pkcs11" });

    const p11 = await tokenObjects();
    const index = (await p11.keyStorage.keys()).find((k) => k.startsWith("private-") && k.endsWith(`-${ref.id}`));
    expect(index).toBeDefined();
    const key = await p11.keyStorage.getItem(index!, { name: "ECDSA", namedCurve: "P-256" } as EcKeyImportParams, false, ["sign"]);
    const attrs = key.key.getAttribute({ token: null, sensitive: null, extractable: null, label: null, neverExtractable: null }) as Record<string, unknown>;
    expect(attrs).toMatchObject({ token: true, sensitive: true, extractable: false, neverExtractable: true, label: "hsm-root" });
    await expect(p11.subtle.exportKey("pkcs8", key)).rejects.toThrow();
    p11.session.close();

    // The self-signed certificate: signed in the token, OpenSSL verifies it.
    const r = openssl(["verify", "-CAfile", file("root.pem", [root.certificateDer]), file("root-again.pem", [root.certificateDer])]);
    expect(r.stdout).toMatch(/: OK/);
  });

  it("signs certificates, an intermediate below the token root, CRLs, revocation information and OCSP responses; OpenSSL verifies each", async () => {
    const rootDer = (await db().issuer.findUniqueOrThrow({ where: { name: "hsm-root" } })).certificateDer;
    // An intermediate under the token root, itself in the token, and one in software.
    const inter = await createIssuer(admin, { name: "hsm-inter", keyType: "ec-p384", keyStorage: "pkcs11", validityDays: 1000, parent: "hsm-root" });
    const soft = await createIssuer(admin, { name: "soft-inter", keyType: "rsa-2048", validityDays: 1000, parent: "hsm-root" });
    const leaf = await leafOf("hsm-root", "a.example");
    const deep = await leafOf("hsm-inter", "b.example");
    const softLeaf = await leafOf("soft-inter", "c.example");
    expect(parseCertificateDer(leaf.der).extensions.map((e) => e.name)).toContain("cRLDistributionPoints");
    const rootFile = file("ca.pem", [rootDer]);
    expect(openssl(["verify", "-CAfile", rootFile, file("leaf.pem", [leaf.der])]).stdout).toMatch(/leaf.pem: OK/);
    expect(openssl(["verify", "-CAfile", rootFile, "-untrusted", file("inter.pem", [inter.certificateDer]), file("deep.pem", [deep.der])]).stdout).toMatch(/deep.pem: OK/);
    expect(openssl(["verify", "-CAfile", rootFile, "-untrusted", file("soft.pem", [soft.certificateDer]), file("soft-leaf.pem", [softLeaf.der])]).stdout).toMatch(/soft-leaf.pem: OK/);

    // Revocation: the CRL and the revocation information, both signed in the token.
    await startRevocation(admin, { issuer: "hsm-root", serial: leaf.serial, reason: "keyCompromise", order: "raise-first" });
    const crl = await currentCrl("hsm-root");
    const crlFile = tmp.write("root.crl", pem(crl.der, "X509 CRL"));
    expect(openssl(["crl", "-in", crlFile, "-CAfile", rootFile, "-noout", "-verify"]).stderr).toMatch(/verify OK/);
    const revoked = openssl(["verify", "-crl_check", "-CAfile", rootFile, "-CRLfile", crlFile, file("leaf2.pem", [leaf.der])]);
    expect(revoked.stdout + revoked.stderr).toMatch(/certificate revoked/);

    const info = (await revocationInfoDer("hsm-root")).body;
    expect(verifyRevocationInfo(info, rootDer, "hsm-root")).toMatchObject({ ok: true, revocationNumber: leaf.serial + 1n });
    const signed = decodeSignedRevocationInfo(info);
    const pub = tmp.write("root-pub.pem", crypto.createPublicKey({ key: Buffer.from(parseCertificateDer(rootDer).spki), format: "der", type: "spki" }).export({ format: "pem", type: "spki" }));
    const v = openssl(["dgst", "-sha256", "-verify", pub, "-signature", tmp.write("info.sig", signed.signature), tmp.write("info.tbs", signed.tbs)]);
    expect(v.stdout).toMatch(/Verified OK/);

    // OCSP: the issuer itself responds (no delegate), signing in the token; OpenSSL checks the signature and the status.
    const ocsp = await answerOcsp("hsm-root", ocspRequestDer(rootDer, [leaf.serial]));
    expect(ocsp.status).toBe("successful");
    const o = openssl(["ocsp", "-respin", tmp.write("resp.der", ocsp.der), "-issuer", rootFile, "-CAfile", rootFile, "-cert", file("leaf3.pem", [leaf.der]), "-no_nonce"]);
    expect(o.stderr).toMatch(/Response verify OK/);
    expect(o.stdout).toMatch(/leaf3.pem: revoked/);

    // The P-384 token intermediate's CRL too (another curve, another hash).
    const interCrl = await currentCrl("hsm-inter");
    expect(openssl(["crl", "-in", tmp.write("inter.crl", pem(interCrl.der, "X509 CRL")), "-CAfile", file("inter-ca.pem", [inter.certificateDer]), "-noout", "-verify"]).stderr).toMatch(/verify OK/);
  });

  it("an issuer refused after its key was made (unknown parent) leaves no key behind in the token", async () => {
    await expect(createIssuer(admin, { name: "orphan", keyType: "ec-p256", keyStorage: "pkcs11", parent: "nope" })).rejects.toMatchObject({ field: "parent" });
    const p11 = await tokenObjects();
    const labels = await Promise.all((await p11.keyStorage.keys()).map(async (k) => (await p11.keyStorage.getItem(k)).algorithm.label));
    p11.session.close();
    expect(labels).toContain("hsm-root");
    expect(labels).not.toContain("orphan");
  });

  it("an RSA key in the token signs too", async () => {
    const ca = await createIssuer(admin, { name: "hsm-rsa", keyType: "rsa-2048", keyStorage: "pkcs11", validityDays: 365 });
    const leaf = await leafOf("hsm-rsa", "r.example");
    expect(openssl(["verify", "-CAfile", file("rsa-ca.pem", [ca.certificateDer]), file("rsa-leaf.pem", [leaf.der])]).stdout).toMatch(/: OK/);
  });

  it("a wrong PIN, an unknown token or no configuration: clear errors naming the variable, nothing created", async () => {
    const before = await db().issuer.count();
    const attempt = (env: Record<string, string | undefined>) => {
      closeToken();
      Object.assign(process.env, { ...token.env, ...env });
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
      return createIssuer(admin, { name: "refused", keyType: "ec-p256", keyStorage: "pkcs11" });
    };
    try {
      await expect(attempt({ ROOTLINE_PKCS11_PIN: "0000" })).rejects.toMatchObject({ field: "keyStorage", message: expect.stringMatching(/ROOTLINE_PKCS11_PIN: the token "rootline-unit" refused the PIN/) });
      const pinFile = tmp.write("pin", "9999\n");
      await expect(attempt({ ROOTLINE_PKCS11_PIN: undefined, ROOTLINE_PKCS11_PIN_FILE: pinFile })).rejects.toMatchObject({ message: expect.stringMatching(/ROOTLINE_PKCS11_PIN_FILE: the token .* refused the PIN/) });
      await expect(attempt({ ROOTLINE_PKCS11_TOKEN_LABEL: "no-such-token" })).rejects.toMatchObject({ field: "keyStorage", message: expect.stringMatching(/ROOTLINE_PKCS11_TOKEN_LABEL: no token labelled "no-such-token".*"rootline-unit"/) });
      await expect(attempt({ ROOTLINE_PKCS11_LIBRARY: undefined })).rejects.toMatchObject({ field: "keyStorage", message: expect.stringMatching(/ROOTLINE_PKCS11_LIBRARY/) });
      await expect(attempt({ ROOTLINE_PKCS11_LIBRARY: "/nonexistent/lib.so" })).rejects.toMatchObject({ message: expect.stringMatching(/ROOTLINE_PKCS11_LIBRARY: \/nonexistent\/lib.so does not exist/) });
      // The right PIN from a file works.
      tmp.write("pin-ok", `${token.pin}\n`);
      closeToken();
      delete process.env.ROOTLINE_PKCS11_PIN;
      Object.assign(process.env, { ...token.env, ROOTLINE_PKCS11_PIN: "", ROOTLINE_PKCS11_PIN_FILE: tmp.path("pin-ok") });
      await leafOf("hsm-root", "pin-file.example");
    } finally {
      delete process.env.ROOTLINE_PKCS11_PIN_FILE;
      closeToken();
      token.use();
    }
    expect(await db().issuer.count()).toBe(before);
  });
  it("a root-key rotation run on a token issuer: the new root is generated in the token, the run's requests are signed there, the issuer keeps signing with it", async () => {
    const issuer = await createIssuer(admin, { name: "hsm-run", keyType: "ec-p256", keyStorage: "pkcs11" });
    await importTopology(admin, { name: "hsm-fleet", text: JSON.stringify(fig46()) });
    await bindGroup(admin, { topology: "hsm-fleet", issuer: issuer.name });
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "rl-hsm-run-"));
    await provisionTopology(admin, { topology: "hsm-fleet", out, basePort: 21500 });
    const { id } = await startRun(admin, { topology: "hsm-fleet" });
    // Simulated agents verify every request (JWS from the token) and item before storing it.
    const fleet = new SimFleet(out);
    await fleet.until(async () => (await db().rotationRun.findUniqueOrThrow({ where: { id } })).state !== "running");
    const run = await db().rotationRun.findUniqueOrThrow({ where: { id } });
    expect(run.state).toBe("succeeded");
    expect(run.newKeySealed.length).toBe(0);
    const after = await db().issuer.findUniqueOrThrow({ where: { id: issuer.id } });
    expect(after).toMatchObject({ keyStorage: "pkcs11", keyRef: expect.stringContaining(`"rotation-run:${id}"`) });
    expect(after.sealedKey.length).toBe(0);
    expect(Buffer.from(after.certificateDer).equals(Buffer.from(run.newRootDer))).toBe(true);
    const oldRoot = file("run-old.pem", [issuer.certificateDer]);
    expect(openssl(["verify", "-CAfile", oldRoot, file("run-dist.pem", [run.distributionDer])]).stdout).toMatch(/: OK/);
    const newRoot = file("run-new.pem", [run.newRootDer]);
    expect(openssl(["verify", "-CAfile", newRoot, newRoot]).stdout).toMatch(/: OK/);
    const leaf = await leafOf("hsm-run", "after-run.example");
    expect(openssl(["verify", "-CAfile", newRoot, file("run-leaf.pem", [leaf.der])]).stdout).toMatch(/: OK/);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it("a lineage in the token: the distribution key and each generation's CA key are made there; CA information verifies (OpenSSL), a device follows it over TLS", async () => {
    const port = 21700 + (process.pid % 200);
    await createLineage(admin, { name: "hsm-line", keyType: "ec-p256", distributionKeyType: "ec-p384", keyStorage: "pkcs11", downloadUrlTemplate: `https://127.0.0.1:${port}/ca-info/{n}` });
    const lineage = await db().lineage.findUniqueOrThrow({ where: { name: "hsm-line" } });
    expect(lineage).toMatchObject({ keyStorage: "pkcs11", distributionKeyRef: expect.stringContaining('"label":"distribution:hsm-line"') });
    expect(lineage.sealedDistributionKey.length).toBe(0);
    expect(await db().issuer.findUniqueOrThrow({ where: { name: "hsm-line-1" } })).toMatchObject({ keyStorage: "pkcs11", sealedKey: new Uint8Array(0) });
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "lineage.create", targetId: lineage.id } });
    expect(JSON.parse(audit.after!)).toMatchObject({ keyStorage: "pkcs11" });

    // The distribution key: a sensitive, non-extractable token object.
    const p11 = await tokenObjects();
    const ref = JSON.parse(lineage.distributionKeyRef!);
    const index = (await p11.keyStorage.keys()).find((k) => k.startsWith("private-") && k.endsWith(`-${ref.id}`));
    const key = await p11.keyStorage.getItem(index!, { name: "ECDSA", namedCurve: "P-384" } as EcKeyImportParams, false, ["sign"]);
    expect(key.key.getAttribute({ token: null, sensitive: null, extractable: null })).toMatchObject({ token: true, sensitive: true, extractable: false });
    p11.session.close();

    // Generation 2 from the token too; both documents verify with the distribution key, by Rootline and by OpenSSL.
    expect(await nextGeneration(admin, "hsm-line")).toMatchObject({ generation: 2, issuer: "hsm-line-2" });
    expect((await db().issuer.findUniqueOrThrow({ where: { name: "hsm-line-2" } })).keyStorage).toBe("pkcs11");
    const dist = await distributionKeyOf("hsm-line");
    const pub = tmp.write("dist.pem", dist.pem);
    for (const n of [1, 2]) {
      const info = await caInfoOf("hsm-line", n);
      expect(verifyCaInfo(info, dist.spki)).toBe(true);
      const v = openssl(["dgst", "-sha384", "-verify", pub, "-signature", tmp.write(`ci${n}.sig`, info.signature), tmp.write(`ci${n}.tbs`, info.tbs)]);
      expect(v.stdout).toMatch(/Verified OK/);
    }

    // A device that trusts CA 1 and the distribution key fetches CA information 2 from the
    // download server, whose certificate the token's CA 1 signed.
    const device = tmp.path("device.json");
    saveGenerations(device, initState(dist.spki, (await caInfoOf("hsm-line", 1)).der));
    const downloads = await startDownloadServer({ lineage: "hsm-line", port, refreshMs: 3_600_000 });
    try {
      const r = await updateGenerations(device, (st) => poll(st, tlsTransport, { timeoutMs: 5000 }).then((x) => ({ state: x.state, result: x.outcome })));
      expect(r).toMatchObject({ result: "stored-next", generation: 2 });
    } finally {
      await downloads.stop();
    }
  });

  it("a token lineage refused after its keys were made (its generation's issuer name is taken) leaves no key behind", async () => {
    await createIssuer(admin, { name: "taken-1", keyType: "ec-p256" });
    await expect(createLineage(admin, { name: "taken", keyType: "ec-p256", keyStorage: "pkcs11", downloadUrlTemplate: "https://127.0.0.1:1/ca-info/{n}" })).rejects.toMatchObject({ field: "name" });
    const p11 = await tokenObjects();
    const labels = await Promise.all((await p11.keyStorage.keys()).map(async (k) => (await p11.keyStorage.getItem(k)).algorithm.label));
    p11.session.close();
    expect(labels).toContain("distribution:hsm-line");
    expect(labels).not.toContain("distribution:taken");
    expect(await db().lineage.count({ where: { name: "taken" } })).toBe(0);
  });

  it("master-key rotation skips token issuers (nothing sealed) and they keep signing", async () => {
    // Last in the file: the audit anchor is MACed with the new key from here on (afterAll restores the variables).
    process.env.ROOTLINE_PREVIOUS_MASTER_KEY = originalMasterKey;
    process.env.ROOTLINE_MASTER_KEY = crypto.randomBytes(32).toString("base64");
    resetMasterKeysForTests();
    const software = await db().issuer.count({ where: { keyStorage: "software" } });
    const rotated = await rotateMasterKey(admin);
    expect(rotated.issuers).toBe(software);
    expect(rotated.rootKeys).toBe(0); // the token lineage's distribution key is not sealed: nothing to re-seal
    await leafOf("hsm-root", "after-rotation.example");
    expect(await nextGeneration(admin, "hsm-line")).toMatchObject({ generation: 3 });
    expect(verifyCaInfo(await caInfoOf("hsm-line", 3), (await distributionKeyOf("hsm-line")).spki)).toBe(true);
  });

});
