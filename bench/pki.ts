/**
 * lib/pki micro-benchmarks: issuance (µs per certificate) and CRL building (time and
 * peak memory at 10k / 100k entries, plus OpenSSL's parse time of the result).
 *
 *   npx tsx bench/pki.ts            # everything
 *   npx tsx bench/pki.ts issue      # issuance only
 *   npx tsx bench/pki.ts crl 100000 # one CRL size, in this process (used by the parent)
 *
 * CRL sizes run in child processes so each peak RSS is its own.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildCrl, parseCrl } from "../lib/pki/crl";
import { x509 } from "../lib/test/x509";
import { buildDn } from "../lib/pki/dn";
import { createCaCertificate, createIssuerSigner, signCertificate } from "../lib/pki/issue";
import { exportSpki, generateKeyPair, type KeyType } from "../lib/pki/keys";
import type { RevocationReason } from "../lib/pki/reasons";
import { signatureScheme } from "../lib/pki/signature";

const DAY = 86_400_000;

async function ca(kt: KeyType) {
  const keyPair = await generateKeyPair(kt);
  const now = Date.now();
  const certDer = await createCaCertificate({ subject: `CN=Bench ${kt}`, keyPair, notBefore: new Date(now - DAY), notAfter: new Date(now + 3650 * DAY), serial: 1n });
  return { keyPair, certDer };
}

/** Median and p90 of per-op µs over `rounds` rounds of `perRound` operations. */
async function measure(fn: () => unknown | Promise<unknown>, rounds = 20, perRound = 200) {
  for (let i = 0; i < perRound; i++) await fn(); // warm-up (JIT, caches)
  const perOp: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) await fn();
    perOp.push(Number(process.hrtime.bigint() - t0) / perRound / 1000);
  }
  perOp.sort((a, b) => a - b);
  return { median: perOp[Math.floor(rounds / 2)], p90: perOp[Math.floor(rounds * 0.9)] };
}

async function benchIssue() {
  for (const kt of ["ec-p256", "ec-p384", "rsa-2048"] as KeyType[]) {
    const c = await ca(kt);
    const signer = createIssuerSigner({ certDer: c.certDer, privateKey: c.keyPair.privateKey });
    const spki = await exportSpki((await generateKeyPair(kt === "rsa-2048" ? "rsa-2048" : "ec-p256")).publicKey);
    const dn = buildDn("CN=device.fleet.example, O=Acme");
    const now = Date.now();
    let serial = 1000n;
    const tpl = () => ({ subject: dn, subjectPublicKeySpki: spki, serial: serial++, notBefore: new Date(now), notAfter: new Date(now + 395 * DAY), profile: "server" as const, sans: ["DNS:device.fleet.example"] });
    const rounds = kt === "rsa-2048" ? 10 : 20;
    const a = await measure(() => signer.issue(tpl()), rounds);
    const b = await measure(() => signCertificate({ ...tpl(), subject: "CN=device.fleet.example, O=Acme", issuerCertDer: c.certDer, issuerPrivateKey: c.keyPair.privateKey }), rounds);
    console.log(`issue ${kt} CA: signer.issue median ${a.median.toFixed(1)} µs (p90 ${a.p90.toFixed(1)}); signCertificate (one-shot, string subject) median ${b.median.toFixed(1)} µs (p90 ${b.p90.toFixed(1)})`);
  }
  // Reference point: @peculiar/x509's generator for the same EC certificate.
  const c = await ca("ec-p256");
  const leaf = await generateKeyPair("ec-p256");
  const now = Date.now();
  let s = 1;
  const ref = await measure(
    () =>
      x509.X509CertificateGenerator.create({
        serialNumber: (s++).toString(16).padStart(2, "0"),
        issuer: "CN=Bench ec-p256",
        subject: "CN=device.fleet.example, O=Acme",
        notBefore: new Date(now),
        notAfter: new Date(now + 395 * DAY),
        signingAlgorithm: signatureScheme("ec-p256").webCrypto,
        publicKey: leaf.publicKey,
        signingKey: c.keyPair.privateKey,
        extensions: [new x509.BasicConstraintsExtension(false, undefined, true), new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "device.fleet.example" }])],
      }),
    10,
    100,
  );
  console.log(`reference: @peculiar/x509 X509CertificateGenerator ec-p256 median ${ref.median.toFixed(1)} µs`);
}

