import { describe, expect, it } from "vitest";
import { safeNextPath, signInUrl } from "./redirect";

/** How a browser resolves a Location header on our site: anything with another origin escaped. */
function resolvedOrigin(location: string): string {
  return new URL(location, "https://ca.example.org/signin").origin;
}

describe("the ?next= after sign-in stays on this site", () => {
  it.each([
    ["/\\evil.example"], // what ?next=/%5Cevil.example arrives as after query decoding
    ["/%5Cevil.example"],
    ["//evil.example"],
    ["/\\\\evil.example"],
    ["\\\\evil.example"],
    ["\\/evil.example"],
    ["https://evil.example"],
    ["http:evil.example"],
    ["//evil.example/%2e%2e"],
    ["/\t/evil.example"], // tabs and newlines are dropped by URL parsers
    ["/\n/evil.example"],
    ["/\r\n/evil.example"],
    ["\t//evil.example"],
    ["/.//evil.example"], // normalises to the path //evil.example
    ["/a/..//evil.example"],
    ["javascript:alert(1)"],
    ["data:text/html,<script>alert(1)</script>"],
    ["  //evil.example"],
    ["/%09/evil.example"],
    ["https://ca.example.org.evil.example/"],
  ])("%j never leads off-site", (next) => {
    const out = safeNextPath(next);
    expect(out.startsWith("/")).toBe(true);
    expect(out.startsWith("//")).toBe(false);
    expect(resolvedOrigin(out)).toBe("https://ca.example.org");
  });

  it.each([
    ["/%5Cevil.example", "/%5Cevil.example"], // a literal backslash in a path: harmless once encoded
    ["/\\evil.example", "/"],
    ["https://evil.example", "/"],
    ["/.//evil.example", "/"],
    ["/certificates?q=a%20b#top", "/certificates?q=a%20b#top"],
    ["/issuers/ca-1", "/issuers/ca-1"],
    ["/tokens/../users", "/users"],
    ["", "/"],
    [undefined, "/"],
    [["/a", "/b"], "/"],
  ])("%j → %j", (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });

  it("accepts an absolute URL of the app's own origin, as a path", () => {
    expect(safeNextPath("https://ca.example.org/issuers?x=1", "https://ca.example.org")).toBe("/issuers?x=1");
    expect(safeNextPath("https://evil.example/issuers", "https://ca.example.org")).toBe("/");
  });

  it("builds the sign-in link a deep link is sent to", () => {
    expect(signInUrl("/certificates?issuer=a&q=x y")).toBe("/signin?next=%2Fcertificates%3Fissuer%3Da%26q%3Dx%2520y");
    expect(signInUrl("/")).toBe("/signin");
    expect(signInUrl(null)).toBe("/signin");
    expect(signInUrl("//evil.example")).toBe("/signin");
  });
});
