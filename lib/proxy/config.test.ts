import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { expectInputError } from "../test/pki";
import { loadProxyConfig, parseHostPort } from "./config";

const base = { listen: "127.0.0.1:8443", upstream: "upstream.test:443", ca: "ca.pem", repository: "https://ca.example/api/repository", issuer: "site-ca", cert: "p.pem", key: "p.key" };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxy-config-"));
const configFile = (v: unknown) => {
  const f = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(f, typeof v === "string" ? v : JSON.stringify(v));
  return f;
};

describe("proxy configuration", () => {
  it("the Contract's flags make one route named default; the servername defaults to the upstream host", () => {
    const c = loadProxyConfig({ ...base, refreshS: "60", status: "[::1]:9100" });
    expect(c.routes).toHaveLength(1);
    expect(c.routes[0]).toMatchObject({ name: "default", listen: { host: "127.0.0.1", port: 8443 }, upstream: { host: "upstream.test", port: 443 }, servername: "upstream.test", issuer: "site-ca", clientTls: false });
    expect(c.routes[0].ca).toBe(path.resolve("ca.pem"));
    expect(c).toMatchObject({ refreshS: 60, status: { host: "::1", port: 9100 }, policy: null, log: null });
  });

  it("names the flag in errors", async () => {
    await expectInputError(() => loadProxyConfig({ ...base, listen: "8443" }), "listen", /HOST:PORT/);
    await expectInputError(() => loadProxyConfig({ ...base, upstream: undefined }), "upstream");
    await expectInputError(() => loadProxyConfig({ ...base, refreshS: "0" }), "refresh-s");
    await expectInputError(() => loadProxyConfig({ ...base, clientTls: true }), "client-ca", /--client-ca/);
    await expectInputError(() => loadProxyConfig({ ...base, clientCa: "c.pem" }), "client-ca", /--client-tls/);
    await expectInputError(() => loadProxyConfig({ ...base, repository: "ftp://x" }), "repository");
    expect(() => parseHostPort("h:70000", "listen")).toThrow(/out of range/);
  });

  it("--config: several routes, paths relative to the file, route overrides, errors naming config.routes[i].field", async () => {
    const c = loadProxyConfig({
      config: configFile({ ca: "ca.pem", repository: "http://r/api/repository/", issuer: "a", cert: "p.pem", key: "p.key", log: "log/d.jsonl", routes: [
        { name: "printers", listen: "0.0.0.0:9000", upstream: "10.0.0.5:443" },
        { name: "meters", listen: "0.0.0.0:9001", upstream: "meters.example:8443", servername: "m.example", issuer: "b", ca: "b.pem", clientTls: true, clientCa: "clients.pem", clientIssuer: "c" },
      ] }), // prettier-ignore
    });
    expect(c.routes.map((r) => [r.name, r.issuer, r.servername, r.ca, r.repository])).toEqual([
      ["printers", "a", "10.0.0.5", path.join(dir, "ca.pem"), "http://r/api/repository"],
      ["meters", "b", "m.example", path.join(dir, "b.pem"), "http://r/api/repository"],
    ]);
    expect(c.routes[1]).toMatchObject({ clientTls: true, clientCa: path.join(dir, "clients.pem"), clientIssuer: "c" });
    expect(c.dataDir).toBe(path.join(dir, "log"));
    const one = { name: "a", listen: "127.0.0.1:1", upstream: "u:1" };
    const top = { ca: "ca.pem", repository: "http://r", issuer: "a", cert: "p", key: "k" };
    await expectInputError(() => loadProxyConfig({ config: configFile({ ...top, routes: [one, { ...one, name: "b", upstream: "nope" }] }) }), "config.routes[1].upstream");
    await expectInputError(() => loadProxyConfig({ config: configFile({ ...top, routes: [one, { ...one, listen: "127.0.0.1:2" }] }) }), "config.routes[1].name", /twice/);
    await expectInputError(() => loadProxyConfig({ config: configFile({ ...top, routes: [{ ...one, colour: "red" }] }) }), "config.routes[0]");
    await expectInputError(() => loadProxyConfig({ config: configFile({ ...top, routes: [] }) }), "config.routes");
    await expectInputError(() => loadProxyConfig({ config: configFile({ ...top, ca: undefined, routes: [one] }) }), "config.routes[0].ca");
    await expectInputError(() => loadProxyConfig({ config: configFile("{") }), "config", /not JSON/);
    await expectInputError(() => loadProxyConfig({ config: configFile({ ...top, routes: [one] }), listen: "127.0.0.1:5" }), "listen", /with --config/);
  });
});
