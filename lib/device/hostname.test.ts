import { describe, expect, it } from "vitest";
import type { San } from "../pki/san";
import { certificateMatchesHost } from "./hostname";

const dns = (value: string): San => ({ type: "dns", value });
const ip = (value: string): San => ({ type: "ip", value });

describe("certificateMatchesHost (RFC 6125, SANs only)", () => {
  it.each<[string, San[], string, boolean]>([
    ["exact DNS name", [dns("printer-7.example")], "printer-7.example", true],
    ["DNS names compare case-insensitively", [dns("printer-7.example")], "Printer-7.EXAMPLE", true],
    ["a trailing dot on the host is the same name", [dns("printer-7.example")], "printer-7.example.", true],
    ["another DNS name", [dns("printer-7.example")], "printer-8.example", false],
    ["a wildcard stands for one leftmost label", [dns("*.fleet.example")], "a.fleet.example", true],
    ["a wildcard does not match the bare domain", [dns("*.fleet.example")], "fleet.example", false],
    ["a wildcard does not match two labels", [dns("*.fleet.example")], "a.b.fleet.example", false],
    ["a wildcard does not match a suffix trick", [dns("*.fleet.example")], "evilfleet.example", false],
    ["an IP matches an IP SAN", [ip("127.0.0.1")], "127.0.0.1", true],
    ["another IP", [ip("127.0.0.1")], "127.0.0.2", false],
    ["IPv6 in any spelling", [ip("2001:db8::1")], "2001:0db8:0:0:0:0:0:1", true],
    ["IPv6 in brackets (from a URL)", [ip("::1")], "[::1]", true],
    ["an IP is never matched by a DNS SAN of the same text", [dns("127.0.0.1")], "127.0.0.1", false],
    ["a DNS host is never matched by an IP SAN", [ip("127.0.0.1")], "localhost", false],
    ["no SANs: nothing matches (the CN is not consulted)", [], "printer-7.example", false],
    ["several SANs: any one matches", [dns("a.example"), ip("10.0.0.1")], "10.0.0.1", true],
  ])("%s", (_n, sans, host, want) => {
    expect(certificateMatchesHost({ sans }, host)).toBe(want);
  });
});
