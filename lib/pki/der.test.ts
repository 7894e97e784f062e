import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DerError, TAG, integer, oid, parseDer, readInteger, readOid, readString, readTime, readTlv, seq, time, tlv } from "./der";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const der = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s/g, ""), "hex"));

describe("INTEGER encoding", () => {
  it.each([
    [0n, "020100"],
    [1n, "020101"],
    [127n, "02017f"],
    [128n, "02020080"],
    [255n, "020200ff"],
    [256n, "02020100"],
    [32767n, "02027fff"],
    [32768n, "0203008000"],
    [(1n << 63n) - 1n, "02087fffffffffffffff"],
    [1n << 63n, "0209008000000000000000"],
    [-1n, "0201ff"],
    [-128n, "020180"],
    [-129n, "0202ff7f"],
  ])("%s → %s", (n, expected) => {
    expect(hex(integer(n))).toBe(expected);
    expect(readInteger(parseDer(integer(n)), "x")).toBe(n);
  });

  it("round-trips arbitrary bigints", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }), (n) => readInteger(parseDer(integer(n)), "x") === n),
    );
  });

  it.each([
    ["leading zero before a clear high bit", "02020001"],
    ["leading 0xff before a set high bit", "0202ff80"],
    ["empty", "0200"],
  ])("refuses a non-minimal INTEGER: %s", (_, h) => {
    expect(() => readInteger(parseDer(der(h)), "x")).toThrow(DerError);
  });
});

describe("strict TLV reader", () => {
  it.each([
    ["indefinite length", "3080020101 0000"],
    ["long form for a short length", "308103020101"],
    ["length with a leading zero byte", "30820003020101"],
    ["content shorter than announced", "3005020101"],
    ["missing length byte", "30"],
    ["high tag number form", "1f0100"],
    ["trailing bytes", "3003020101 00"],
    ["empty input", ""],
  ])("rejects %s", (_, h) => {
    expect(() => parseDer(der(h))).toThrow(DerError);
  });

  it("reads long-form lengths", () => {
    const content = new Uint8Array(300).fill(7);
    const t = tlv(TAG.OCTET_STRING, content);
    expect(hex(t.subarray(0, 4))).toBe("0482012c");
    const d = parseDer(t);
    expect(d.length).toBe(300);
    expect(Buffer.from(d.content).equals(Buffer.from(content))).toBe(true);
  });

  it("a child may not run past its parent", () => {
    // SEQUENCE of length 3 whose child claims 5 bytes
    expect(() => parseDer(der("3003 0205 0101")).children()).toThrow(DerError);
    expect(() => readTlv(der("0205010101010101"), 0, 4)).toThrow(/truncated/);
  });
});

describe("OBJECT IDENTIFIER", () => {
  it.each(["1.2.840.10045.4.3.2", "2.5.29.19", "1.3.6.1.5.5.7.3.1", "2.999.3", "0.9.2342.19200300.100.1.25"])("%s round-trips", (o) => {
    expect(readOid(parseDer(oid(o)), "oid")).toBe(o);
  });
  it("encodes ecdsa-with-SHA256 as the known bytes", () => {
    expect(hex(oid("1.2.840.10045.4.3.2"))).toBe("06082a8648ce3d040302");
  });
  it("rejects non-minimal arcs", () => {
    expect(() => readOid(parseDer(der("0603 2a 8001")), "oid")).toThrow(/minimally/);
    expect(() => readOid(parseDer(der("0602 2a 86")), "oid")).toThrow(/truncated/);
  });
});

