import { db } from "../db";
import { awaitingRenewals } from "./affected";
import { loadIssuer } from "./prefix";

/** The revocation state of an issuer: `rootline revocation status` prints exactly this. */
export async function revocationStatus(issuerName: string) {
  const tx = db();
  const issuer = await loadIssuer(tx, issuerName);
  const pending = await tx.revocation.findMany({ where: { issuerId: issuer.id, status: "pending" }, orderBy: { serial: "asc" } });
  const withAwaiting = [];
  for (const r of pending) {
    const requests = await tx.renewalRequest.findMany({ where: { revocationId: r.id }, orderBy: { serial: "asc" }, include: { revocation: false } });
    withAwaiting.push({
      serial: r.serial,
      reason: r.reason,
      order: r.order,
      createdAt: r.createdAt,
      deadline: r.deadline,
      awaiting: (await awaitingRenewals(tx, issuer.id, r.serial)).map((a) => a.serial),
      renewed: requests.filter((q) => q.status === "renewed").map((q) => q.serial),
      excluded: requests.filter((q) => q.status === "excluded").map((q) => q.serial),
    });
  }
  return { issuer: issuer.name, revocationNumber: issuer.revocationNumber, nextSerial: issuer.nextSerial, pending: withAwaiting };
}

export async function revocationHistory(issuerName: string, take = 50) {
  const issuer = await loadIssuer(db(), issuerName);
  return db().revocationNumberChange.findMany({ where: { issuerId: issuer.id }, orderBy: { id: "desc" }, take });
}
