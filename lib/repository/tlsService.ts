import { SYSTEM, type Actor } from "../auth/actor";
import { issueCertificate } from "../certificates/issue";
import { requestWithGeneratedKey } from "../certificates/request";
import { issuerByName } from "../store/state";
import { db } from "../db";
import { parseCertificateDer } from "../pki/certificate";
import { renewGeneratedKey } from "../revocation/renewal";
import { startTlsRepository, type TlsRepository } from "../revocation/tlsRepository";
import { unsealCertificateKey } from "../secrets/keys";

export const REPOSITORY_SUBJECT = "CN=rootline-repository";
const RENEW_BEFORE_MS = 30 * 86_400_000;
const actor: Actor = { ...SYSTEM, name: "tls-repository" };

export interface RepositoryCredential {
  serial: bigint;
  certDer: Uint8Array;
  keyPkcs8: Uint8Array;
}

/**
 * The TLS repository's own server certificate (SPEC 2.2, second form): issued by the
 * same CA like any server certificate, so it is subject to the RN too. Kept current
 * here: renewed when a prefix revocation asks for it, when it fell below the RN, or a
 * month before it expires. Its key is generated and sealed by Rootline.
 */
export async function ensureRepositoryCredential(issuerName: string, hosts: string[], now = new Date()): Promise<RepositoryCredential> {
  const issuer = await issuerByName(db(), issuerName, { id: true, revocationNumber: true });
  const current = await db().certificate.findFirst({
    where: { issuerId: issuer.id, profile: "repository", status: "valid", sealedKey: { not: null } },
    orderBy: { serial: "desc" },
    select: { id: true, serial: true, der: true, sealedKey: true, notAfter: true },
  });
  const pending = current && (await db().renewalRequest.count({ where: { certificateId: current.id, status: "pending" } })) > 0;
  let id = current?.id;
  if (current && pending) {
    id = (await renewGeneratedKey(actor, { issuer: issuerName, serial: current.serial, now })).replacement.id;
  } else if (!current || current.serial < issuer.revocationNumber || current.notAfter.getTime() - now.getTime() < RENEW_BEFORE_MS || !hasRepositoryMarker(current.der)) {
    const req = await requestWithGeneratedKey({ subject: REPOSITORY_SUBJECT, keyType: "ec-p256", profile: "repository", sans: hosts }, { internal: true });
    id = (await issueCertificate(actor, issuerName, req, { now })).id;
  }
  const c = await db().certificate.findUniqueOrThrow({ where: { id }, select: { issuerId: true, serial: true, der: true, sealedKey: true } });
  return { serial: c.serial, certDer: c.der, keyPkcs8: unsealCertificateKey({ ...c, sealedKey: c.sealedKey! }) };
}

/** Certificates issued before devices required the repository EKU lack it: replace them. */
function hasRepositoryMarker(der: Uint8Array): boolean {
  const eku = parseCertificateDer(der).extensions.find((e) => e.name === "extKeyUsage");
  return !!eku && eku.name === "extKeyUsage" && eku.usages.includes("rootlineRepository");
}

/**
 * Starts the bare-RN TLS listener for one issuer and re-checks its certificate every
 * `refreshMs`, swapping it in place when it was renewed.
 */
export async function serveTlsRepository(o: { issuer: string; port: number; host?: string; hosts?: string[]; refreshMs?: number }): Promise<TlsRepository & { stop(): Promise<void> }> {
  const hosts = o.hosts?.length ? o.hosts : ["DNS:localhost", "IP:127.0.0.1"];
  let cred = await ensureRepositoryCredential(o.issuer, hosts);
  const repo = await startTlsRepository({
    port: o.port,
    host: o.host ?? "127.0.0.1",
    certDer: cred.certDer,
    keyPkcs8: cred.keyPkcs8,
    getRevocationNumber: async (name) => (await db().issuer.findUnique({ where: { name }, select: { revocationNumber: true } }))?.revocationNumber ?? null,
  });
  const timer = setInterval(() => {
    ensureRepositoryCredential(o.issuer, hosts)
      .then((next) => {
        if (next.serial !== cred.serial) {
          cred = next;
          repo.setCertificate(next.certDer, next.keyPkcs8);
        }
      })
      .catch((err) => console.error("rootline: TLS repository certificate refresh failed:", err));
  }, o.refreshMs ?? 60_000);
  timer.unref();
  return Object.assign(repo, {
    async stop() {
      clearInterval(timer);
      await repo.close();
    },
  });
}
