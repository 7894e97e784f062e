import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** OpenSSL's CLI as the independent parser in tests. */
export function tmpFile(name: string, content: Uint8Array | string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rl-ossl-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

export function openssl(args: string[], input?: string | Buffer): { status: number; stdout: string; stderr: string } {
  const r = spawnSync("openssl", args, { input, encoding: "utf8" });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh key and CSR made by OpenSSL (not by our code), PEM. */
export function opensslCsr(subject: string, keyAlg: "ec" | "rsa" | "ed25519" = "ec", extra: string[] = []): { csr: string; keyFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rl-csr-"));
  const keyFile = path.join(dir, "key.pem");
  const keyArgs = keyAlg === "ec" ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] : keyAlg === "rsa" ? ["-newkey", "rsa:2048"] : ["-newkey", "ed25519"];
  const csr = execFileSync("openssl", ["req", "-new", ...keyArgs, "-nodes", "-keyout", keyFile, "-subj", subject, ...extra], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return { csr, keyFile };
}
