/**
 * Signing operations/s with a CA key in a SoftHSM2 token (lib/keys/pkcs11.ts, through
 * node-webcrypto-p11) against the same key type in software (lib/keys/software.ts), in
 * the same run: the raw signature, and a whole certificate (createIssuerSigner.issueAsync,
 * what issuance does per certificate). Medians over rounds. Issue 14.
 */
import fs from "node:fs";
import { fmt, heading, median, nowMs, table } from "./lib";
import { initTestToken, softhsmMissing } from "../lib/test/softhsm";

const ROUNDS = 5;
const ROUND_MS = 400;

async function rate(op: () => Promise<unknown>): Promise<number> {
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const t0 = nowMs();
    while (nowMs() - t0 < ROUND_MS) {
      await op();
      n++;
    }
    rates.push((n * 1000) / (nowMs() - t0));
  }
  return median(rates);
}

export async function run(): Promise<void> {
  heading("hsm — signing ops/s: SoftHSM2 token key vs software key (bench/hsm.ts, issue 14)");
  const missing = softhsmMissing();
  if (missing) {
    console.log(missing);
    return;
  }
  const token = initTestToken("rootline-bench", "123456");
  token.use();
  try {
    const { pkcs11Keys, closeToken } = await import("../lib/keys/pkcs11");
    const { softwareKeys } = await import("../lib/keys/software");
    const { createCaCertificate, createIssuerSigner } = await import("../lib/pki/issue");
    const { generateKeyPair, exportSpki } = await import("../lib/pki/keys");
    const leafSpki = await exportSpki((await generateKeyPair("ec-p256")).publicKey);
    const data = Buffer.alloc(300, 7); // about a TBSCertificate
    const rows: (string | number)[][] = [];
    for (const keyType of ["ec-p256", "rsa-2048"] as const) {
      const results: Record<string, { sign: number; cert: number }> = {};
      for (const store of [softwareKeys, pkcs11Keys]) {
        const g = await store.generate(keyType, `bench-${keyType}`);
        const now = Date.now();
        const certDer = await createCaCertificate({ subject: `CN=Bench ${store.storage} ${keyType}`, externalKey: { sign: (d) => g.key.sign(d), spki: g.spki, keyType }, notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 3650 * 86_400_000), serial: 1n });
        // The issuer's signer as the server builds it: from the stored key (sealed PKCS#8, or keyRef into the token).
        const signer = createIssuerSigner({ certDer, externalKey: g.key });
        let serial = 1n;
        const tpl = () => ({ subject: "CN=device.fleet.example", subjectPublicKeySpki: leafSpki, serial: ++serial, notBefore: new Date(now), notAfter: new Date(now + 30 * 86_400_000), profile: "server" as const, sans: ["DNS:device.fleet.example"] });
        await signer.issueAsync(tpl()); // warm-up (a token key's first use looks it up)
        results[store.storage] = { sign: await rate(() => g.key.sign(data)), cert: await rate(() => signer.issueAsync(tpl())) };
      }
      const { software: s, pkcs11: h } = results;
      rows.push([keyType, "signature", fmt(s.sign), fmt(h.sign), `${fmt(h.sign / s.sign, 2)}×`]);
      rows.push([keyType, "certificate", fmt(s.cert), fmt(h.cert), `${fmt(h.cert / s.cert, 2)}×`]);
    }
    table(`ops/s, median of ${ROUNDS} rounds of ${ROUND_MS} ms, one caller (a token session signs one operation at a time)`, ["key", "operation", "software", "SoftHSM2", "token/software"], rows);
    closeToken();
  } finally {
    fs.rmSync(token.dir, { recursive: true, force: true });
  }
}
