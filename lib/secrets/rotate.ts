import { appendAudit, type Actor } from "../audit";
import { db } from "../db";
import { masterKeys } from "./masterKey";
import { seal, sealedKeyId, unseal } from "./seal";

export const PURPOSE = {
  issuerKey: "rootline:issuer-private-key",
  certificateKey: "rootline:certificate-private-key",
} as const;

/**
 * Re-seals every private key under the current master key, in one transaction:
 * either every blob moves to the new key or none does. Blobs already under the
 * current key are left alone, so an interrupted rotation can simply be run again.
 */
export async function rotateMasterKey(actor: Actor): Promise<{ issuers: number; certificates: number }> {
  const current = masterKeys().current;
  return db().$transaction(async (tx) => {
    let issuers = 0;
    let certificates = 0;
    for (const i of await tx.issuer.findMany({ select: { id: true, sealedKey: true } })) {
      if (sealedKeyId(i.sealedKey).equals(current.id)) continue;
      await tx.issuer.update({ where: { id: i.id }, data: { sealedKey: seal(unseal(i.sealedKey, PURPOSE.issuerKey), PURPOSE.issuerKey) } });
      issuers++;
    }
    const certs = await tx.certificate.findMany({ where: { sealedKey: { not: null } }, select: { id: true, sealedKey: true } });
    for (const c of certs) {
      if (!c.sealedKey || sealedKeyId(c.sealedKey).equals(current.id)) continue;
      await tx.certificate.update({ where: { id: c.id }, data: { sealedKey: seal(unseal(c.sealedKey, PURPOSE.certificateKey), PURPOSE.certificateKey) } });
      certificates++;
    }
    await appendAudit(tx, actor, { action: "master-key.rotate", targetType: "master-key", targetId: current.id.toString("hex"), after: { issuers, certificates } });
    return { issuers, certificates };
  });
}
