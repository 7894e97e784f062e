import { db } from "../db";
import { InputError, NotFoundError } from "../errors";
import { pemEncode } from "../pki/pem";
import { buildPkcs12 } from "../pki/pkcs12";
import { unsealCertificateKey } from "../secrets/keys";
import { keyPurgedAt } from "../secrets/purge";
import { requirePermission } from "../auth/roles";
import { appendAudit } from "../audit";
import { type Actor } from "../auth/actor";
import { caChain } from "../issuers/intermediate";

export const FORMATS = ["pem", "der", "chain", "p12", "key"] as const;
export type ExportFormat = (typeof FORMATS)[number];

export interface ExportedFile {
  filename: string;
  contentType: string;
  body: Uint8Array;
}

function baseName(cn: string, serial: bigint): string {
  return `${(cn || "certificate").replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60)}-${serial}`;
}

/**
 * Downloads. Certificates are public; a server-generated private key (PKCS#12 or PEM)
 * leaves only to someone allowed to issue, and a PKCS#12 needs a password of at least
 * 8 characters (it is only as strong as that password).
 */
export async function exportCertificate(actor: Actor, id: string, format: string, password?: string): Promise<ExportedFile> {
  requirePermission(actor.role, "read");
  if (!(FORMATS as readonly string[]).includes(format)) throw new InputError("format", `format must be one of ${FORMATS.join(", ")}`);
  const c = await db().certificate.findUnique({ where: { id } });
  if (!c) throw new NotFoundError("id", "no such certificate");
  // The issuing CA and every CA above it (an intermediate's parents up to the root).
  const chain = () => caChain(c.issuerId);
  const name = baseName(c.commonName, c.serial);
  switch (format as ExportFormat) {
    case "pem":
      return { filename: `${name}.pem`, contentType: "application/x-pem-file", body: Buffer.from(pemEncode("CERTIFICATE", c.der)) };
    case "der":
      return { filename: `${name}.cer`, contentType: "application/pkix-cert", body: c.der };
    case "chain":
      return { filename: `${name}-chain.pem`, contentType: "application/x-pem-file", body: Buffer.from(chainPem(c.der, await chain())) };
    case "key":
    case "p12": {
      requirePermission(actor.role, "certificates:write");
      if (!c.sealedKey) {
        const purgedAt = await keyPurgedAt(db(), c.id);
        if (purgedAt) throw new InputError("format", `Rootline deleted this certificate's generated key on ${purgedAt.toISOString().slice(0, 10)} (holder keys are kept until the certificate is superseded, revoked or renewed, at most ROOTLINE_HOLDER_KEY_RETENTION_DAYS)`);
        throw new InputError("format", "this certificate was issued from a CSR: Rootline never had its private key");
      }
      if (format === "p12" && (!password || password.length < 8)) throw new InputError("password", "choose a password of at least 8 characters to protect the PKCS#12 file");
      const pkcs8 = unsealCertificateKey({ ...c, sealedKey: c.sealedKey });
      // A private key leaving the server is worth a line in the audit log, though nothing changed.
      await db().$transaction((tx) => appendAudit(tx, actor, { action: "certificate.key-export", targetType: "certificate", targetId: c.id, after: { format } }));
      if (format === "key") return { filename: `${name}.key.pem`, contentType: "application/x-pem-file", body: Buffer.from(pemEncode("PRIVATE KEY", pkcs8)) };
      const body = buildPkcs12({ certDer: c.der, chainDers: await chain(), privateKeyPkcs8: pkcs8, password: password as string, friendlyName: c.commonName || name });
      return { filename: `${name}.p12`, contentType: "application/x-pkcs12", body };
    }
  }
}

/** The leaf, then each CA above it, as concatenated PEM (what `rootline cert chain` prints). */
export function chainPem(leafDer: Uint8Array, cas: readonly Uint8Array[]): string {
  return [leafDer, ...cas].map((d) => pemEncode("CERTIFICATE", d)).join("");
}

/** The chain of the certificate `serial` of `issuerName`: the leaf and every CA above it, in PEM. */
export async function certificateChainPem(actor: Actor, issuerName: string, serial: bigint): Promise<string> {
  requirePermission(actor.role, "read");
  const c = await db().certificate.findFirst({ where: { serial, issuer: { name: issuerName } }, select: { der: true, issuerId: true } });
  if (!c) {
    if (!(await db().issuer.findUnique({ where: { name: issuerName }, select: { id: true } }))) throw new NotFoundError("issuer", `no issuer named "${issuerName}"`);
    throw new NotFoundError("serial", `issuer "${issuerName}" has no certificate with serial ${serial}`);
  }
  return chainPem(c.der, await caChain(c.issuerId));
}
