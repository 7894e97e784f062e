import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as renewal from "@/app/api/renewal/[issuer]/[serial]/route";
import * as caCrt from "@/app/api/repository/[issuer]/ca.crt/route";
import * as crl from "@/app/api/repository/[issuer]/crl/route";
import * as infoDer from "@/app/api/repository/[issuer]/revocation-info.der/route";
import * as info from "@/app/api/repository/[issuer]/revocation-info/route";
import * as issuerList from "@/app/api/repository/issuers/route";
import * as health from "@/app/api/health/route";
import { repositoryReply } from "@/lib/http/repository";
import { counter, hostileString, runs } from "@/lib/fuzz/arbitraries";
import { body, buildWorld, check, checkIssued, csrField, field, headerSafe, objectBody, param, request, seg, serialParamArb, snapshot, type World } from "@/lib/fuzz/http";

/**
 * The public endpoints (devices and application servers, no session): renewal status
 * and renewal with a one-time token or a proof of possession; the device repository,
 * through the Next route handlers and through the raw request target the node:http fast
 * path hands to repositoryReply; health. No 5xx, no partial write.
 */
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });
const count = counter("app/api/_fuzz/apiPublic.fuzz.test.ts");
afterAll(() => count.report());

let w: World;
beforeAll(async () => {
  w = await buildWorld();
});
const ctx = <P>(p: P) => ({ params: Promise.resolve(p) });

describe("/api/renewal/[issuer]/[serial]", () => {
  it("GET: hostile issuer and serial params", async () => {
    await fc.assert(
      fc.asyncProperty(param(w.issuers), serialParamArb([...w.pendingSerials, ...w.serials]), async (issuer, serial) => {
        count.tick("GET /api/renewal/[issuer]/[serial]");
        await check(() => renewal.GET(request("GET", `/api/renewal/${seg(issuer)}/${seg(serial)}`, null), ctx({ issuer, serial })));
      }),
      { numRuns: runs(250), examples: [["fuzz-ca", "%25"], ["fuzz-ca", "9223372036854775808"]] },
    );
  });

  it("POST: renewal bodies ({csr, token} and {csr, certificate, signature}), valid params", async () => {
    const statuses = new Map<number, number>();
    const b64 = fc.oneof(fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString("base64")), hostileString(12));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...w.issuers),
        fc.constantFrom(...w.pendingSerials, ...w.serials),
        fc.constant(null).chain(() =>
          body(
            fc.oneof(
              objectBody({ csr: csrField(w), token: field(fc.oneof(fc.constantFrom(...w.renewalTokens), hostileString(20))) }),
              objectBody({ csr: csrField(w), certificate: field(fc.oneof(fc.constantFrom(...w.certPems), hostileString(20))), signature: field(b64) }),
            ),
          ),
        ),
        async (issuer, serial, b) => {
          count.tick("POST /api/renewal/[issuer]/[serial] (bodies)");
          const r = await check(() => renewal.POST(request("POST", `/api/renewal/${seg(issuer)}/${seg(serial)}`, null, b), ctx({ issuer, serial })));
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 201) checkIssued(JSON.parse(r.text).pem, true);
        },
      ),
      { numRuns: runs(200) },
    );
    console.log("POST /api/renewal statuses:", Object.fromEntries(statuses));
  });

  it("POST: hostile params with a well-formed body", async () => {
    await fc.assert(
      fc.asyncProperty(param(w.issuers), serialParamArb([...w.pendingSerials, ...w.serials]), fc.constantFrom(...w.renewalTokens, "rl_nope"), async (issuer, serial, token) => {
        count.tick("POST /api/renewal/[issuer]/[serial] (params)");
        const b = { contentType: "application/json", raw: JSON.stringify({ csr: w.validCsrs[9], token }) };
        await check(() => renewal.POST(request("POST", "/api/renewal/x/y", null, b), ctx({ issuer, serial })));
      }),
      { numRuns: runs(150) },
    );
  });
});

describe("device repository and health", () => {
  const docs = ["ca.crt", "ca.crt?format=pem", "ca.crt?format=%00", "crl", "revocation-info", "revocation-info.der"];
  const handlers = { "ca.crt": caCrt, crl, "revocation-info": info, "revocation-info.der": infoDer } as const;

  it("Next route handlers: hostile issuer segments, methods and If-None-Match", async () => {
    await fc.assert(
      fc.asyncProperty(param(w.issuers), fc.constantFrom(...docs), fc.constantFrom("GET", "HEAD"), fc.option(fc.oneof(hostileString(10).map(headerSafe), fc.constant('"x"'), fc.constant("*"))), async (issuer, doc, method, inm) => {
        count.tick("GET/HEAD /api/repository/[issuer]/<doc>");
        const name = doc.split("?")[0] as keyof typeof handlers;
        const req = request(method, `/api/repository/${seg(issuer)}/${doc}`, null);
        if (inm !== null) req.headers.set("if-none-match", inm);
        const h = handlers[name];
        await check(() => (method === "GET" ? h.GET(req) : h.HEAD(req)));
      }),
      { numRuns: runs(250) },
    );
  });

  it("fast path: raw request targets (as node:http hands them over, not normalised)", async () => {
    const target = fc
      .tuple(fc.constantFrom("/api/repository/", "/api/repository//", "/api/repository/./", "/api//repository/", "/api/repository/issuers"), fc.oneof(fc.constantFrom(...w.issuers), hostileString(12)), fc.constantFrom("", "/ca.crt", "/crl", "/revocation-info", "/revocation-info.der", "/../crl", "/crl?", "/ca.crt?format=pem&format=der", "/%63rl"))
      .map(([a, b, c]) => a + b + c);
    await fc.assert(
      fc.asyncProperty(target, fc.boolean(), async (t, head) => {
        count.tick("repositoryReply (fast-path targets)");
        const before = await snapshot();
        const r = await repositoryReply(t, null, head);
        if (r) {
          expect(r.status).toBeLessThan(500);
          if (r.status >= 400) expect(await snapshot()).toBe(before);
        }
      }),
      { numRuns: runs(350) },
    );
  });

  it("issuer list and health", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("GET", "HEAD"), async (method) => {
        count.tick("GET /api/repository/issuers + /api/health");
        await check(() => (method === "GET" ? issuerList.GET(request("GET", "/api/repository/issuers", null)) : issuerList.HEAD(request("HEAD", "/api/repository/issuers", null))));
        await check(async () => health.GET());
      }),
      { numRuns: runs(50) },
    );
  });
});
