import { serialFromDecimal } from "@/lib/pki/fingerprint";

/** A serial from a URL segment: decimal digits only, named "serial" in errors. */
export function serialParam(value: string): bigint {
  return serialFromDecimal(decodeURIComponent(value), "serial");
}
