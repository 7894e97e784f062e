import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_FAILURES_PER_IP, signIn } from "../auth/sessions";
import { db } from "../db";
import { requestListener } from "./listener";
import { CLIENT_ADDRESS_HEADER, clientAddress, REQUEST_PATH_HEADER } from "./trustedHeaders";

/**
 * server.ts's listener on a real socket. Next is replaced by a handler that reports what
 * Next would be told (and, for /signin, signs in with the address it is given); the real
 * Next page response is checked by e2e/security.e2e.ts.
 */
let base = "";
const servers: http.Server[] = [];
const seen: { headers: http.IncomingHttpHeaders; raw: string[] }[] = [];

function start(opts: Parameters<typeof requestListener>[1]): Promise<string> {
  const server = http.createServer(
    requestListener(async (req, res) => {
      seen.push({ headers: { ...req.headers }, raw: [...req.rawHeaders] });
      if (req.url === "/signin") {
        const email = String(req.headers["x-test-email"]);
        const r = await signIn(email, "wrong password!", String(req.headers[CLIENT_ADDRESS_HEADER]));
        res.end(r.ok ? "ok" : r.error);
        return;
      }
      res.setHeader("Content-Type", "text/html");
      res.end("<p>page</p>");
    }, opts),
  );
  servers.push(server);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  base = await start({});
});
afterAll(() => servers.forEach((s) => s.close()));

describe("security headers on every response", () => {
  it("on a fast-path answer (/api/health), without HSTS on plain HTTP", async () => {
    const r = await fetch(`${base}/api/health`);
    expect(r.status).toBe(200);
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.headers.get("referrer-policy")).toBe("same-origin");
    expect(r.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(r.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(r.headers.get("strict-transport-security")).toBeNull();
    expect(seen).toHaveLength(0); // answered without Next
  });

  it("on an error answer of the fast path too", async () => {
    const r = await fetch(`${base}/api/repository/no-such-issuer/revocation-info`);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("on pages: a fresh script nonce per response, the one Next is handed in the request", async () => {
    const a = await fetch(`${base}/certificates`, { headers: { "Content-Security-Policy": "script-src 'nonce-chosenbyclient'" } });
    const b = await fetch(`${base}/certificates`);
    const csp = a.headers.get("content-security-policy")!;
    for (const d of ["object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'", "default-src 'self'"]) expect(csp).toContain(d);
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).not.toContain("chosenbyclient");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(seen.at(-2)!.headers["content-security-policy"]).toBe(csp);
    expect(b.headers.get("content-security-policy")).not.toBe(csp);
    expect(a.headers.get("x-content-type-options")).toBe("nosniff");
    expect(a.headers.get("x-frame-options")).toBe("DENY");
  });

  it("HSTS when served over HTTPS (ROOTLINE_SECURE_COOKIES=1)", async () => {
    const secure = await start({ https: true });
    for (const path of ["/api/health", "/"]) expect((await fetch(`${secure}${path}`)).headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
  });
});

describe("what Next is told about the request", () => {
  it("the socket address and the requested path, replacing any client-sent copies", async () => {
    await fetch(`${base}/issuers/ca-1?tab=certs&_rsc=abc123`, {
      headers: { [CLIENT_ADDRESS_HEADER]: "6.6.6.6", [REQUEST_PATH_HEADER]: "//evil.example", "X-Real-IP": "7.7.7.7" },
    });
    const { headers, raw } = seen.at(-1)!;
    expect(headers[CLIENT_ADDRESS_HEADER]).toBe("127.0.0.1");
    expect(headers[REQUEST_PATH_HEADER]).toBe("/issuers/ca-1?tab=certs");
    expect(raw.join("\n")).not.toContain("6.6.6.6");
    expect(raw.join("\n")).not.toContain("//evil.example");
  });

  it("behind a trusted proxy (ROOTLINE_TRUST_PROXY=1): the right-most X-Forwarded-For hop, never the client's own entries", () => {
    const req = { headers: { "x-forwarded-for": "1.1.1.1, 2.2.2.2,  203.0.113.7 " }, socket: { remoteAddress: "10.0.0.1" } } as unknown as http.IncomingMessage;
    expect(clientAddress(req, true)).toBe("203.0.113.7");
    expect(clientAddress(req, false)).toBe("10.0.0.1");
    expect(clientAddress({ headers: {}, socket: { remoteAddress: "10.0.0.1" } } as unknown as http.IncomingMessage, true)).toBe("10.0.0.1");
  });

  it("sign-in throttling keys on the socket address: rotating X-Real-IP does not get past the limit", async () => {
    const attempt = (i: number) => fetch(`${base}/signin`, { headers: { "X-Real-IP": `198.51.100.${i}`, "X-Forwarded-For": `198.51.100.${i}`, "x-test-email": `guess${i}@example.com` } }).then((r) => r.text());
    expect(await attempt(1)).toBe("invalid");
    expect(await attempt(2)).toBe("invalid");
    const keys = (await db().signInAttempt.findMany({ where: { key: { startsWith: "ip:" } } })).map((a) => a.key);
    expect(keys).toEqual(["ip:127.0.0.1", "ip:127.0.0.1"]);
    // Fill the address's budget (each real guess costs a full scrypt hash), then try once more.
    await db().signInAttempt.createMany({ data: Array.from({ length: MAX_FAILURES_PER_IP - 2 }, () => ({ key: "ip:127.0.0.1" })) });
    expect(await attempt(3)).toBe("rate-limited");
  }, 120_000); // two scrypt hashes at N=2^17
});
