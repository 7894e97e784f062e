import { describe, expect, it } from "vitest";
import { colonHex, serialFromDecimal, serialFromHex, serialToColonHex, serialToHex, sha256Hex } from "./fingerprint";
import { expectInputError } from "../test/pki";

describe("serial text forms", () => {
  it.each([
    [1n, "01", "01"],
    [127n, "7F", "7F"],
    [128n, "80", "80"],
    [255n, "FF", "FF"],
    [256n, "0100", "01:00"],
    [(1n << 63n) - 1n, "7FFFFFFFFFFFFFFF", "7F:FF:FF:FF:FF:FF:FF:FF"],
  ])("%s → %s / %s", (n, h, c) => {
    expect(serialToHex(n)).toBe(h);
    expect(serialToColonHex(n)).toBe(c);
    expect(serialFromHex(h)).toBe(n);
    expect(serialFromHex(c)).toBe(n);
    expect(serialFromHex("0x" + h.toLowerCase())).toBe(n);
    expect(serialFromDecimal(n.toString())).toBe(n);
  });

  it.each([
    ["", /not a hexadecimal/],
    ["xyz", /not a hexadecimal/],
    ["01:0", /not a hexadecimal/],
    ["0", /positive/],
    ["00", /positive/],
    ["80" + "00".repeat(19), /20 octets/],
  ])("serialFromHex(%j) fails", async (s, m) => {
    await expectInputError(() => serialFromHex(s), "serial", m);
  });

  it("serialFromDecimal refuses signs and junk", async () => {
    await expectInputError(() => serialFromDecimal("-5"), "serial");
    await expectInputError(() => serialFromDecimal("1e3"), "serial");
  });
});

it("sha256Hex and colonHex", () => {
  expect(sha256Hex(new Uint8Array())).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  expect(colonHex("ab01cd")).toBe("AB:01:CD");
});
