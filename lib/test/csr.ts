import { x509 } from "./x509";
import { pemEncode } from "../pki/pem";

/** A CSR made with @peculiar/x509 (independent of Rootline's own parser), with its key. */
export async function makeCsr(cn: string, keyPair?: CryptoKeyPair): Promise<{ pem: string; der: Uint8Array; keys: CryptoKeyPair }> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = keyPair ?? ((await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${cn}`, keys, signingAlgorithm: alg });
  const der = new Uint8Array(csr.rawData);
  return { pem: pemEncode("CERTIFICATE REQUEST", der), der, keys };
}
