import { describe, expect, it } from "vitest";
import { parseRevocationReason, parseRevokingReason, REVOCATION_REASONS, REVOKING_REASONS } from "./reasons";

describe("the reasons a revocation may start with", () => {
  it.each(REVOCATION_REASONS.map((r) => [r, r !== "removeFromCRL" && r !== "certificateHold"] as const))("%s: revoking reason %s", (reason, allowed) => {
    expect(REVOKING_REASONS.includes(reason)).toBe(allowed);
    if (allowed) expect(parseRevokingReason(reason)).toBe(reason);
    else expect(() => parseRevokingReason(reason)).toThrow(expect.objectContaining({ field: "reason", status: 400 }));
    // Still a reason a CRL (or a delta CRL) may carry: reading one keeps working.
    expect(parseRevocationReason(reason)).toBe(reason);
  });

  it.each([
    ["removeFromCRL", /belongs only in delta CRLs/],
    ["certificateHold", /a hold cannot be lifted/],
    ["KeyCompromise", /unknown revocation reason "KeyCompromise"/],
    ["", /unknown revocation reason ""/],
    [4, /unknown revocation reason 4/],
    [undefined, /unknown revocation reason undefined/],
  ])("refuses %j", (input, message) => {
    expect(() => parseRevokingReason(input, "why")).toThrow(expect.objectContaining({ field: "why", message: expect.stringMatching(message) }));
  });
});
