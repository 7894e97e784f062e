import fs from "node:fs";
import { InputError } from "../errors";

/**
 * Where the PKCS#11 token is (issue 14's Contract): from the environment or a file,
 * never the database. Errors name the variable to fix; the field is `keyStorage`, so
 * the new-issuer form shows them beside the key-storage choice.
 */
export interface Pkcs11Config {
  library: string;
  tokenLabel: string;
  pin: string;
  /** Which variable the PIN came from (a wrong PIN's message names it). */
  pinVariable: "ROOTLINE_PKCS11_PIN" | "ROOTLINE_PKCS11_PIN_FILE";
}

const problem = (message: string) => new InputError("keyStorage", message);

type Env = Readonly<Record<string, string | undefined>>;

/** True when a token is configured at all (the UI offers the choice only then). */
export function pkcs11Configured(env: Env = process.env): boolean {
  return !!env.ROOTLINE_PKCS11_LIBRARY?.trim();
}

/** The token configuration, checked: every missing or unreadable piece is named. */
export function pkcs11Config(env: Env = process.env): Pkcs11Config {
  const library = env.ROOTLINE_PKCS11_LIBRARY?.trim();
  if (!library) throw problem("no PKCS#11 token is configured: set ROOTLINE_PKCS11_LIBRARY (the module, e.g. /usr/lib/softhsm/libsofthsm2.so), ROOTLINE_PKCS11_TOKEN_LABEL and ROOTLINE_PKCS11_PIN or ROOTLINE_PKCS11_PIN_FILE");
  if (!fs.existsSync(library)) throw problem(`ROOTLINE_PKCS11_LIBRARY: ${library} does not exist`);
  const tokenLabel = env.ROOTLINE_PKCS11_TOKEN_LABEL?.trim();
  if (!tokenLabel) throw problem("ROOTLINE_PKCS11_TOKEN_LABEL is not set: the label of the token that holds the CA keys");
  const pinFile = env.ROOTLINE_PKCS11_PIN_FILE?.trim();
  if (env.ROOTLINE_PKCS11_PIN !== undefined && env.ROOTLINE_PKCS11_PIN !== "") return { library, tokenLabel, pin: env.ROOTLINE_PKCS11_PIN, pinVariable: "ROOTLINE_PKCS11_PIN" };
  if (!pinFile) throw problem("set ROOTLINE_PKCS11_PIN or ROOTLINE_PKCS11_PIN_FILE: the token's user PIN");
  let text: string;
  try {
    text = fs.readFileSync(pinFile, "utf8");
  } catch (e) {
    throw problem(`ROOTLINE_PKCS11_PIN_FILE: ${pinFile} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const pin = text.replace(/\r?\n$/, "");
  if (!pin) throw problem(`ROOTLINE_PKCS11_PIN_FILE: ${pinFile} is empty`);
  return { library, tokenLabel, pin, pinVariable: "ROOTLINE_PKCS11_PIN_FILE" };
}
