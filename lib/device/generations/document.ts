import { InputError } from "../../errors";
import { CaInfoError, MAX_CA_INFO_BYTES, parseCaInfo, verifyCaInfo } from "../../generations/caInfo";

/**
 * CA information as the device takes it: decoded by the one codec
 * (lib/generations/caInfo.ts, either form) and verified with the distribution key, or
 * refused with an InputError. The device keeps the DER form (`bytes`): the JSON form of
 * a document rebuilds the very same DER, so both forms of one document compare equal.
 */

export interface VerifiedCaInfo {
  lineage: string;
  generation: number;
  caCertDer: Uint8Array;
  nextUrl: string;
  /** SignedCaInformation DER. */
  bytes: Uint8Array;
}

/** The largest document a device reads (the JSON form is about 4/3 of the DER). */
export const MAX_DOCUMENT_BYTES = MAX_CA_INFO_BYTES * 2;

export function verifyDocument(document: Uint8Array, distributionKeySpki: Uint8Array, field = "caInfo"): VerifiedCaInfo {
  let info;
  try {
    info = parseCaInfo(document);
  } catch (e) {
    if (e instanceof CaInfoError) throw new InputError(field, `malformed CA information: ${e.message}`);
    throw e;
  }
  if (!verifyCaInfo(info, distributionKeySpki)) throw new InputError(field, `the signature of CA information ${info.generation} does not verify with the distribution key`);
  return { lineage: info.lineage, generation: info.generation, caCertDer: info.caCertDer, nextUrl: info.nextUrl, bytes: info.der };
}
