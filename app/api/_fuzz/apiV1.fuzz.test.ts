import fc from "fast-check";
import { afterAll, beforeAll, describe, it, vi } from "vitest";
import * as certificates from "@/app/api/v1/certificates/route";
import * as certificate from "@/app/api/v1/certificates/[id]/route";
import * as issuers from "@/app/api/v1/issuers/route";
import * as revocations from "@/app/api/v1/issuers/[issuer]/revocations/route";
import * as complete from "@/app/api/v1/issuers/[issuer]/revocations/[serial]/complete/route";
import * as renewals from "@/app/api/v1/issuers/[issuer]/renewals/[serial]/route";
import { pemEncode } from "@/lib/pki/pem";
import { counter, hostileString, runs, signedHostileCsr } from "@/lib/fuzz/arbitraries";
import { authHeader, body, buildWorld, check, checkIssued, csrField, field, objectBody, param, request, seg, serialParamArb, type World } from "@/lib/fuzz/http";

/**
 * /api/v1 (bearer tokens): every handler, called exactly as Next calls it (Web Request,
 * `{ params: Promise<...> }`), with generated requests. No 5xx; a failed request leaves
 * the database as it was; an issued certificate re-parses (ours and OpenSSL's parser).
 */
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });
const count = counter("app/api/_fuzz/apiV1.fuzz.test.ts");
afterAll(() => count.report());

let w: World;
beforeAll(async () => {
  w = await buildWorld();
});

const ctx = <P>(p: P) => ({ params: Promise.resolve(p) });
let opensslChecks = 0;

describe("POST /api/v1/certificates", () => {
  it("bodies: no 5xx, no partial write, issued certificates re-parse", async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constant(null).chain(() =>
          fc.record({
            auth: authHeader(w),
            b: body(
              objectBody({
                issuer: field(fc.oneof(fc.constantFrom(...w.issuers), hostileString(10))),
                csr: csrField(w),
                profile: field(fc.constantFrom("server", "client", "both", "ca", "")),
                sans: field(fc.array(fc.oneof(fc.constantFrom("DNS:a.example", "IP:10.0.0.1", "IP:2001:db8::1", "DNS:*.x.example"), hostileString(12).map((s) => `DNS:${s}`), hostileString(12)), { maxLength: 4 })),
              }),
            ),
          }),
        ),
        async ({ auth, b }) => {
          count.tick("POST /api/v1/certificates");
          const r = await check(() => certificates.POST(request("POST", "/api/v1/certificates", auth, b), undefined as never));
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 201) checkIssued(JSON.parse(r.text).pem, opensslChecks++ < 30);
        },
      ),
      { numRuns: runs(200) },
    );
    console.log("POST /api/v1/certificates statuses:", Object.fromEntries(statuses));
  });
});

describe("POST /api/v1/certificates, near-valid requests", () => {
  // Every field plausible, so most requests reach the signing path: hostile subjects and
  // SAN requests in validly signed CSRs, and what the issued certificate then looks like.
  it("validly signed CSRs with hostile subjects/SANs: no 5xx, no partial write, issued certificates re-parse", async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...w.issuers),
        fc.oneof(fc.constantFrom(...w.validCsrs), signedHostileCsr.map((d) => pemEncode("CERTIFICATE REQUEST", d))),
        fc.constantFrom("server", "client", "both"),
        fc.option(fc.array(fc.oneof(fc.constantFrom("DNS:a.example", "IP:10.0.0.1", "IP:::1"), hostileString(12).map((s) => `DNS:${s}`)), { maxLength: 3 }), { nil: undefined }),
        async (issuer, csr, profile, sans) => {
          count.tick("POST /api/v1/certificates (near-valid)");
          const b = { contentType: "application/json", raw: JSON.stringify({ issuer, csr, profile, sans }) };
          const r = await check(() => certificates.POST(request("POST", "/api/v1/certificates", `Bearer ${w.tokens.operator}`, b), undefined as never));
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 201) checkIssued(JSON.parse(r.text).pem, opensslChecks++ < 30);
        },
      ),
      { numRuns: runs(150) },
    );
    console.log("POST /api/v1/certificates (near-valid) statuses:", Object.fromEntries(statuses));
  });
});

