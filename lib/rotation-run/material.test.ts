import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseCertificateDer } from "../pki/certificate";
import { buildDn, formatDn } from "../pki/dn";
import { exportPkcs8, generateKeyPair, type KeyType } from "../pki/keys";
import { pemEncode } from "../pki/pem";
import { createIssuerSigner } from "../pki/issue";
import { makeCa, tempDir } from "../test/pki";
import { openssl } from "../test/openssl";
import { createRootMaterial, nextCommonName, nextRootName, resignNodeCertificate } from "./material";

const pem = (der: Uint8Array) => pemEncode("CERTIFICATE", der);

describe("the new root's name", () => {
  it("numbers the key in the CN: X → X (key 2) → X (key 3)", () => {
    expect(nextCommonName("Fleet Root")).toBe("Fleet Root (key 2)");
    expect(nextCommonName("Fleet Root (key 2)")).toBe("Fleet Root (key 3)");
    expect(nextCommonName("Fleet Root (key 9)")).toBe("Fleet Root (key 10)");
    expect(nextCommonName("x".repeat(64))).toHaveLength(64);
  });
  it("keeps the other attributes of the Name", () => {
    expect(nextRootName(buildDn("CN=Fleet Root, O=Acme, C=DE").der).text).toBe("CN=Fleet Root (key 2), O=Acme, C=DE");
    expect(nextRootName(buildDn("CN=Fleet Root (key 2), O=Acme").der).text).toBe("CN=Fleet Root (key 3), O=Acme");
    expect(formatDn(nextRootName(buildDn("O=Acme").der).der)).toBe("CN=Root (key 2), O=Acme");
  });
});

describe.each<KeyType>(["ec-p256", "rsa-2048"])("root material (%s)", (keyType) => {
  it("leaf(new) → distribution → old root and leaf(new) → new root both verify with OpenSSL", async () => {
    const ca = await makeCa(keyType, "CN=Fleet Root, O=Rootline");
    const m = await createRootMaterial({ oldCertDer: ca.certDer, oldKey: await exportPkcs8(ca.keyPair.privateKey), keyType, distributionSerial: 77n });
    const dist = parseCertificateDer(m.distributionDer);
    const root = parseCertificateDer(m.newRootDer);
    const old = parseCertificateDer(ca.certDer);
    expect(root.subject).toBe("CN=Fleet Root (key 2), O=Rootline");
    expect(dist.subject).toBe(root.subject);
    expect(dist.issuer).toBe(old.subject);
    expect(dist.serial).toBe(77n);
    expect(dist.isCa && root.isCa).toBe(true);
    expect(Buffer.from(dist.spki).equals(Buffer.from(root.spki))).toBe(true);
    expect(root.keyType).toBe(keyType);

    // A node's certificate under the old root, then its key re-signed with the new one.
    const nodeKey = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const spki = new Uint8Array(nodeKey.publicKey.export({ format: "der", type: "spki" }));
    const now = Date.now();
    const oldLeaf = createIssuerSigner({ certDer: ca.certDer, privateKey: ca.keyPair.privateKey }).issue({
      subject: "CN=40-1",
      subjectPublicKeySpki: spki,
      serial: 5n,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 86_400_000),
      profile: "both",
      sans: ["DNS:40-1.nodes.rootline.invalid", "IP:127.0.0.1"],
    });
    const leaf = await resignNodeCertificate(m.newSigner, oldLeaf, { serial: 78n, notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000) });
    const l = parseCertificateDer(leaf);
    expect(l.subject).toBe("CN=40-1");
    expect(l.issuer).toBe(root.subject);
    expect(l.sans.map((s) => `${s.type}:${s.value}`)).toEqual(["dns:40-1.nodes.rootline.invalid", "ip:127.0.0.1"]);
    expect(Buffer.from(l.spki).equals(Buffer.from(spki))).toBe(true);

    const t = tempDir();
    const oldRoot = t.write("old.pem", pem(ca.certDer));
    const newRoot = t.write("new.pem", pem(m.newRootDer));
    const distFile = t.write("dist.pem", pem(m.distributionDer));
    const leafFile = t.write("leaf.pem", pem(leaf));
    const viaDist = openssl(["verify", "-x509_strict", "-CAfile", oldRoot, "-untrusted", distFile, leafFile]);
    expect(viaDist.stderr + viaDist.stdout).toMatch(/OK/);
    expect(viaDist.status).toBe(0);
    const viaNew = openssl(["verify", "-x509_strict", "-CAfile", newRoot, leafFile]);
    expect(viaNew.status, viaNew.stderr).toBe(0);
    // The distribution root itself chains to the old root; the new root is self-signed.
    expect(openssl(["verify", "-x509_strict", "-CAfile", oldRoot, distFile]).status).toBe(0);
    expect(openssl(["verify", "-x509_strict", "-CAfile", newRoot, newRoot]).status).toBe(0);
    // Negative control: the old root alone does not verify the new leaf.
    expect(openssl(["verify", "-CAfile", oldRoot, leafFile]).status).not.toBe(0);
  });
});

it("refuses a key that does not belong to the old root", async () => {
  const ca = await makeCa("ec-p256");
  const other = await generateKeyPair("ec-p256");
  await expect(createRootMaterial({ oldCertDer: ca.certDer, oldKey: await exportPkcs8(other.privateKey), keyType: "ec-p256", distributionSerial: 1n })).rejects.toThrow(/does not belong/);
});
