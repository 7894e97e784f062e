import { describe, expect, it } from "vitest";
import { httpsConfigFromEnv } from "./config";

describe("ROOTLINE_HTTPS_*", () => {
  it("off without a port; defaults for the names and the check interval", () => {
    expect(httpsConfigFromEnv({} as NodeJS.ProcessEnv)).toBeNull();
    expect(httpsConfigFromEnv({ ROOTLINE_HTTPS_PORT: "8443", ROOTLINE_HTTPS_ISSUER: "web" } as unknown as NodeJS.ProcessEnv)).toEqual({ port: 8443, issuer: "web", names: ["DNS:localhost", "IP:127.0.0.1"], checkMs: 60_000 });
    expect(httpsConfigFromEnv({ ROOTLINE_HTTPS_PORT: "0", ROOTLINE_HTTPS_ISSUER: "web", ROOTLINE_HTTPS_NAMES: " DNS:ca.example , IP:10.0.0.1", ROOTLINE_HTTPS_CHECK_SECONDS: "0.5" } as unknown as NodeJS.ProcessEnv)).toEqual({ port: 0, issuer: "web", names: ["DNS:ca.example", "IP:10.0.0.1"], checkMs: 500 });
  });

  it.each([
    [{ ROOTLINE_HTTPS_PORT: "https" }, "ROOTLINE_HTTPS_PORT"],
    [{ ROOTLINE_HTTPS_PORT: "70000", ROOTLINE_HTTPS_ISSUER: "web" }, "ROOTLINE_HTTPS_PORT"],
    [{ ROOTLINE_HTTPS_PORT: "8443" }, "ROOTLINE_HTTPS_ISSUER"],
    [{ ROOTLINE_HTTPS_PORT: "8443", ROOTLINE_HTTPS_ISSUER: "web", ROOTLINE_HTTPS_NAMES: "localhost" }, "ROOTLINE_HTTPS_NAMES"],
    [{ ROOTLINE_HTTPS_PORT: "8443", ROOTLINE_HTTPS_ISSUER: "web", ROOTLINE_HTTPS_CHECK_SECONDS: "0" }, "ROOTLINE_HTTPS_CHECK_SECONDS"],
  ])("refuses %j naming %s", (env, field) => {
    expect(() => httpsConfigFromEnv(env as unknown as NodeJS.ProcessEnv)).toThrow(expect.objectContaining({ field }));
  });
});
