import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr } from "../certificates/request";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { parseCrl } from "../pki/crl";
import { makeCsr } from "../test/csr";
import { currentCrl, rebuildCrl } from "./crlStore";
import { startRevocation } from "./prefix";

const op = { kind: "user", name: "op@x", role: "operator" } as const;
const crlNumber = async (name: string) => (await db().issuer.findUniqueOrThrow({ where: { name }, select: { crlNumber: true } })).crlNumber;
async function publishes(name: string) {
  const { id } = await db().issuer.findUniqueOrThrow({ where: { name }, select: { id: true } });
  return db().auditEvent.count({ where: { action: "crl.publish", targetId: id } });
}

async function staleIssuer(name: string) {
  await createIssuer({ kind: "cli", name: "t", role: "administrator" }, { name, keyType: "ec-p256" });
  await issueCertificate(op, name, await requestFromCsr({ csr: (await makeCsr(`${name}.example`)).pem }));
  await currentCrl(name); // the first CRL
  await startRevocation(op, { issuer: name, serial: 1n, reason: "keyCompromise", order: "raise-first" }); // stale now
  expect((await db().issuer.findUniqueOrThrow({ where: { name } })).crlStale).toBe(true);
}

describe("a stale CRL is rebuilt once, however many ask", () => {
  it("20 concurrent GETs of a stale CRL advance the CRL number by exactly 1 and publish once", async () => {
    await staleIssuer("burst");
    const before = await crlNumber("burst");
    const published = await publishes("burst");
    const crls = await Promise.all(Array.from({ length: 20 }, () => currentCrl("burst")));
    expect(new Set(crls.map((c) => c.crlNumber))).toEqual(new Set([before + 1n]));
    expect(await crlNumber("burst")).toBe(before + 1n);
    expect(await publishes("burst")).toBe(published + 1);
    expect(parseCrl(crls[0].der).entries.map((e) => [e.serial, e.reason])).toEqual([[1n, "keyCompromise"]]);
  });

  it("re-checks staleness under the write lock: a request that read a stale CRL before another rebuilt it burns no number", async () => {
    await staleIssuer("recheck");
    const { id } = await db().issuer.findUniqueOrThrow({ where: { name: "recheck" } });
    const first = await rebuildCrl(id, new Date(), false);
    const late = await rebuildCrl(id, new Date(), false); // what a second process would do after reading "stale"
    expect(late.crlNumber).toBe(first.crlNumber);
    expect(Buffer.from(late.der).equals(Buffer.from(first.der))).toBe(true);
    // An explicit rebuild still signs a new one.
    expect((await rebuildCrl(id)).crlNumber).toBe(first.crlNumber + 1n);
  });

  it("two processes asking at once for a stale CRL advance the number by exactly 1", async () => {
    await staleIssuer("procs");
    const before = await crlNumber("procs");
    const script = `const { currentCrl } = require("./lib/revocation/crlStore");
      Promise.all(Array.from({ length: 5 }, () => currentCrl("procs"))).then((crls) => {
        console.log(crls.map((c) => c.crlNumber).join(","));
        process.exit(0);
      });`;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const p = spawn("npx", ["tsx", "-e", script], { env: process.env });
        let out = "";
        let err = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (err += d));
        p.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
      });
    const outs = await Promise.all([run(), run()]);
    expect(new Set(outs.flatMap((o) => o.trim().split(",")))).toEqual(new Set([String(before + 1n)]));
    expect(await crlNumber("procs")).toBe(before + 1n);
  }, 120_000);
});
