/**
 * Test helpers for lib/pki (not exported from index.ts): OpenSSL's CLI as the
 * independent second implementation, plus fixtures built with our own API.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect } from "vitest";
import { InputError } from "../errors";
import { createCaCertificate } from "../pki/issue";
import { x509 } from "./x509";
import { generateKeyPair, type KeyType } from "../pki/keys";
import { signatureScheme } from "../pki/signature";

export interface OpensslResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function openssl(args: string[], input?: string | Uint8Array): OpensslResult {
  const r = spawnSync("/usr/bin/openssl", args, { input, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** openssl that must succeed; returns stdout. */
export function opensslOk(args: string[], input?: string | Uint8Array): string {
  const r = openssl(args, input);
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A temp directory removed after the test file; write(name, data) returns the path. */
export function tempDir(): { dir: string; write(name: string, data: string | Uint8Array): string; path(name: string): string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-pki-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, data) {
      const p = path.join(dir, name);
      fs.writeFileSync(p, data);
      return p;
    },
    path: (name) => path.join(dir, name),
  };
}

/** Asserts fn throws an InputError on `field` whose message matches `message`. */
export async function expectInputError(fn: () => unknown, field: string, message?: RegExp): Promise<InputError> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err, "expected an InputError").toBeInstanceOf(InputError);
  const ie = err as InputError;
  expect(ie.field).toBe(field);
  if (message) expect(ie.message).toMatch(message);
  return ie;
}

export const DAY = 86_400_000;

/** A self-signed CA of the given type, valid from an hour ago for a year. */
export async function makeCa(keyType: KeyType, subject = "CN=Test Root, O=Rootline, C=DE") {
  const keyPair = await generateKeyPair(keyType);
  const now = Date.now();
  const certDer = await createCaCertificate({ subject, keyPair, keyType, notBefore: new Date(now - 3600_000), notAfter: new Date(now + 365 * DAY), serial: 1n });
  return { keyPair, certDer, keyType };
}

/** A CSR made with @peculiar/x509 (an independent encoder). */
export async function x509Csr(keyType: KeyType, name: string, sans: { type: "dns" | "ip"; value: string }[] = []) {
  const keys = await generateKeyPair(keyType);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name,
    keys,
    signingAlgorithm: signatureScheme(keyType).webCrypto,
    extensions: sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : [],
  });
  return { keys, der: new Uint8Array(csr.rawData), pem: csr.toString("pem") };
}

