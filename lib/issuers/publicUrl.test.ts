import { describe, expect, it } from "vitest";
import { makeCa } from "../test/pki";
import { parseCertificateDer } from "../pki/certificate";
import { createIssuerSigner } from "../pki/issue";
import { exportSpki, generateKeyPair } from "../pki/keys";
import { parsePublicUrl, pointersFor } from "./publicUrl";

describe("pointersFor: CDP and AIA (caIssuers, OCSP) of what an issuer signs", () => {
  it("is empty without a public URL, so nothing in a certificate dangles", () => {
    expect(pointersFor("fleet", null)).toEqual({});
    expect(pointersFor("fleet", undefined)).toEqual({});
  });

  it("names the CRL, the CA certificate and the OCSP responder under the public URL", () => {
    expect(pointersFor("fleet", "https://pki.example")).toEqual({
      crlDistributionPoints: ["https://pki.example/api/repository/fleet/crl"],
      caIssuersUrl: "https://pki.example/api/repository/fleet/ca.crt",
      ocspUrl: "https://pki.example/ocsp/fleet",
    });
  });

  it("keeps a path prefix and the scheme as given; a URL ending in /api/repository is the repository itself", () => {
    expect(pointersFor("f", parsePublicUrl("http://pki.example/rootline/"))).toMatchObject({ caIssuersUrl: "http://pki.example/rootline/api/repository/f/ca.crt", ocspUrl: "http://pki.example/rootline/ocsp/f" });
    expect(pointersFor("f", "http://pki.example/api/repository")).toMatchObject({ crlDistributionPoints: ["http://pki.example/api/repository/f/crl"], ocspUrl: "http://pki.example/ocsp/f" });
  });

  it("ends up in issued certificates' authorityInfoAccess (OCSP and CA Issuers) beside the CDP", async () => {
    const ca = await makeCa("ec-p256");
    const signer = createIssuerSigner({ certDer: ca.certDer, privateKey: ca.keyPair.privateKey, ...pointersFor("fleet", "http://pki.example") });
    const leaf = await generateKeyPair("ec-p256");
    const der = signer.issue({ subject: "CN=a.example", subjectPublicKeySpki: await exportSpki(leaf.publicKey), serial: 5n, notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000), profile: "server", sans: ["DNS:a.example"] });
    const exts = parseCertificateDer(der).extensions;
    expect(exts.find((e) => e.name === "authorityInfoAccess")).toMatchObject({ ocsp: ["URI:http://pki.example/ocsp/fleet"], caIssuers: ["URI:http://pki.example/api/repository/fleet/ca.crt"] });
    expect(exts.find((e) => e.name === "cRLDistributionPoints")).toMatchObject({ uris: ["URI:http://pki.example/api/repository/fleet/crl"] });
    const bare = createIssuerSigner({ certDer: ca.certDer, privateKey: ca.keyPair.privateKey, ...pointersFor("fleet", null) });
    const plain = bare.issue({ subject: "CN=a.example", subjectPublicKeySpki: await exportSpki(leaf.publicKey), serial: 6n, notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000), profile: "server", sans: ["DNS:a.example"] });
    expect(parseCertificateDer(plain).extensions.map((e) => e.name)).not.toContain("authorityInfoAccess");
  });
});
