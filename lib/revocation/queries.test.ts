import { describe, expect, it } from "vitest";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr } from "../certificates/request";
import { createIssuer } from "../issuers/service";
import { makeCsr } from "../test/csr";
import { startRevocation } from "./prefix";
import { renewCertificate } from "./renewal";
import { certificatesBySerial, pendingRevocationAuthors, pendingRevocationCounts } from "./queries";

const op = { kind: "user", name: "op@x", role: "operator" } as const;

async function issue(issuer: string, cn: string) {
  return issueCertificate(op, issuer, await requestFromCsr({ csr: (await makeCsr(cn)).pem }));
}

describe("revocation read helpers for the dashboard", () => {
  it("map serials to their certificates and replacements, per issuer, and count pending revocations", async () => {
    await createIssuer(op, { name: "q-ca", keyType: "ec-p256", firstSerial: 1 });
    await createIssuer(op, { name: "q-other", keyType: "ec-p256", firstSerial: 1 });
    const [a, b, c] = [await issue("q-ca", "a.q"), await issue("q-ca", "b.q"), await issue("q-ca", "c.q")];
    // The same serial 1 under another issuer must not leak into q-ca's map.
    await issue("q-other", "other.q");
    expect(await pendingRevocationCounts()).toEqual(new Map());

    await startRevocation(op, { issuer: "q-ca", serial: c.serial, reason: "keyCompromise", order: "renew-first" });
    const renewed = await renewCertificate(op, { issuer: "q-ca", serial: a.serial, csr: (await makeCsr("a.q")).pem });

    const map = await certificatesBySerial("q-ca", [a.serial, b.serial, c.serial, 99n]);
    expect([...map.keys()].sort()).toEqual([1n, 2n, 3n]);
    expect(map.get(1n)).toMatchObject({ id: a.id, subject: "CN=a.q", status: "superseded", replacement: { id: renewed.replacement.id, serial: 4n } });
    expect(map.get(2n)).toMatchObject({ id: b.id, subject: "CN=b.q", status: "valid", replacement: null });
    expect(map.get(3n)).toMatchObject({ id: c.id, status: "revoked", replacement: null });
    expect((await certificatesBySerial("q-other", [1n])).get(1n)?.subject).toBe("CN=other.q");
    expect(await certificatesBySerial("q-ca", [])).toEqual(new Map());

    expect(await pendingRevocationCounts()).toEqual(new Map([["q-ca", 1]]));
    expect(await pendingRevocationAuthors("q-ca")).toEqual(new Map([[3n, "user:op@x"]]));
    await expect(certificatesBySerial("nope", [1n])).rejects.toThrow('no issuer named "nope"');
  });
});
