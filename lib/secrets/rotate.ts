import { appendAudit } from "../audit";
import { type Actor } from "../auth/actor";
import { remacAnchors } from "../audit/anchor";
import { db, type Tx } from "../db";
import { ConflictError } from "../errors";
import { otherKeyHolders } from "./holders";
import { sealCertificateKey, sealDistributionKey, sealEabKey, sealIssuerKey, sealRunKey, unsealCertificateKey, unsealDistributionKey, unsealEabKey, unsealIssuerKey, unsealRunKey } from "./keys";
import { masterKeys } from "./masterKey";
import { isCurrentSeal } from "./seal";


/**
 * Re-seals every private key under the current master key (and in the current,
 * row-bound format), and re-MACs the audit anchor and checkpoints, in one transaction:
 * everything moves to the new key or nothing does. Blobs already current are left
 * alone, so an interrupted rotation can simply be run again.
 *
 * Refused while another process holds the master key (./holders.ts): it would go on
 * with the old one. Should one start anyway, its first write fails, because the audit
 * anchor is then MACed with a key it does not have (lib/audit/anchor.ts).
 */
export async function rotateMasterKey(actor: Actor): Promise<{ issuers: number; certificates: number; rootKeys: number; checkpoints: number }> {
  const others = otherKeyHolders();
  if (others.length) {
    const list = others.map((p) => `pid ${p.pid}${p.argv.length ? ` (${p.argv.join(" ")})` : ""}`).join(", ");
    throw new ConflictError("master-key", `other Rootline processes are running with the master key loaded: ${list}. Stop them, rotate, then start them with the new key`);
  }
  const current = masterKeys().current;
  return db().$transaction(async (tx) => {
    let issuers = 0;
    let certificates = 0;
    // Issuers whose key is in a PKCS#11 token (lib/keys) have nothing sealed: the token keeps their key.
    for (const i of await tx.issuer.findMany({ where: { keyStorage: "software" }, select: { id: true, name: true, sealedKey: true } })) {
      if (isCurrentSeal(i.sealedKey)) continue;
      await tx.issuer.update({ where: { id: i.id }, data: { sealedKey: sealIssuerKey(unsealIssuerKey(i), i) } });
      issuers++;
    }
    const certs = await tx.certificate.findMany({ where: { sealedKey: { not: null } }, select: { id: true, issuerId: true, serial: true, sealedKey: true } });
    for (const c of certs) {
      if (!c.sealedKey || isCurrentSeal(c.sealedKey)) continue;
      await tx.certificate.update({ where: { id: c.id }, data: { sealedKey: sealCertificateKey(unsealCertificateKey({ ...c, sealedKey: c.sealedKey }), c) } });
      certificates++;
    }
    const rootKeys = await resealRootKeys(tx);
    const { checkpoints } = await remacAnchors(tx);
    await appendAudit(tx, actor, { action: "master-key.rotate", targetType: "master-key", targetId: current.id.toString("hex"), after: { issuers, certificates, rootKeys, checkpoints } });
    return { issuers, certificates, rootKeys, checkpoints };
  });
}

/**
 * Root keys outside the Issuer rows: a rotation run's new root key (bound to the run until it
 * finishes) and the issuers' retired roots (still bound to their issuer's name). Left behind, an
 * unfinished run could not finish and a retired key would not open once the old master key is gone.
 */
async function resealRootKeys(tx: Tx): Promise<number> {
  let n = 0;
  for (const r of await tx.rotationRun.findMany({ select: { id: true, newKeySealed: true } })) {
    if (r.newKeySealed.length === 0 || isCurrentSeal(r.newKeySealed)) continue; // empty: the new root key is in the token
    await tx.rotationRun.update({ where: { id: r.id }, data: { newKeySealed: sealRunKey(unsealRunKey(r), r) } });
    n++;
  }
  const names = new Map((await tx.issuer.findMany({ select: { id: true, name: true } })).map((i) => [i.id, i.name]));
  for (const r of await tx.retiredRoot.findMany({ select: { id: true, issuerId: true, sealedKey: true } })) {
    const name = names.get(r.issuerId);
    if (name === undefined || r.sealedKey.length === 0 || isCurrentSeal(r.sealedKey)) continue; // empty: a root key in the token
    await tx.retiredRoot.update({ where: { id: r.id }, data: { sealedKey: sealIssuerKey(unsealIssuerKey({ name, sealedKey: r.sealedKey }), { name }) } });
    n++;
  }
  // Lineages' distribution keys (lib/generations): counted with the root keys.
  for (const l of await tx.lineage.findMany({ select: { id: true, name: true, sealedDistributionKey: true } })) {
    if (l.sealedDistributionKey.length === 0 || isCurrentSeal(l.sealedDistributionKey)) continue; // empty: a distribution key in the token
    await tx.lineage.update({ where: { id: l.id }, data: { sealedDistributionKey: sealDistributionKey(unsealDistributionKey(l), l) } });
    n++;
  }
  // ACME EAB HMAC keys (lib/acme/eab.ts): an unused one must still open after the old master key is gone.
  for (const k of await tx.acmeEabKey.findMany({ where: { revokedAt: null }, select: { id: true, sealedKey: true } })) {
    if (isCurrentSeal(k.sealedKey)) continue;
    await tx.acmeEabKey.update({ where: { id: k.id }, data: { sealedKey: sealEabKey(unsealEabKey(k), k) } });
    n++;
  }
  return n;
}
