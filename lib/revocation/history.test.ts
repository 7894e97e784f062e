import { describe, expect, it } from "vitest";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr, requestWithGeneratedKey } from "../certificates/request";
import { createIssuer } from "../issuers/service";
import { toKeyObject } from "../pki/keys";
import { pemEncode } from "../pki/pem";
import { signWith } from "../pki/signature";
import { makeCsr } from "../test/csr";
import { completedRevocations, pendingMentions, revocationDetail } from "./history";
import { completeRevocation, excludeFromRevocation, startRevocation } from "./prefix";
import { renewCertificate, renewGeneratedKey, renewWithProof, renewWithToken } from "./renewal";
import { actorWord, methodWord, orderWord } from "./words";

const op = { kind: "user", name: "op@x", role: "operator" } as const;
const other = { kind: "user", name: "second@x", role: "operator" } as const;
const admin = { kind: "cli", name: "t", role: "administrator" } as const;
const T0 = new Date();
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

async function issue(issuer: string, cn: string) {
  const csr = await makeCsr(cn);
  const cert = await issueCertificate(op, issuer, await requestFromCsr({ csr: csr.pem }));
  return { cert, keys: csr.keys };
}

describe("revocation history: who renewed, how, who was excluded or cut off, and when", () => {
  it("records the method and the actor of every renewal path, and the excluder, and keeps them after completion", async () => {
    await createIssuer(admin, { name: "hist", keyType: "ec-p256" });
    await issue("hist", "a.example"); // 1: one-time token
    const b = await issue("hist", "b.example"); // 2: signature with its current key
    const c = await issue("hist", "c.example"); // 3: by hand, from the holder's CSR
    const d = await issueCertificate(op, "hist", await requestWithGeneratedKey({ subject: "CN=d.example", keyType: "ec-p256", profile: "server", sans: ["DNS:d.example"] })); // 4: server-generated key
    await issue("hist", "e.example"); // 5: excluded later, by another operator
    await issue("hist", "f.example"); // 6: the revoked one, its server stopped: excluded as it opens
    const r = await startRevocation(op, { issuer: "hist", serial: 6n, reason: "cessationOfOperation", order: "renew-first", now: at(0) });
    const token = (s: bigint) => r.tokens.find((t) => t.serial === s)!.token;

    await renewWithToken({ token: token(1n), csr: (await makeCsr("a.example")).pem, now: at(1) });
    const csrB = await makeCsr("b.example");
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", b.keys.privateKey));
    await renewWithProof({ issuer: "hist", certificate: pemEncode("CERTIFICATE", b.cert.der), signature: signWith(toKeyObject(pkcs8), "ec-p256", csrB.der), csr: csrB.der, now: at(2) });
    await renewCertificate(op, { issuer: "hist", serial: c.cert.serial, csr: (await makeCsr("c.example")).pem, now: at(3) });
    await renewGeneratedKey(op, { issuer: "hist", serial: d.serial, now: at(4) });
    const done = await excludeFromRevocation(other, { issuer: "hist", serial: 5n, now: at(5) });
    expect(done.completed).toEqual([r.id]); // the last one awaited: the revocation completed

    const detail = await revocationDetail(r.id);
    expect(detail).toMatchObject({ issuer: "hist", serial: 6n, status: "completed", order: "renew-first", createdBy: "user:op@x", completedBy: "user:second@x", forced: false });
    expect(detail.holders.map((h) => [h.serial, h.fate, h.method, h.by, h.at?.getTime(), h.excludedAtOpening])).toEqual([
      [1n, "renewed", "token", "device:hist#1", at(1).getTime(), false],
      [2n, "renewed", "proof-of-possession", "device:hist#2", at(2).getTime(), false],
      [3n, "renewed", "operator", "user:op@x", at(3).getTime(), false],
      [4n, "renewed", "generated-key", "user:op@x", at(4).getTime(), false],
      [5n, "excluded", null, "user:second@x", at(5).getTime(), false],
      [6n, "excluded", null, "user:op@x", at(0).getTime(), true],
    ]);
    expect(detail.holders.slice(0, 4).map((h) => h.replacement?.serial)).toEqual([7n, 8n, 9n, 10n]);
    expect(detail.holders.map((h) => methodWord(h.method))).toEqual(["one-time token", "signed with its current key", "by hand (operator)", "new server-generated key", null, null]);
    expect(actorWord("device:hist#1")).toBe("the holder (hist#1)");

    const page = await completedRevocations("hist");
    expect(page).toMatchObject({ total: 1, page: 1, pages: 1 });
    expect(page.rows[0]).toMatchObject({ id: r.id, serial: 6n, counts: { renewed: 4, excluded: 2, closed: 0, pending: 0 } });
  });

  it("shows holders cut off by a forced completion, with who forced it, and pages newest first", async () => {
    await createIssuer(admin, { name: "cut", keyType: "ec-p256" });
    for (const cn of ["a", "b", "c", "d"]) await issue("cut", `${cn}.example`);
    const first = await startRevocation(op, { issuer: "cut", serial: 2n, reason: "superseded", order: "raise-first", now: at(0) });
    await completeRevocation(other, { issuer: "cut", serial: 2n, force: true, now: at(10) });
    const second = await startRevocation(op, { issuer: "cut", serial: 3n, reason: "keyCompromise", order: "renew-first", now: at(20) });
    await completeRevocation(op, { issuer: "cut", serial: 3n, force: true, now: at(30) });

    const d = await revocationDetail(first.id);
    expect(d).toMatchObject({ forced: true, completedBy: "user:second@x", completedAt: at(10) });
    expect(d.holders.map((h) => [h.serial, h.fate, h.by, h.at?.getTime()])).toEqual([[1n, "closed", "user:second@x", at(10).getTime()], [2n, "closed", "user:second@x", at(10).getTime()]]);

    const p1 = await completedRevocations("cut", 1, 1);
    expect(p1).toMatchObject({ total: 2, pages: 2, page: 1 });
    expect(p1.rows.map((r) => r.id)).toEqual([second.id]);
    expect((await completedRevocations("cut", 2, 1)).rows.map((r) => r.id)).toEqual([first.id]);
    expect((await completedRevocations("cut", 99, 1)).page).toBe(2); // past the end: the last page
  });

  it("lists the pending revocations a second one joins", async () => {
    await createIssuer(admin, { name: "two", keyType: "ec-p256" });
    for (const cn of ["a", "b", "c"]) await issue("two", `${cn}.example`);
    const first = await startRevocation(op, { issuer: "two", serial: 1n, reason: "keyCompromise", order: "renew-first", now: at(0) });
    expect(await pendingMentions("two", first.id)).toEqual([]);
    const second = await startRevocation(other, { issuer: "two", serial: 3n, reason: "superseded", order: "renew-first", now: at(1) });
    expect(await pendingMentions("two", second.id)).toMatchObject([{ id: first.id, serial: 1n, order: "renew-first", createdBy: "user:op@x", awaiting: 1 }]);
    expect((await pendingMentions("two")).map((m) => m.serial)).toEqual([1n, 3n]);
  });

  it("words a generation move as the move it is", () => {
    expect(orderWord("generation", { name: "lin-3", generation: 3 })).toBe("moved to generation 3 (lin-3)");
    expect(orderWord("raise-first")).toBe("raise first");
    expect(methodWord("acme")).toBe("ACME");
    expect(methodWord("est")).toBe("EST");
  });
});