describe("lone surrogates in JSON strings", () => {
  // JSON.parse turns a "\ud800" escape into a lone surrogate, which no URL can carry but any
  // body can; SQLite's driver cannot bind it. Every string field of every JSON body, otherwise valid.
  it("reach no query unchecked (no 5xx, no partial write)", async () => {
    const cases: [string, (b: Record<string, unknown>) => Promise<Response>, Record<string, unknown>][] = [
      ["POST /api/v1/certificates", (b) => certificates.POST(request("POST", "/api/v1/certificates", `Bearer ${w.tokens.operator}`, { contentType: "application/json", raw: JSON.stringify(b) }), undefined as never), { issuer: w.issuers[0], csr: w.validCsrs[4], profile: "server", sans: ["DNS:a.example"] }],
      ["POST /api/v1/issuers/[issuer]/revocations", (b) => revocations.POST(request("POST", "/x", `Bearer ${w.tokens.operator}`, { contentType: "application/json", raw: JSON.stringify(b) }), ctx({ issuer: w.issuers[1] })), { serial: w.serials[1], reason: "keyCompromise", order: "renew-first" }],
      ["POST .../renewals/[serial]", (b) => renewals.POST(request("POST", "/x", `Bearer ${w.tokens.operator}`, { contentType: "application/json", raw: JSON.stringify(b) }), ctx({ issuer: w.issuers[0], serial: w.pendingSerials[0] })), { csr: w.validCsrs[10] }],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...cases), fc.nat(), fc.constantFrom("\ud800", "a\udfff", "\udc00x", "x\ud83d"), async ([name, send, valid], k, bad) => {
        count.tick(`${name} (lone surrogate in a string field)`);
        const keys = Object.keys(valid).filter((f) => typeof valid[f] === "string");
        await check(() => send({ ...valid, [keys[k % keys.length]]: bad }));
      }),
      { numRuns: runs(40), examples: [[cases[0], 0, "\ud800"]] },
    );
  });
});

describe("GET /api/v1/certificates, /certificates/[id], /issuers", () => {
  it("list: hostile query strings", async () => {
    const key = fc.constantFrom("q", "issuer", "status", "expiring", "sort", "dir", "page", "pageSize", "x");
    await fc.assert(
      fc.asyncProperty(authHeader(w), fc.array(fc.tuple(key, fc.oneof(hostileString(10), fc.constantFrom("1", "0", "-1", "1e9", "valid", "serial", "desc", "NaN", "99999999999999999999"))), { maxLength: 5 }), async (auth, qs) => {
        count.tick("GET /api/v1/certificates");
        const q = qs.map(([k, v]) => `${k}=${seg(v)}`).join("&");
        await check(() => certificates.GET(request("GET", `/api/v1/certificates?${q}`, auth), undefined as never));
      }),
      // Found by this fuzz: a serial-looking search above SQLite's 64-bit INTEGER was a 500 (fixed in lib/certificates/query.ts).
      { numRuns: runs(150), examples: [[`Bearer ${w.tokens.operator}`, [["q", "99999999999999999999"]]], [`Bearer ${w.tokens.operator}`, [["q", "0x" + "f".repeat(40)]]]] },
    );
  });

  it("one certificate: hostile ids", async () => {
    await fc.assert(
      fc.asyncProperty(authHeader(w), param(w.certIds), async (auth, id) => {
        count.tick("GET /api/v1/certificates/[id]");
        await check(() => certificate.GET(request("GET", `/api/v1/certificates/${seg(id)}`, auth), ctx({ id })));
      }),
      { numRuns: runs(150) },
    );
  });

  it("issuers", async () => {
    await fc.assert(
      fc.asyncProperty(authHeader(w), async (auth) => {
        count.tick("GET /api/v1/issuers");
        await check(() => issuers.GET(request("GET", "/api/v1/issuers", auth), undefined as never));
      }),
      { numRuns: runs(100) },
    );
  });
});

