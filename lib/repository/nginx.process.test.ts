import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { raiseRevocationNumber } from "../revocation/rn";
import { startFastPathServer, type FastPathProcess } from "../test/fastPathProcess";
import { NGINX, startNginx, type NginxProcess } from "../test/nginx";
import { exportRepository } from "./export";

/**
 * The README's promise that the repository is safe behind a shared HTTP cache, proved with
 * Debian's nginx (proxy_cache, the configuration in docs/OPERATIONS.md) in front of the
 * app's repository handlers (the fast-path server), and nginx serving the static export.
 */
const admin = { kind: "cli", name: "test", role: "administrator" } as const;
const DOCS = ["issuers", "nginx-ca/ca.crt", "nginx-ca/revocation-info", "nginx-ca/revocation-info.der", "nginx-ca/crl"];

if (!NGINX) console.warn("rootline: nginx is not installed (scripts/test.sh installs it): skipping the cache test");

describe.skipIf(!NGINX)("the repository behind nginx's proxy_cache", () => {
  let app: FastPathProcess;
  let nginx: NginxProcess;
  let issuerId: string;
  const www = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-www-"));
  const viaCache = (p: string, init?: RequestInit) => fetch(`http://127.0.0.1:${nginx.cachePort}/api/repository/${p}`, init);
  const direct = (p: string) => fetch(`http://127.0.0.1:${app.port}/api/repository/${p}`);

  beforeAll(async () => {
    issuerId = (await createIssuer(admin, { name: "nginx-ca", keyType: "ec-p256" })).id;
    await createIssuer(admin, { name: "nginx-rsa", keyType: "rsa-2048" });
    app = await startFastPathServer();
    await exportRepository(path.join(www, "api", "repository"));
    nginx = await startNginx({ origin: `127.0.0.1:${app.port}`, staticRoot: www });
  }, 20_000);
  afterAll(async () => {
    await nginx?.stop();
    await app?.stop();
    fs.rmSync(www, { recursive: true, force: true });
  });

  it("serves cached bodies and 304s: CA certificates from the cache, revalidated documents with one 304 from the app each", async () => {
    const cacheStatus: Record<string, string[]> = {};
    for (const p of DOCS) {
      const bodies: Buffer[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await viaCache(p);
        expect(r.status).toBe(200);
        (cacheStatus[p] ??= []).push(r.headers.get("x-cache-status") ?? "");
        bodies.push(Buffer.from(await r.arrayBuffer()));
      }
      expect(bodies[1].equals(bodies[0]) && bodies[2].equals(bodies[0])).toBe(true);
      // A device that has the document gets a 304 from nginx.
      const etag = (await viaCache(p)).headers.get("etag");
      expect(etag).toMatch(/^"/);
      const again = await viaCache(p, { headers: { "If-None-Match": etag! } });
      expect(again.status).toBe(304);
      expect(again.headers.get("etag")).toBe(etag);
    }
    expect(cacheStatus["nginx-ca/ca.crt"]).toEqual(["MISS", "HIT", "HIT"]);
    for (const p of DOCS.filter((d) => d !== "nginx-ca/ca.crt")) expect(cacheStatus[p], p).toEqual(["MISS", "REVALIDATED", "REVALIDATED"]);
    // From nginx's log: the app sent each body once; every later request for a revalidated
    // document cost it a 304 without a body, and a CA certificate nothing at all.
    const log = nginx.log();
    const upstream = (p: string, s: string) => log.filter((l) => l.startsWith(`/api/repository/${p} `) && l.endsWith(` ${s}`)).length;
    expect(upstream("nginx-ca/ca.crt", "200")).toBe(1);
    expect(upstream("nginx-ca/ca.crt", "-")).toBe(4);
    expect(upstream("nginx-ca/revocation-info", "200")).toBe(1);
    expect(upstream("nginx-ca/revocation-info", "304")).toBe(4);
    // Devices and caches further out see the app's own policy.
    expect((await viaCache("nginx-ca/revocation-info")).headers.get("cache-control")).toBe("public, no-cache");
  });

  it("shows a raised RN through the cache on the very next request", async () => {
    const before = await (await viaCache("nginx-ca/revocation-info")).json();
    expect(before.revocationNumber).toBe(0);
    for (const n of [1, 2, 3]) {
      await db().$transaction((tx) => raiseRevocationNumber(tx, admin, issuerId, BigInt(n), "cache test"));
      const r = await viaCache("nginx-ca/revocation-info");
      expect(r.headers.get("x-cache-status")).toBe("EXPIRED"); // revalidated, the app had a new body
      expect((await r.json()).revocationNumber).toBe(n);
      const der = Buffer.from(await (await viaCache("nginx-ca/revocation-info.der")).arrayBuffer());
      expect(der.equals(Buffer.from(await (await direct("nginx-ca/revocation-info.der")).arrayBuffer()))).toBe(true);
    }
  });

  it("serves the static export byte-identical to the app, with the same content types", async () => {
    // The export is of the state before the RN raises above: compare with a fresh one.
    await exportRepository(path.join(www, "api", "repository"));
    const get = async (url: string) => {
      const r = await fetch(url);
      expect(r.status, url).toBe(200);
      return { type: r.headers.get("content-type"), body: Buffer.from(await r.arrayBuffer()) };
    };
    for (const issuer of ["nginx-rsa", "nginx-ca"]) {
      const pairs: [string, string][] = [
        ["issuers", "issuers"],
        ...["ca.crt", "revocation-info", "revocation-info.der", "crl"].map((d): [string, string] => [`${issuer}/${d}`, `${issuer}/${d}`]),
        [`${issuer}/ca.crt?format=pem`, `${issuer}/ca.pem`],
      ];
      for (const [appPath, file] of pairs) {
        const [a, s] = await Promise.all([get(`http://127.0.0.1:${app.port}/api/repository/${appPath}`), get(`http://127.0.0.1:${nginx.staticPort}/api/repository/${file}`)]);
        expect(s.type, file).toBe(a.type);
        // ECDSA revocation information included: the app and the export (signing in its own
        // process) serve the one signature stored per RN (lib/repository/documents.ts).
        expect(s.body.equals(a.body), file).toBe(true);
      }
    }
  });
});
