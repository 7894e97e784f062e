import { describe, expect, it } from "vitest";
import { InputError } from "../errors";
import { DAY, expectInputError, makeCa, openssl, opensslOk, tempDir } from "../test/pki";
import { parseCertificateDer } from "./certificate";
import { createIssuerSigner, type IssuerSigner } from "./issue";
import { exportPkcs8, exportSpki, generateKeyPair } from "./keys";
import { checkNamesAllowed, decodeNameConstraints, nameConstraintsValue, narrowWithin, parsePermittedNames, type PermittedNames } from "./nameConstraints";
import { pemEncode } from "./pem";
import { parseSan } from "./san";

const tmp = tempDir();

describe("parsePermittedNames", () => {
  it.each([
    [{ dns: "Example.COM", ip: "" }, { dns: ["example.com"], ip: [] }],
    [{ dns: [".corp.example", "corp.example", "corp.example"] }, { dns: [".corp.example", "corp.example"], ip: [] }],
    [{ ip: "10.0.0.0/8, 192.168.1.7" }, { dns: [], ip: ["10.0.0.0/8", "192.168.1.7/32"] }],
    [{ ip: ["2001:db8::/32"] }, { dns: [], ip: ["2001:db8::/32"] }],
  ])("%j → %j", (input, want) => expect(parsePermittedNames(input)).toEqual(want));

  it.each([
    [{ dns: "*.example.com" }, "permittedDns", /no wildcard/],
    [{ dns: "exa_mple.com" }, "permittedDns", /letters, digits/],
    [{ ip: "10.1.0.0/8" }, "permittedIp", /did you mean 10\.0\.0\.0\/8/],
    [{ ip: "10.0.0.0/33" }, "permittedIp", /0 to 32/],
    [{ ip: "example.com/8" }, "permittedIp", /not an IPv4 or IPv6/],
  ])("refuses %j on %s", async (input, field, message) => { await expectInputError(() => parsePermittedNames(input), field, message); });
});

describe("checkNamesAllowed", () => {
  const nc = (p: PermittedNames) => decodeNameConstraints(nameConstraintsValue(p));
  const dnsOnly = nc({ dns: ["example.com", ".dev.example"], ip: [] });
  const ipOnly = nc({ dns: [], ip: ["10.0.0.0/8", "2001:db8::/32"] });
  it.each([
    [dnsOnly, ["DNS:example.com"], null, null],
    [dnsOnly, ["DNS:a.b.example.com", "DNS:*.example.com"], null, null],
    [dnsOnly, ["DNS:x.dev.example"], null, null],
    [dnsOnly, ["DNS:dev.example"], null, "san"], // ".dev.example" = below it only
    [dnsOnly, ["DNS:badexample.com"], null, "san"], // a suffix is whole labels
    [dnsOnly, ["DNS:example.org"], null, "san"],
    [dnsOnly, ["IP:10.1.2.3"], null, "san"], // the type not permitted is excluded entirely
    [dnsOnly, [], "host.example.org", "subject.CN"], // OpenSSL checks a host-like CN without DNS SANs
    [dnsOnly, [], "Printer 7", null], // not a host name: not a DNS name either
    [dnsOnly, ["DNS:a.example.com"], "host.example.org", null], // with DNS SANs the CN is not a name
    [ipOnly, ["IP:10.255.0.1", "IP:2001:db8::1"], null, null],
    [ipOnly, ["IP:11.0.0.1"], null, "san"],
    [ipOnly, ["DNS:a.example.com"], null, "san"],
  ] as const)("%#: %j cn=%s → %s", (constraints, sans, cn, field) => {
    const run = () => checkNamesAllowed(constraints, sans.map((s) => parseSan(s)), cn, "Sub CA");
    if (field === null) expect(run).not.toThrow();
    else expect(run).toThrow(expect.objectContaining({ field }));
  });
});

describe("narrowWithin (a child's constraints lie within its parent's)", () => {
  const parent = decodeNameConstraints(nameConstraintsValue({ dns: ["example.com"], ip: ["10.0.0.0/8"] }));
  it.each([
    [{ dns: [], ip: [] }, { dns: ["example.com"], ip: ["10.0.0.0/8"] }], // inherits
    [{ dns: ["a.example.com"], ip: [] }, { dns: ["a.example.com"], ip: ["10.0.0.0/8"] }],
    [{ dns: [".example.com"], ip: ["10.2.0.0/16"] }, { dns: [".example.com"], ip: ["10.2.0.0/16"] }],
  ])("%j → %j", (child, want) => expect(narrowWithin(child, parent)).toEqual(want));
  it.each([
    [{ dns: ["example.org"], ip: [] }, "permittedDns"],
    [{ dns: [], ip: ["11.0.0.0/8"] }, "permittedIp"],
    [{ dns: [], ip: ["0.0.0.0/0"] }, "permittedIp"],
  ])("refuses %j on %s", (child, field) => expect(() => narrowWithin(child, parent)).toThrow(expect.objectContaining({ field })));
  it("an unconstrained parent allows anything", () => expect(narrowWithin({ dns: ["x.org"], ip: [] }, null)).toEqual({ dns: ["x.org"], ip: [] }));
});

