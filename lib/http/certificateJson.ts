/** The API's certificate shape (serial as a decimal string: it may exceed 2^53). */
export function certificateJson(
  c: { id: string; serial: bigint; subject: string; commonName: string; sans: string; profile: string; keyType: string; notBefore: Date; notAfter: Date; status: string },
  issuer: string,
) {
  return {
    id: c.id,
    issuer,
    serial: c.serial.toString(),
    subject: c.subject,
    commonName: c.commonName,
    sans: c.sans ? c.sans.split(", ") : [],
    profile: c.profile,
    keyType: c.keyType,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    status: c.status,
  };
}
