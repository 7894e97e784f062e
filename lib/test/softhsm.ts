import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Debian's SoftHSM2 (scripts/test.sh installs `softhsm2`). */
export const SOFTHSM_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so";

export const softhsmAvailable = (): boolean => fs.existsSync(SOFTHSM_LIBRARY) && fs.existsSync("/usr/bin/softhsm2-util");

/** Why a PKCS#11 test is skipped (printed once), or null when SoftHSM2 is there. */
export function softhsmMissing(): string | null {
  return softhsmAvailable() ? null : `SoftHSM2 is not installed (${SOFTHSM_LIBRARY}): apt-get install softhsm2 — the PKCS#11 tests are skipped`;
}

export interface TestToken {
  label: string;
  pin: string;
  /** SOFTHSM2_CONF of this token's throw-away configuration. */
  conf: string;
  /** The ROOTLINE_PKCS11_* (and SOFTHSM2_CONF) variables that select it. */
  env: Record<string, string>;
  dir: string;
}

/**
 * A throw-away token: a SoftHSM2 configuration whose token directory is a temporary
 * directory, initialised with `softhsm2-util --init-token --free`. SOFTHSM2_CONF is read
 * when the module initialises, so `use()` sets it in this process before any PKCS#11 call.
 */
export function initTestToken(label = "rootline-test", pin = "1234"): TestToken & { use(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rl-softhsm-"));
  fs.mkdirSync(path.join(dir, "tokens"));
  const conf = path.join(dir, "softhsm2.conf");
  fs.writeFileSync(conf, `directories.tokendir = ${path.join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  execFileSync("softhsm2-util", ["--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", "5678"], { env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: "pipe" });
  const env = { SOFTHSM2_CONF: conf, ROOTLINE_PKCS11_LIBRARY: SOFTHSM_LIBRARY, ROOTLINE_PKCS11_TOKEN_LABEL: label, ROOTLINE_PKCS11_PIN: pin };
  return { label, pin, conf, env, dir, use: () => Object.assign(process.env, env) };
}
