import { InputError } from "../errors";

/** Largest PEM/DER object Rootline accepts anywhere (a CSR or certificate is a few KiB). */
export const MAX_OBJECT_BYTES = 64 * 1024;

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

export function pemEncode(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

/**
 * Strict PEM reader (RFC 7468): every BEGIN has a matching END, the body is base64
 * only, and a block that decodes to nothing is an error rather than silently skipped.
 */
export function pemDecodeAll(text: string, field: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const [, begin, body, end] = m;
    if (begin !== end) throw new InputError(field, `PEM block "BEGIN ${begin}" ends with "END ${end}"`);
    const compact = body.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
      throw new InputError(field, `PEM block "${begin}" has characters or padding that are not base64`);
    }
    const der = new Uint8Array(Buffer.from(compact, "base64"));
    if (der.length === 0) throw new InputError(field, `PEM block "${begin}" is empty`);
    blocks.push({ label: begin, der });
  }
  if (blocks.length === 0) {
    if (text.includes("-----BEGIN")) throw new InputError(field, "PEM is truncated: no matching END line");
    throw new InputError(field, "no PEM block found");
  }
  return blocks;
}

/** Exactly one block with one of the allowed labels. */
export function pemDecodeOne(text: string, labels: string[], field: string): PemBlock {
  const blocks = pemDecodeAll(text, field);
  const wanted = blocks.filter((b) => labels.includes(b.label));
  if (wanted.length === 0) {
    throw new InputError(field, `expected a PEM block labelled ${labels.join(" or ")}, found ${blocks.map((b) => b.label).join(", ")}`);
  }
  if (wanted.length > 1) throw new InputError(field, `expected one ${labels[0]} block, found ${wanted.length}`);
  return wanted[0];
}

/**
 * Accepts what users upload: PEM text or raw DER bytes. DER is recognised by its
 * leading SEQUENCE tag; anything else must be PEM.
 */
export function derFromUpload(input: Uint8Array | string, labels: string[], field: string): Uint8Array {
  const bytes = typeof input === "string" ? new Uint8Array(Buffer.from(input, "utf8")) : input;
  if (bytes.length === 0) throw new InputError(field, "the file is empty");
  if (bytes.length > MAX_OBJECT_BYTES) throw new InputError(field, `the file is too large (${bytes.length} bytes; at most ${MAX_OBJECT_BYTES})`, 413);
  if (bytes[0] === 0x30) return bytes;
  return pemDecodeOne(Buffer.from(bytes).toString("utf8"), labels, field).der;
}
