import { appendAudit } from "../audit";
import { type Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import { db, type Tx } from "../db";
import { issuerByName } from "../store/state";
import { parseCertificate, parseCertificateDer, privateKeyMatchesCertificate } from "../pki/certificate";
import { buildDn, parseDnString, type Dn } from "../pki/dn";
import { ConflictError, InputError } from "../errors";
import { importPrivateKey, parseKeyType, spkiSha256Hex, type KeyType } from "../pki/keys";
import { keyStore, parseKeyStorage, type KeyStorage } from "../keys";
import { destroyTokenKey } from "../keys/pkcs11";
import { sealIssuerKey } from "../secrets/keys";
import { checkAll, checkAllAsync, withoutEmpty } from "../validation";
import { IssuerSettings, parseOrThrow } from "./input";
import { certValidityWithinCa, validityWindow } from "./validity";
import { makeCaCertificate, parseCaOptions, type CaOptions } from "./intermediate";
import type { DnFields } from "../pki/dn";
import crypto from "node:crypto";

/** With `parent`, an intermediate CA signed by that issuer (lib/issuers/intermediate.ts). */
export interface NewIssuer extends CaOptions {
  name: string;
  subject?: DnFields | string;
  keyType: string;
  /** Where the CA key is generated and kept: "software" (default, sealed) or "pkcs11" (the configured token). */
  keyStorage?: string;
  validityDays?: number | string;
  certValidityDays?: number | string;
  firstSerial?: string | number | bigint;
}

export interface ImportIssuer {
  name: string;
  certificate: Uint8Array | string;
  privateKey: Uint8Array | string;
  certValidityDays?: number | string;
  /**
   * Required: above every serial this CA signed before Rootline. Rootline cannot know
   * them, and a serial issued twice under one name and key makes two certificates one
   * to every CRL entry and revocation number.
   */
  firstSerial?: string | number | bigint;
  /** The subject is already an issuer's, with another key, and this is its next generation. */
  rollover?: boolean;
}

export type IssuerRow = Awaited<ReturnType<typeof getIssuerByName>>;

/** The new issuer's key as stored: sealed PKCS#8, or a reference into the token. */
interface StoredKey {
  storage: KeyStorage;
  pkcs8: Uint8Array | null;
  keyRef: string | null;
}

/** A random positive 63-bit serial for the CA's own certificate (outside the issued range's meaning). */
function caSerial(): bigint {
  return BigInt("0x" + crypto.randomBytes(8).toString("hex")) >> 1n || 1n;
}

async function insertIssuer(
  actor: Actor,
  action: "issuer.create" | "issuer.import",
  data: { name: string; subject: string; keyType: KeyType; certificateDer: Uint8Array; key: StoredKey; notBefore: Date; notAfter: Date; certValidityDays: number; firstSerial: bigint; imported: boolean; rollover?: boolean; parentId?: string | null; publicUrl?: string | null; hierarchy?: Record<string, unknown> },
  within?: IssuerCreateOptions["within"],
) {
  return db().$transaction(async (tx) => {
    if (await tx.issuer.findUnique({ where: { name: data.name }, select: { id: true } })) {
      throw new ConflictError("name", `an issuer named "${data.name}" already exists`);
    }
    // Inside the transaction (it holds the write lock), so two imports of one CA cannot both pass.
    await refuseKnownCa(tx, data.certificateDer, data.imported && !data.rollover);
    const issuer = await tx.issuer.create({
      data: {
        name: data.name,
        subject: data.subject,
        keyType: data.keyType,
        certificateDer: Buffer.from(data.certificateDer),
        // A token key (lib/keys) leaves nothing to seal: sealedKey stays empty, keyRef says where it is.
        sealedKey: data.key.pkcs8 ? sealIssuerKey(data.key.pkcs8, { name: data.name }) : new Uint8Array(0),
        keyStorage: data.key.storage,
        keyRef: data.key.keyRef,
        notBefore: data.notBefore,
        notAfter: data.notAfter,
        certValidityDays: data.certValidityDays,
        firstSerial: data.firstSerial,
        nextSerial: data.firstSerial,
        imported: data.imported,
        parentId: data.parentId ?? null,
        publicUrl: data.publicUrl ?? null,
      },
    });
    await appendAudit(tx, actor, {
      action,
      targetType: "issuer",
      targetId: issuer.id,
      after: { name: issuer.name, subject: issuer.subject, keyType: issuer.keyType, keyStorage: issuer.keyStorage, notAfter: issuer.notAfter, certValidityDays: issuer.certValidityDays, firstSerial: issuer.firstSerial, ...data.hierarchy },
    });
    await within?.(tx, issuer);
    return issuer;
  });
}

/**
 * One key, one issuer: two issuers with the same key (the same CA imported twice) would
 * each count serials from their own counter and sign duplicates under one name and key.
 * The same subject with another key is refused too unless the caller says it is the
 * CA's next generation (`rollover`): devices find CAs by name, and two unrelated CAs of
 * one name are a mistake far more often than a rollover. Issuers are few; a scan of
 * their certificates is cheaper than a column every migration must backfill.
 */
async function refuseKnownCa(tx: Tx, certificateDer: Uint8Array, checkSubject: boolean): Promise<void> {
  const cert = parseCertificateDer(certificateDer, "certificate");
  const key = spkiSha256Hex(cert.spki);
  for (const other of await tx.issuer.findMany({ select: { name: true, certificateDer: true } })) {
    const o = parseCertificateDer(other.certificateDer, "certificate");
    if (spkiSha256Hex(o.spki) === key) {
      throw new ConflictError("privateKey", `this CA's key already belongs to issuer "${other.name}"; a key can be imported once (two issuers with one key would issue the same serials under one name)`);
    }
    if (checkSubject && Buffer.from(o.subjectDer).equals(Buffer.from(cert.subjectDer))) {
      throw new ConflictError(
        "certificate",
        `issuer "${other.name}" already has the subject "${cert.subject}" with another key; if this CA is its next generation (a key rollover), confirm that, otherwise give the new CA a subject of its own`,
      );
    }
  }
}

export interface IssuerCreateOptions {
  /** The start of the CA's validity (a lineage's schedule runs on an injectable clock). */
  now?: Date;
  /** More writes in the same transaction (a lineage links the issuer as its generation). */
  within?: (tx: Tx, issuer: { id: string; name: string; certificateDer: Uint8Array }) => Promise<void>;
}

/**
 * The CA's subject: as given, with CN defaulting to the issuer name whenever no CN is
 * given (a CA named only by its country, "C=GE", is anonymous in every chain display).
 */
export function caSubject(given: DnFields | string | undefined, name: string): Dn {
  const fields: DnFields = typeof given === "string" ? (given.trim() ? parseDnString(given, "subject") : {}) : withoutEmpty(given ?? {});
  if (fields.CN) return buildDn(fields, "subject");
  // No name to default to: the name's own error says what is missing, so check the other
  // attributes only (a placeholder CN that nobody will see, since the name is refused).
  return buildDn({ ...fields, CN: name || "-" }, "subject");
}

/** Creates a CA: a new key pair, a self-signed CA certificate, the key sealed at rest. */
export async function createIssuer(actor: Actor, input: NewIssuer, opts: IssuerCreateOptions = {}) {
  requirePermission(actor.role, "issuers:write");
  const [s, keyType, subject, caOptions, storage] = checkAll(
    () => parseOrThrow(IssuerSettings, input),
    () => parseKeyType(input.keyType, "keyType"),
    () => caSubject(input.subject, typeof input.name === "string" ? input.name.trim() : ""),
    () => parseCaOptions(input),
    () => parseKeyStorage(input.keyStorage),
  );
  const certValidityDays = certValidityWithinCa(input.certValidityDays, s.certValidityDays, s.validityDays);
  // A token key is a token object from here on: refuse a taken name before making one.
  if (storage === "pkcs11" && (await db().issuer.findUnique({ where: { name: s.name }, select: { id: true } }))) throw new ConflictError("name", `an issuer named "${s.name}" already exists`);
  const key = await keyStore(storage).generate(keyType, s.name);
  try {
    const { notBefore, notAfter } = validityWindow(opts.now ?? new Date(), s.validityDays);
    const defaultValidity = input.validityDays === undefined || String(input.validityDays).trim() === "";
    const ca = await makeCaCertificate(caOptions, { subject, key, keyType, notBefore, notAfter, defaultValidity }, caSerial());
    return await insertIssuer(actor, "issuer.create", {
      name: s.name,
      subject: subject.text,
      keyType,
      certificateDer: ca.certificateDer,
      key: { storage, pkcs8: key.pkcs8, keyRef: key.keyRef },
      notBefore,
      notAfter: ca.notAfter,
      certValidityDays,
      firstSerial: s.firstSerial,
      imported: false,
      parentId: ca.parentId,
      publicUrl: ca.publicUrl,
      hierarchy: ca.audit,
    }, opts.within);
  } catch (e) {
    // No issuer refers to the token key: remove it rather than leave an orphan CA key in the token.
    if (key.keyRef) await destroyTokenKey(key.keyRef).catch(() => undefined);
    throw e;
  }
}

/** Imports an existing CA from its certificate and private key; a mismatched pair is refused. */
export async function importIssuer(actor: Actor, input: ImportIssuer) {
  requirePermission(actor.role, "issuers:write");
  // Independent checks run together, so the form reports every field at fault in one pass.
  const [s, cert, key] = await checkAllAsync(
    () => {
      if (input.firstSerial === undefined || String(input.firstSerial).trim() === "") {
        throw new InputError("firstSerial", "the first serial is required for an imported CA: a number above every serial this CA has issued before (Rootline cannot know them)");
      }
      return parseOrThrow(IssuerSettings, { ...input, validityDays: 1 });
    },
    () => {
      const c = parseCertificate(input.certificate, "certificate");
      if (!c.isCa) throw new InputError("certificate", "this certificate is not a CA certificate (basicConstraints CA:TRUE is missing)");
      if (c.keyUsage && !c.keyUsage.includes("keyCertSign")) throw new InputError("certificate", "this CA certificate does not allow certificate signing (keyUsage lacks keyCertSign)");
      if (!c.keyType) throw new InputError("certificate", "the CA's key type is not one Rootline signs with (ECDSA P-256/P-384, RSA 2048/3072/4096)");
      return c;
    },
    () => importPrivateKey(input.privateKey, undefined, "privateKey"),
  );
  if (!cert.keyType) throw new InputError("certificate", "the CA's key type is not one Rootline signs with"); // checked above; narrows the type
  if (!(await privateKeyMatchesCertificate(cert, key.keyObject))) {
    throw new InputError("privateKey", "the private key does not belong to this certificate (the public keys differ)");
  }
  return insertIssuer(actor, "issuer.import", {
    name: s.name,
    subject: cert.subject,
    keyType: cert.keyType,
    certificateDer: cert.der,
    key: { storage: "software", pkcs8: key.pkcs8, keyRef: null },
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    certValidityDays: s.certValidityDays,
    firstSerial: s.firstSerial,
    imported: true,
    rollover: input.rollover === true,
  });
}

export async function listIssuers() {
  const issuers = await db().issuer.findMany({ orderBy: { name: "asc" }, omit: { sealedKey: true } });
  const counts = await db().certificate.groupBy({ by: ["issuerId", "status"], _count: { _all: true } });
  return issuers.map((i) => ({
    ...i,
    counts: Object.fromEntries(counts.filter((c) => c.issuerId === i.id).map((c) => [c.status, c._count._all])) as Record<string, number>,
  }));
}

/** What a page or the CLI may see of an issuer: never its sealed key (nor the CRL blob). */
const PUBLIC_ISSUER = {
  id: true, name: true, subject: true, keyType: true, certificateDer: true, notBefore: true, notAfter: true, certValidityDays: true,
  firstSerial: true, nextSerial: true, revocationNumber: true, crlNumber: true, imported: true, generation: true, createdAt: true, parentId: true, publicUrl: true,
  keyStorage: true,
} as const;

/** The issuer without its sealed key; NotFoundError names the field the caller used. */
export function getIssuerByName(name: string, field = "issuer") {
  return issuerByName(db(), name, PUBLIC_ISSUER, field);
}