/** A root, an intermediate under it (constrained, with CDP/AIA pointers) and a leaf, with real keys, checked by OpenSSL. */
describe("a three-level chain, verified by OpenSSL", async () => {
  const root = await makeCa("ec-p256", "CN=NC Root");
  const rootSigner = createIssuerSigner({ certDer: root.certDer, privateKey: root.keyPair.privateKey, crlDistributionPoints: ["http://pki.example/api/repository/root/crl"], caIssuersUrl: "http://pki.example/api/repository/root/ca.crt" });
  const interKeys = await generateKeyPair("ec-p256");
  const now = Date.now();
  const window = { notBefore: new Date(now - 60_000), notAfter: new Date(now + 30 * DAY) };
  const interDer = rootSigner.issue({ subject: "CN=NC Intermediate", subjectPublicKeySpki: await exportSpki(interKeys.publicKey), serial: 2n ** 62n + 5n, ...window, profile: "ca", pathLen: 0, nameConstraints: { dns: ["example.com"], ip: ["10.0.0.0/8"] } });
  const inter: IssuerSigner = createIssuerSigner({ certDer: interDer, privateKey: interKeys.privateKey });
  const rootPem = tmp.write("root.pem", pemEncode("CERTIFICATE", root.certDer));
  const interPem = tmp.write("inter.pem", pemEncode("CERTIFICATE", interDer));
  const leaf = async (sans: string[]) => inter.issue({ subject: "CN=leaf", subjectPublicKeySpki: await exportSpki((await generateKeyPair("ec-p256")).publicKey), serial: 7n, ...window, profile: "server", sans });
  const verify = (leafPem: string) => openssl(["verify", "-CAfile", rootPem, "-untrusted", interPem, leafPem]);

  it("a leaf inside the constraints verifies", async () => {
    const r = verify(tmp.write("ok.pem", pemEncode("CERTIFICATE", await leaf(["DNS:api.example.com", "IP:10.9.8.7"]))));
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/: OK/);
  });

  it("the intermediate carries path length, critical name constraints, CDP and AIA to its parent", () => {
    const text = opensslOk(["x509", "-in", interPem, "-noout", "-text"]);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Name Constraints: critical\s+Permitted:\s+DNS:example.com\s+IP:10.0.0.0\/255.0.0.0\s+X509v3 CRL/);
    expect(text).toMatch(/CRL Distribution Points:\s+Full Name:\s+URI:http:\/\/pki.example\/api\/repository\/root\/crl/);
    expect(text).toMatch(/Authority Information Access:\s+CA Issuers - URI:http:\/\/pki.example\/api\/repository\/root\/ca.crt/);
    const ours = parseCertificateDer(interDer).extensions.map((e) => [e.name, e.text]);
    expect(ours).toContainEqual(["nameConstraints", "permitted DNS:example.com, IP:10.0.0.0/8"]);
    expect(ours).toContainEqual(["authorityInfoAccess", "CA Issuers - URI:http://pki.example/api/repository/root/ca.crt"]);
  });

  it("a leaf of a signer without a public URL has neither CDP nor AIA", async () => {
    const text = opensslOk(["x509", "-noout", "-text"], pemEncode("CERTIFICATE", await leaf(["DNS:a.example.com"])));
    expect(text).not.toMatch(/CRL Distribution|Authority Information Access/);
  });

  it("Rootline refuses a name outside the constraints, naming the field", async () => {
    await expectInputError(() => leaf(["DNS:evil.example.org"]), "san", /outside the names the CA "NC Intermediate" may certify/);
    await expectInputError(() => leaf(["IP:192.168.0.1"]), "san");
  });

  it("and OpenSSL rejects one made by hand with the intermediate's key: the constraint is encoded right", async () => {
    const keyPem = tmp.write("inter.key", pemEncode("PRIVATE KEY", await exportPkcs8(interKeys.privateKey)));
    const csr = tmp.path("evil.csr");
    opensslOk(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", tmp.path("evil.key"), "-subj", "/CN=evil", "-out", csr]);
    const ext = tmp.write("evil.ext", "subjectAltName=DNS:evil.example.org\n");
    const evil = tmp.path("evil.pem");
    opensslOk(["x509", "-req", "-in", csr, "-CA", interPem, "-CAkey", keyPem, "-set_serial", "99", "-days", "1", "-extfile", ext, "-out", evil]);
    const r = verify(evil);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/permitted subtree violation/);
  });

  it("a CA of path length 0 signs no CA", async () => {
    const err = await (async () => inter.issue({ subject: "CN=too deep", subjectPublicKeySpki: await exportSpki((await generateKeyPair("ec-p256")).publicKey), serial: 8n, ...window, profile: "ca", pathLen: 0 }))().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ field: "parent", message: expect.stringMatching(/path length 0/) });
  });
});
