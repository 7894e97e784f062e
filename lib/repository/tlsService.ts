import { SYSTEM, type Actor } from "../auth/actor";
import { db } from "../db";
import { parseCertificateDer } from "../pki/certificate";
import { ensureOwnCredential, refreshOwnCredential, type OwnCertificateSpec, type OwnCredential } from "../revocation/ownCredential";
import { startTlsRepository, type TlsRepository } from "../revocation/tlsRepository";

export const REPOSITORY_SUBJECT = "CN=rootline-repository";
const actor: Actor = { ...SYSTEM, name: "tls-repository" };

export type RepositoryCredential = OwnCredential;

/**
 * The TLS repository's own server certificate (SPEC 2.2, second form): issued by the
 * same CA like any server certificate, so it is subject to the RN too. Kept current by
 * lib/revocation/ownCredential.ts (renewal requests, RN, expiry), with the repository
 * profile's marker that devices require.
 */
function repositorySpec(issuer: string, hosts: string[]): OwnCertificateSpec {
  return { issuer, actor, subject: REPOSITORY_SUBJECT, profile: "repository", sans: hosts, fits: hasRepositoryMarker };
}

export async function ensureRepositoryCredential(issuerName: string, hosts: string[], now = new Date()): Promise<RepositoryCredential> {
  return ensureOwnCredential(repositorySpec(issuerName, hosts), now);
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
  const cred = await ensureRepositoryCredential(o.issuer, hosts);
  const repo = await startTlsRepository({
    port: o.port,
    host: o.host ?? "127.0.0.1",
    certDer: cred.certDer,
    keyPkcs8: cred.keyPkcs8,
    getRevocationNumber: async (name) => (await db().issuer.findUnique({ where: { name }, select: { revocationNumber: true } }))?.revocationNumber ?? null,
  });
  const stopRefresh = refreshOwnCredential(repositorySpec(o.issuer, hosts), cred, (next) => repo.setCertificate(next.certDer, next.keyPkcs8), o.refreshMs ?? 60_000, "TLS repository");
  return Object.assign(repo, {
    async stop() {
      stopRefresh();
      await repo.close();
    },
  });
}
