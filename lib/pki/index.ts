/**
 * Rootline's PKI domain library: pure TypeScript, no framework or database imports.
 * Modelled on Go's crypto/x509: a small explicit API, strict parsing, InputError
 * naming the offending field for every bad input.
 */
export { x509 } from "./crypto";
export { InputError, NotFoundError, ConflictError } from "./errors";
export { pemEncode, pemDecodeAll, pemDecodeOne, derFromUpload, MAX_OBJECT_BYTES, type PemBlock } from "./pem";
export {
  KEY_TYPES,
  KEY_TYPE_LABELS,
  parseKeyType,
  isEcKeyType,
  generateKeyPair,
  exportPkcs8,
  exportSpki,
  importPrivateKey,
  toKeyObject,
  spkiOfPrivateKey,
  keyTypeOfSpki,
  keyTypeOfKeyObject,
  spkiSha256Hex,
  privateKeyMatchesSpki,
  type KeyType,
  type PrivateKeyInput,
  type ImportedPrivateKey,
} from "./keys";
export { parseSpki, publicKeyObject, type ParsedSpki } from "./spki";
export { signatureScheme, signWith, verifySignature, SIGNATURE_ALGORITHM_NAMES, type SignatureScheme } from "./signature";
export { buildDn, parseDnString, formatDn, decodeName, DN_KEYS, type Dn, type DnFields, type DnKey, type DecodedName, type NameAttribute } from "./dn";
export { parseSan, parseSans, formatSan, formatSans, validateDnsName, validateIp, type San } from "./san";
export {
  PROFILES,
  PROFILE_NAMES,
  KEY_USAGE_BITS,
  EXT_KEY_USAGE_OIDS,
  parseProfile,
  keyUsageFor,
  type Profile,
  type ProfileName,
  type KeyUsageName,
  type ExtKeyUsageName,
} from "./profiles";
export { type DecodedExtension } from "./extensions";
export { parseCsr, type ParsedCsr } from "./csr";
export {
  parseCertificate,
  parseCertificateDer,
  parseCertificateChain,
  decodeCertificate,
  verifyCertificateSignature,
  privateKeyMatchesCertificate,
  type Certificate,
  type CertificateDetails,
  type PublicKeyDetails,
} from "./certificate";
export {
  createCaCertificate,
  createIssuerSigner,
  issueCertificate,
  signerFor,
  type CertificateTemplate,
  type IssuerSigner,
  type IssuerSignerOptions,
  type CaCertificateOptions,
  type IssueCertificateOptions,
} from "./issue";
export {
  REVOCATION_REASONS,
  REVOCATION_REASON_CODES,
  REVOCATION_REASON_LABELS,
  parseRevocationReason,
  revocationReasonFromCode,
  type RevocationReason,
} from "./reasons";
export { buildCrl, parseCrl, verifyCrlSignature, type BuildCrlOptions, type CrlEntry, type ParsedCrl } from "./crl";
export { buildPkcs12, PKCS12_DEFAULT_ITERATIONS, type Pkcs12Options } from "./pkcs12";
export {
  sha256Hex,
  sha1Hex,
  colonHex,
  serialToHex,
  serialToColonHex,
  serialFromHex,
  serialFromDecimal,
  checkSerial,
  MAX_SERIAL_EXCLUSIVE,
} from "./fingerprint";
export { OID } from "./oids";