describe("revocations", () => {
  const serialValue = () => field(fc.oneof(fc.constantFrom(...w.serials), fc.constantFrom("0", "-1", "1.5", "1e3", "0x10", "9223372036854775807", "9223372036854775808", "18446744073709551616", "99999999999999999999999999999999999999999999999999"), fc.integer(), fc.constant(2 ** 60)));

  it("GET /api/v1/issuers/[issuer]/revocations: hostile issuer params", async () => {
    await fc.assert(
      fc.asyncProperty(authHeader(w), param(w.issuers), async (auth, issuer) => {
        count.tick("GET /api/v1/issuers/[issuer]/revocations");
        await check(() => revocations.GET(request("GET", `/api/v1/issuers/${seg(issuer)}/revocations`, auth), ctx({ issuer })));
      }),
      { numRuns: runs(150) },
    );
  });

  it("POST /api/v1/issuers/[issuer]/revocations: bodies (valid issuer)", async () => {
    await fc.assert(
      fc.asyncProperty(
        authHeader(w),
        fc.constantFrom(...w.issuers),
        fc.constant(null).chain(() =>
          body(
            objectBody({
              serial: serialValue(),
              reason: field(fc.constantFrom("keyCompromise", "superseded", "unspecified", "removeFromCRL", "certificateHold", "KeyCompromise")),
              order: field(fc.constantFrom("renew-first", "raise-first", "sweep")),
              exclude: field(fc.array(serialValue(), { maxLength: 3 })),
              deadlineDays: field(fc.oneof(fc.integer({ min: -5, max: 4000 }), fc.double({ noNaN: true }))),
            }),
          ),
        ),
        async (auth, issuer, b) => {
          count.tick("POST /api/v1/issuers/[issuer]/revocations (bodies)");
          await check(() => revocations.POST(request("POST", `/api/v1/issuers/${seg(issuer)}/revocations`, auth, b), ctx({ issuer })));
        },
      ),
      { numRuns: runs(150) },
    );
  });

  it("POST /api/v1/issuers/[issuer]/revocations/[serial]/complete: bodies (valid params)", async () => {
    await fc.assert(
      fc.asyncProperty(authHeader(w), fc.constantFrom(...w.issuers), fc.constantFrom(...w.serials), fc.constant(null).chain(() => body(objectBody({ force: field(fc.boolean()) }))), async (auth, issuer, serial, b) => {
        count.tick("POST .../revocations/[serial]/complete (bodies)");
        await check(() => complete.POST(request("POST", `/api/v1/issuers/${seg(issuer)}/revocations/${seg(serial)}/complete`, auth, b), ctx({ issuer, serial })));
      }),
      { numRuns: runs(120) },
    );
  });

  it("POST /api/v1/issuers/[issuer]/renewals/[serial]: bodies (valid params)", async () => {
    await fc.assert(
      fc.asyncProperty(authHeader(w), fc.constantFrom(...w.issuers), fc.constantFrom(...w.pendingSerials, ...w.serials), fc.constant(null).chain(() => body(objectBody({ csr: csrField(w) }))), async (auth, issuer, serial, b) => {
        count.tick("POST .../renewals/[serial] (bodies)");
        const r = await check(() => renewals.POST(request("POST", `/api/v1/issuers/${seg(issuer)}/renewals/${seg(serial)}`, auth, b), ctx({ issuer, serial })));
        if (r.status === 201) checkIssued(JSON.parse(r.text).pem, opensslChecks++ < 30);
      }),
      { numRuns: runs(150) },
    );
  });
});

describe("route parameters of the write endpoints", () => {
  // Kept apart from the body properties above so that a parameter bug cannot hide a body bug.
  const goodBody = { contentType: "application/json", raw: JSON.stringify({ force: false }) };

  it("POST .../revocations/[serial]/complete: hostile issuer and serial params", async () => {
    await fc.assert(
      fc.asyncProperty(param(w.issuers), serialParamArb(w.serials), async (issuer, serial) => {
        count.tick("POST .../revocations/[serial]/complete (params)");
        await check(() => complete.POST(request("POST", "/api/v1/issuers/x/revocations/y/complete", `Bearer ${w.tokens.operator}`, goodBody), ctx({ issuer, serial })));
      }),
      { numRuns: runs(150) },
    );
  });

  it("POST .../renewals/[serial]: hostile issuer and serial params", async () => {
    const csrBody = () => ({ contentType: "application/json", raw: JSON.stringify({ csr: w.validCsrs[0] }) });
    await fc.assert(
      fc.asyncProperty(param(w.issuers), serialParamArb([...w.pendingSerials, ...w.serials]), async (issuer, serial) => {
        count.tick("POST .../renewals/[serial] (params)");
        await check(() => renewals.POST(request("POST", "/api/v1/issuers/x/renewals/y", `Bearer ${w.tokens.operator}`, csrBody()), ctx({ issuer, serial })));
      }),
      { numRuns: runs(150) },
    );
  });

  it("POST /api/v1/issuers/[issuer]/revocations: hostile issuer params", async () => {
    const revBody = () => ({ contentType: "application/json", raw: JSON.stringify({ serial: "999999", reason: "keyCompromise", order: "renew-first" }) });
    await fc.assert(
      fc.asyncProperty(param(w.issuers), async (issuer) => {
        count.tick("POST /api/v1/issuers/[issuer]/revocations (params)");
        await check(() => revocations.POST(request("POST", "/api/v1/issuers/x/revocations", `Bearer ${w.tokens.operator}`, revBody()), ctx({ issuer })));
      }),
      { numRuns: runs(150) },
    );
  });
});