describe("times (RFC 5280 §4.1.2.5)", () => {
  it.each([
    ["1950-01-01T00:00:00Z", "170d3530303130313030303030305a"],
    ["2049-12-31T23:59:59Z", "170d3439313233313233353935395a"],
    ["2050-01-01T00:00:00Z", "180f32303530303130313030303030305a"],
  ])("%s → UTCTime before 2050, GeneralizedTime after", (iso, expected) => {
    const d = new Date(iso);
    expect(hex(time(d))).toBe(expected);
    expect(readTime(parseDer(time(d)), "t").toISOString()).toBe(d.toISOString());
  });
  it("drops milliseconds", () => {
    expect(readTime(parseDer(time(new Date("2030-05-06T07:08:09.999Z"))), "t").toISOString()).toBe("2030-05-06T07:08:09.000Z");
  });
  it.each([
    ["no seconds", TAG.UTC_TIME, "3001010000Z"],
    ["a time-zone offset", TAG.UTC_TIME, "300101000000+0100"],
    ["31 February", TAG.UTC_TIME, "300231000000Z"],
    ["hour 24", TAG.UTC_TIME, "300101240000Z"],
    ["a fractional GeneralizedTime", TAG.GENERALIZED_TIME, "20300101000000.1Z"],
    ["a two-digit year in GeneralizedTime", TAG.GENERALIZED_TIME, "300101000000Z"],
  ])("rejects %s", (_, tag, text) => {
    expect(() => readTime(parseDer(tlv(tag, Buffer.from(text, "latin1"))), "t")).toThrow(DerError);
  });
});

it("seq concatenates children under one header", () => {
  expect(hex(seq(integer(1), integer(2)))).toBe("3006020101020102");
});

describe("OBJECT IDENTIFIER limits (32 arcs, 128 bits per arc)", () => {
  /** An OID TLV whose content is `content` (length encoded for any size). */
  const oidTlv = (content: Buffer) => tlv(TAG.OID, content);
  const arc = (octets: number) => Buffer.concat([Buffer.alloc(octets - 1, 0xff), Buffer.from([0x7f])]);

  it.each<[string, Buffer, RegExp | null]>([
    ["a 128-bit arc (UUID under 2.25) is read", Buffer.concat([Buffer.from([0x69]), Buffer.from([0x83, ...Buffer.alloc(17, 0xff), 0x7f])]), null],
    ["32 arcs are read", Buffer.concat([Buffer.from([0x2a]), Buffer.alloc(30, 0x01)]), null],
    ["33 arcs are refused", Buffer.concat([Buffer.from([0x2a]), Buffer.alloc(31, 0x01)]), /more than 32 arcs/],
    ["a 129-bit arc is refused", Buffer.concat([Buffer.from([0x2a, 0x87]), Buffer.alloc(17, 0xff), Buffer.from([0x7f])]), /larger than 128 bits/],
    ["a 20-octet arc is refused", Buffer.concat([Buffer.from([0x2a]), arc(20)]), /larger than 128 bits/],
    ["a 1 MB arc is refused at once", Buffer.concat([Buffer.from([0x2a]), arc(1 << 20)]), /too long/],
    ["a million one-octet arcs are refused at once", Buffer.alloc(1 << 20, 0x01), /too long/],
  ])("%s", (_n, content, err) => {
    const t0 = Date.now();
    const read = () => readOid(parseDer(oidTlv(content)), "oid");
    if (err) expect(read).toThrow(err);
    else expect(readOid(parseDer(oid(read())), "oid")).toBe(read());
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it.each([
    ["1." + "1.".repeat(31) + "1", /more than 32 arcs/],
    ["2.25." + (1n << 128n).toString(), /larger than 128 bits/],
    ["1.2." + "9".repeat(100_000), /decimal numbers/],
    ["3.1", /first arcs/],
    ["1.2.03", /decimal numbers/],
  ])("the writer refuses %#: %s", (dotted, err) => {
    expect(() => oid(dotted)).toThrow(DerError);
    expect(() => oid(dotted)).toThrow(err);
  });
});

describe("UniversalString", () => {
  it.each([["00110000"], ["0000d800"]])("refuses the code unit %s as DerError (not a RangeError)", (h) => {
    expect(() => readString(parseDer(tlv(TAG.UNIVERSAL_STRING, Buffer.from(h, "hex"))), "s")).toThrow(DerError);
  });
});
