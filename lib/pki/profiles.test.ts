import { describe, expect, it } from "vitest";
import { parseProfile, PROFILE_NAMES, REQUESTABLE_PROFILE_NAMES } from "./profiles";

describe("which profiles a request may name", () => {
  it("the issue form, the API and the CLI offer server, client, both and proxy", () => {
    expect(REQUESTABLE_PROFILE_NAMES).toEqual(["server", "client", "both", "proxy"]);
  });

  const table = [
    ["server", true],
    ["client", true],
    ["both", true],
    ["proxy", true],
    // The repository's marker would let the holder pose as the repository; CA certificates come with issuers.
    ["repository", false],
    // The delegated OCSP responder signs status answers for the whole issuer (lib/ocsp/signer.ts).
    ["ocsp", false],
    ["ca", false],
  ] as const;

  it("the table covers every profile", () => {
    expect(table.map(([n]) => n).sort()).toEqual([...PROFILE_NAMES].sort());
  });

  it.each(table)("%s: requestable %s; Rootline itself may use it either way", (name, requestable) => {
    if (requestable) expect(parseProfile(name).name).toBe(name);
    else expect(() => parseProfile(name)).toThrow(expect.objectContaining({ field: "profile", message: expect.stringContaining("issued by Rootline itself only") }));
    expect(parseProfile(name, "profile", { internal: true }).name).toBe(name);
  });

  it.each([["Server"], [""], [undefined], [1]])("refuses %j, listing only the requestable ones", (input) => {
    expect(() => parseProfile(input)).toThrow(expect.objectContaining({ field: "profile", message: expect.stringMatching(/expected one of server, client, both, proxy$/) }));
  });
});
