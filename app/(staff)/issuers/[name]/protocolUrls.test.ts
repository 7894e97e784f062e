import { describe, expect, it } from "vitest";
import { protocolBases } from "./protocolUrls";

describe("protocolBases: where the issuer page tells clients to connect", () => {
  it.each([
    ["no HTTPS listener: the request's origin", "ca.example:3000", {}, { https: null, http: "http://ca.example:3000" }],
    ["HTTPS port set: same host name on it", "ca.example:3000", { ROOTLINE_HTTPS_PORT: "8443" }, { https: "https://ca.example:8443", http: "http://ca.example:3000" }],
    ["page seen over HTTPS: plain HTTP on PORT", "ca.example:8443", { ROOTLINE_HTTPS_PORT: "8443", PORT: "8080" }, { https: "https://ca.example:8443", http: "http://ca.example:8080" }],
    ["port 443 is left out", "ca.example", { ROOTLINE_HTTPS_PORT: "443" }, { https: "https://ca.example", http: "http://ca.example" }],
    ["port 0 (chosen at start): unknown here", "127.0.0.1:3000", { ROOTLINE_HTTPS_PORT: "0" }, { https: null, http: "http://127.0.0.1:3000" }],
    ["IPv6 host", "[::1]:3000", { ROOTLINE_HTTPS_PORT: "8443" }, { https: "https://[::1]:8443", http: "http://[::1]:3000" }],
  ])("%s", (_what, host, env, expected) => {
    expect(protocolBases(host, env)).toEqual(expected);
  });
});