async function crlChild(n: number) {
  const c = await ca("ec-p256");
  const signer = createIssuerSigner({ certDer: c.certDer, privateKey: c.keyPair.privateKey });
  const reasons: (RevocationReason | undefined)[] = [undefined, "keyCompromise", "superseded", "cessationOfOperation", "affiliationChanged"];
  const base = Date.now() - 100 * DAY;
  function* entries() {
    for (let i = 0; i < n; i++) yield { serial: BigInt(1000 + i * 3), revokedAt: new Date(base + i * 1000), reason: reasons[i % reasons.length] };
  }
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  const der = buildCrl({ signer, thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 7 * DAY), crlNumber: 1n, entries: entries() });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const heap1 = process.memoryUsage().heapUsed;
  const peakAfterBuild = process.resourceUsage().maxRSS / 1024; // before parsing and spawning OpenSSL
  const t1 = process.hrtime.bigint();
  const parsed = parseCrl(der);
  const parseMs = Number(process.hrtime.bigint() - t1) / 1e6;
  if (parsed.entries.length !== n) throw new Error("entry count mismatch");
  const file = path.join(os.tmpdir(), `rootline-bench-crl-${n}-${process.pid}.der`);
  fs.writeFileSync(file, der);
  const t2 = process.hrtime.bigint();
  const o = spawnSync("/usr/bin/openssl", ["crl", "-inform", "DER", "-in", file, "-noout", "-text"], { maxBuffer: 1 << 30 });
  const osslTextMs = Number(process.hrtime.bigint() - t2) / 1e6;
  const caFile = writePem(c.certDer);
  const t3 = process.hrtime.bigint();
  const v = spawnSync("/usr/bin/openssl", ["crl", "-inform", "DER", "-in", file, "-noout", "-verify", "-CAfile", caFile], { encoding: "utf8" });
  const osslVerifyMs = Number(process.hrtime.bigint() - t3) / 1e6;
  fs.rmSync(file);
  fs.rmSync(caFile);
  const ok = o.status === 0 && /verify OK/.test(v.stderr);
  console.log(
    `crl ${n} entries: build ${ms.toFixed(0)} ms, ${(der.length / 1048576).toFixed(1)} MiB DER, heap +${((heap1 - heap0) / 1048576).toFixed(0)} MiB, peak RSS ${peakAfterBuild.toFixed(0)} MiB (${(rss0 / 1048576).toFixed(0)} MiB before building); parseCrl ${parseMs.toFixed(0)} ms; openssl -text ${osslTextMs.toFixed(0)} ms, openssl -verify ${osslVerifyMs.toFixed(0)} ms (${ok ? "OK" : "FAILED"})`,
  );
}

function writePem(der: Uint8Array): string {
  const f = path.join(os.tmpdir(), `rootline-bench-ca-${process.pid}.pem`);
  fs.writeFileSync(f, `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString("base64")}\n-----END CERTIFICATE-----\n`);
  return f;
}

async function main() {
  const [cmd, arg] = process.argv.slice(2);
  if (cmd === "crl" && arg) return crlChild(Number(arg));
  if (!cmd || cmd === "issue") await benchIssue();
  if (!cmd || cmd === "crls") {
    for (const n of [10_000, 100_000]) {
      const r = spawnSync(process.execPath, [...process.execArgv, __filename, "crl", String(n)], { stdio: "inherit" });
      if (r.status !== 0) process.exitCode = 1;
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
