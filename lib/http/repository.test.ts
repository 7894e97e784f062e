import { describe, expect, it } from "vitest";
import { createIssuer } from "../issuers/service";
import { repositoryReply } from "./repository";

const u = (p: string) => p;

describe("repository URL space (shared by Next routes and the node:http fast path)", () => {
  it.each([
    ["/api/repository/issuers", true],
    ["/api/repository/a/ca.crt", true],
    ["/api/repository/a/revocation-info", true],
    ["/api/repository/a/revocation-info.der", true],
    ["/api/repository/a/crl", true],
    ["/api/repository/a/b/crl", false],
    ["/api/repository/a/private-key", false],
    ["/api/v1/certificates", false],
  ])("%s is a repository path: %s", async (p, yes) => {
    expect((await repositoryReply(p, null)) !== null).toBe(yes);
  });

  it("answers 200 with ETag and caching headers, 304 on If-None-Match, HEAD without a body", async () => {
    await createIssuer({ kind: "cli", name: "t", role: "administrator" }, { name: "http-ca", keyType: "ec-p256" });
    const r = (await repositoryReply(u("/api/repository/http-ca/revocation-info.der"), null))!;
    expect(r.status).toBe(200);
    expect(r.headers).toMatchObject({ "Content-Type": "application/octet-stream", "Cache-Control": "public, no-cache", "Access-Control-Allow-Origin": "*" });
    expect(Number(r.headers["Content-Length"])).toBe(r.body!.length);
    expect((await repositoryReply(u("/api/repository/http-ca/revocation-info.der"), r.headers.ETag))!.status).toBe(304);
    const head = (await repositoryReply(u("/api/repository/http-ca/revocation-info.der"), null, true))!;
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    const pem = (await repositoryReply(u("/api/repository/http-ca/ca.crt?format=pem"), null))!;
    expect(Buffer.from(pem.body!).toString()).toContain("BEGIN CERTIFICATE");
  });

  it("serves the CRL as {issuer}.crl, not as a file called crl", async () => {
    const r = (await repositoryReply(u("/api/repository/http-ca/crl"), null))!;
    expect(r.status).toBe(200);
    expect(r.headers).toMatchObject({ "Content-Type": "application/pkix-crl", "Content-Disposition": 'attachment; filename="http-ca.crl"' });
    // Only the CRL is a download; the documents devices read have no file name.
    expect((await repositoryReply(u("/api/repository/http-ca/revocation-info"), null))!.headers["Content-Disposition"]).toBeUndefined();
  });

  it("answers an unknown issuer with 404 JSON naming the field, and bad percent-encoding with 400", async () => {
    const r = (await repositoryReply(u("/api/repository/nope/crl"), null))!;
    expect(r.status).toBe(404);
    expect(JSON.parse(Buffer.from(r.body!).toString())).toMatchObject({ field: "issuer" });
    expect((await repositoryReply(u("/api/repository/%E0%A4%A/crl"), null))!.status).toBe(400);
  });
});
