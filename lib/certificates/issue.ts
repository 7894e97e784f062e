import { appendAudit, type Actor } from "../audit";
import { requirePermission } from "../auth/roles";
import { db, type Tx } from "../db";
import { InputError, NotFoundError } from "../pki/errors";
import { sha256Hex } from "../pki/fingerprint";
import { formatSans } from "../pki/san";
import { PURPOSE } from "../secrets/rotate";
import { seal } from "../secrets/seal";
import { validityWindow } from "../issuers/validity";
import { signerFor } from "./signers";
import type { SignRequest } from "./request";

export interface IssueOptions {
  /** The certificate this one replaces (renewal after a prefix revocation). */
  replacesId?: string;
  /** Clock injection for tests (the expiry sweep). */
  now?: Date;
  /** Run inside the caller's transaction (renewal marks its request in the same one). */
  tx?: Tx;
}

export type IssuedCertificate = Awaited<ReturnType<typeof insertSigned>>;

async function insertSigned(tx: Tx, actor: Actor, issuerName: string, req: SignRequest, opts: IssueOptions) {
  const now = opts.now ?? new Date();
  // The transaction holds SQLite's write lock (lib/sqlite.ts), so concurrent issuers,
  // in this process or another, queue here and serials stay monotonic and unique.
  const issuer = await tx.issuer.findUnique({ where: { name: issuerName } });
  if (!issuer) throw new NotFoundError("issuer", `no issuer named "${issuerName}"`);
  if (issuer.notAfter.getTime() <= now.getTime()) throw new InputError("issuer", `the CA "${issuerName}" expired on ${issuer.notAfter.toISOString().slice(0, 10)}`);
  const serial = issuer.nextSerial;
  await tx.issuer.update({ where: { id: issuer.id }, data: { nextSerial: serial + 1n } });
  const win = validityWindow(now, issuer.certValidityDays);
  // A certificate never outlives its CA.
  const notAfter = win.notAfter > issuer.notAfter ? issuer.notAfter : win.notAfter;
  const der = signerFor(issuer).issue({
    subject: { der: Buffer.from(req.subjectDer), text: req.subject, fields: {} },
    subjectPublicKeySpki: req.spki,
    serial,
    notBefore: win.notBefore,
    notAfter,
    profile: req.profile,
    sans: req.sans,
  });
  const row = await tx.certificate.create({
    data: {
      issuerId: issuer.id,
      serial,
      subject: req.subject,
      commonName: req.commonName,
      sans: formatSans(req.sans),
      profile: req.profile.name,
      keyType: req.keyType,
      notBefore: win.notBefore,
      notAfter,
      der: Buffer.from(der),
      fingerprintSha256: sha256Hex(der),
      spkiSha256: req.spkiSha256,
      sealedKey: req.generatedKey ? seal(req.generatedKey, PURPOSE.certificateKey) : null,
      replacesId: opts.replacesId ?? null,
    },
    omit: { sealedKey: true },
  });
  await appendAudit(tx, actor, {
    action: opts.replacesId ? "certificate.renew" : "certificate.issue",
    targetType: "certificate",
    targetId: row.id,
    after: { issuer: issuerName, serial, subject: row.subject, sans: row.sans, profile: row.profile, notAfter: row.notAfter, generatedKey: !!req.generatedKey, replaces: opts.replacesId },
  });
  return { ...row, issuerName, hasKey: !!req.generatedKey };
}

/**
 * The last step of the pipeline: allocate the serial, sign, store and audit in one
 * transaction. A failure anywhere leaves no row, no audit entry and no consumed serial.
 */
export async function issueCertificate(actor: Actor, issuerName: string, req: SignRequest, opts: IssueOptions = {}) {
  requirePermission(actor.role, "certificates:write");
  if (opts.tx) return insertSigned(opts.tx, actor, issuerName, req, opts);
  return db().$transaction((tx) => insertSigned(tx, actor, issuerName, req, opts));
}

