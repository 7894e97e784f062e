import { describe, expect, it } from "vitest";
import { InputError } from "../errors";
import { encodeSans, formatIpBytes, formatSan, ipToBytes, parseSan, parseSans } from "./san";
import { expectInputError } from "../test/pki";

describe("parseSan", () => {
  it.each([
    ["DNS:example.com", "DNS:example.com"],
    ["dns:Printer-7.Example.COM", "DNS:printer-7.example.com"],
    ["DNS: spaced.example ", "DNS:spaced.example"],
    ["DNS:localhost", "DNS:localhost"],
    ["DNS:*.fleet.example.com", "DNS:*.fleet.example.com"],
    ["DNS:xn--bcher-kva.example", "DNS:xn--bcher-kva.example"],
    ["DNS:1host.example", "DNS:1host.example"],
    [`DNS:${"a".repeat(63)}.example`, `DNS:${"a".repeat(63)}.example`],
    ["IP:192.0.2.1", "IP:192.0.2.1"],
    ["ip:10.0.0.255", "IP:10.0.0.255"],
    ["IP:2001:DB8:0:0:0:0:0:1", "IP:2001:db8::1"],
    ["IP:::1", "IP:::1"],
    ["IP:::", "IP:::"],
    ["IP:fe80::", "IP:fe80::"],
    ["IP:2001:db8:0:0:1:0:0:1", "IP:2001:db8::1:0:0:1"],
    ["IP:::ffff:192.0.2.1", "IP:::ffff:c000:201"],
  ])("%s → %s", (input, expected) => {
    expect(formatSan(parseSan(input))).toBe(expected);
  });

  it.each([
    ["DNS:", /empty/],
    ["DNS:-bad-.com", /hyphen/],
    ["DNS:bad-.com", /hyphen/],
    ["DNS:a..b", /empty label/],
    ["DNS:example.com.", /must not end with a dot/],
    ["DNS:under_score.example", /letters, digits, hyphens/],
    ["DNS:bücher.example", /letters, digits, hyphens/],
    ["DNS:*.com", /two labels/],
    ["DNS:a*.example.com", /leftmost/],
    ["DNS:foo.*.example.com", /leftmost/],
    [`DNS:${"a".repeat(64)}.example`, /63/],
    [`DNS:${"abcdefghi.".repeat(26)}com`, /253/],
    ["DNS:192.0.2.1", /IP address; write it as IP:/],
    ["IP:999.1.1.1", /not an IPv4 or IPv6/],
    ["IP:1.2.3", /not an IPv4 or IPv6/],
    ["IP:010.1.1.1", /not an IPv4 or IPv6/],
    ["IP:fe80::1%eth0", /not an IPv4 or IPv6/],
    ["IP:10.0.0.0/8", /not an IPv4 or IPv6/],
    ["IP:", /not an IPv4 or IPv6/],
    ["URI:x", /SAN type "URI" is not supported/],
    ["email:a@example.com", /not supported/],
    ["example.com", /must start with DNS: or IP:/],
  ])("rejects %s", async (input, message) => {
    await expectInputError(() => parseSan(input), "san", message);
  });

  it("names the field it is given", async () => {
    await expectInputError(() => parseSan("DNS:", "csr"), "csr");
  });
});

describe("parseSans", () => {
  it("splits on commas and newlines and keeps order", () => {
    expect(parseSans("DNS:a.example, IP:10.0.0.1\nDNS:b.example").map(formatSan)).toEqual(["DNS:a.example", "IP:10.0.0.1", "DNS:b.example"]);
  });
  it("refuses duplicates after normalisation", async () => {
    await expectInputError(() => parseSans(["DNS:A.example", "dns:a.example"]), "san", /listed twice/);
    await expectInputError(() => parseSans(["IP:2001:db8::1", "IP:2001:DB8:0::1"]), "san", /listed twice/);
  });
  it("is empty for an empty string", () => {
    expect(parseSans("")).toEqual([]);
  });
});

describe("IP bytes", () => {
  it.each([
    ["192.0.2.1", "c0000201"],
    ["::1", "00000000000000000000000000000001"],
    ["2001:db8::", "20010db8000000000000000000000000"],
    ["::ffff:192.0.2.1", "00000000000000000000ffffc0000201"],
    ["1:2:3:4:5:6:7:8", "00010002000300040005000600070008"],
  ])("%s ⇄ %s", (ip, h) => {
    expect(ipToBytes(ip).toString("hex")).toBe(h);
    expect(ipToBytes(formatIpBytes(Buffer.from(h, "hex"))).toString("hex")).toBe(h);
  });
  it("RFC 5952: compresses the longest zero run, the first on ties, never a single group", () => {
    expect(formatIpBytes(ipToBytes("1:0:0:2:0:0:0:3"))).toBe("1:0:0:2::3");
    expect(formatIpBytes(ipToBytes("1:0:0:2:0:0:3:4"))).toBe("1::2:0:0:3:4");
    expect(formatIpBytes(ipToBytes("1:0:2:3:4:5:6:7"))).toBe("1:0:2:3:4:5:6:7");
  });
});

it("encodes GeneralNames with [2] dNSName and [7] iPAddress", () => {
  const der = encodeSans([parseSan("DNS:a.example"), parseSan("IP:10.0.0.1")]);
  expect(der.toString("hex")).toBe("3011" + "8209" + Buffer.from("a.example").toString("hex") + "8704" + "0a000001");
});

it("errors are InputErrors with status 400", () => {
  try {
    parseSan("URI:x");
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).status).toBe(400);
    return;
  }
  throw new Error("no error");
});
