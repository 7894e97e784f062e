import { describe, expect, it } from "vitest";
import { createIssuerSigner } from "../pki/issue";
import { parseCertificateDer } from "../pki/certificate";
import { OID } from "../pki/oids";
import { expectInputError, makeCa, opensslOk, tempDir } from "../test/pki";
import { requestFromCsr, requestWithGeneratedKey } from "./request";

/**
 * The bare-RN repository's marker (an EKU under Rootline's own OID arc) is what devices
 * require of the repository, so no request may obtain it: only Rootline's own TLS
 * repository service (and the renewal of what it issued) asks for that profile.
 */

const tmp = tempDir();
const csrAsking = (ext: string) =>
  opensslOk(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", tmp.path(`k${Math.random()}.pem`), "-subj", "/CN=repo.example", "-addext", "subjectAltName=DNS:repo.example", "-addext", ext]);

describe("no request can obtain the repository profile or its marker", () => {
  it("a CSR naming the repository profile is refused", async () => {
    await expectInputError(() => requestFromCsr({ csr: csrAsking("keyUsage=digitalSignature"), profile: "repository" }), "profile", /issued by Rootline itself only/);
  });

  it("a generated-key request for it is refused unless Rootline itself asks", async () => {
    await expectInputError(() => requestWithGeneratedKey({ subject: "CN=repo.example", keyType: "ec-p256", profile: "repository" }), "profile", /Rootline itself/);
    const own = await requestWithGeneratedKey({ subject: "CN=rootline-repository", keyType: "ec-p256", profile: "repository", sans: "DNS:localhost" }, { internal: true });
    expect(own.profile.name).toBe("repository");
  });

  it("a CSR that asks for the marker EKU in its extensionRequest gets the profile's EKU only", async () => {
    const req = await requestFromCsr({ csr: csrAsking(`extendedKeyUsage=serverAuth,${OID.rootlineRepository}`), profile: "server" });
    const ca = await makeCa("ec-p256");
    const der = createIssuerSigner({ certDer: ca.certDer, privateKey: ca.keyPair.privateKey }).issue({
      subject: { der: Buffer.from(req.subjectDer), text: req.subject, fields: {} },
      subjectPublicKeySpki: req.spki,
      serial: 3n,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      profile: req.profile,
      sans: req.sans,
    });
    const eku = parseCertificateDer(der).extensions.find((e) => e.name === "extKeyUsage");
    expect(eku && eku.name === "extKeyUsage" ? eku.usages : null).toEqual(["serverAuth"]);
    // OpenSSL, independently: the issued certificate's EKU is TLS server only.
    expect(opensslOk(["x509", "-inform", "DER", "-noout", "-ext", "extendedKeyUsage"], der)).not.toContain("2.25.");
  });
});
