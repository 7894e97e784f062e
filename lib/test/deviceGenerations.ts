/**
 * Test material for the device side of CA generations: a lineage of real CAs, their CA
 * information signed with a real distribution key (lib/generations/caInfo.ts, the one
 * codec), and per generation n the certificates the CA side would issue:
 *   app      — an application server certificate of CA n (SAN IP:127.0.0.1),
 *   download — the download server certificate of CA n, for the server that publishes
 *              CA information n+1 (seed 001: issued by the generation before).
 * Not production code.
 */
import { exportPkcs8, exportSpki, generateKeyPair } from "../pki/keys";
import { signCaInfo, type SignedCaInfo } from "../generations/caInfo";
import { issueLeaf, makeCa, type TestCa, type TestLeaf } from "./device";

export interface TestGeneration {
  n: number;
  ca: TestCa;
  info: SignedCaInfo;
  app: TestLeaf;
  download: TestLeaf;
}

export interface TestDistributionKey {
  spki: Uint8Array;
  pkcs8: Uint8Array;
}

export async function makeDistributionKey(): Promise<TestDistributionKey> {
  const k = await generateKeyPair("ec-p256");
  return { spki: await exportSpki(k.publicKey), pkcs8: await exportPkcs8(k.privateKey) };
}

export interface LineageOptions {
  lineage?: string;
  count: number;
  /** The URL where CA information n will appear (announced in CA information n-1). */
  urlOf(n: number): string;
  distribution?: TestDistributionKey;
}

export async function makeTestLineage(o: LineageOptions): Promise<{ distribution: TestDistributionKey; gens: TestGeneration[] }> {
  const distribution = o.distribution ?? (await makeDistributionKey());
  const lineage = o.lineage ?? "L";
  const gens = await Promise.all(
    Array.from({ length: o.count }, async (_, i): Promise<TestGeneration> => {
      const n = i + 1;
      const ca = await makeCa(`CN=${lineage}-${n}`);
      const info = signCaInfo({ lineage, generation: n, caCertDer: ca.certDer, nextUrl: o.urlOf(n + 1) }, distribution.pkcs8);
      const [app, download] = await Promise.all([issueLeaf(ca, 10n, { subject: `CN=app ${n}` }), issueLeaf(ca, 11n, { subject: `CN=download ${n + 1}` })]);
      return { n, ca, info, app, download };
    }),
  );
  return { distribution, gens };
}

/** A copy with one byte flipped (inside the signature when `at` is negative from the end). */
export function flipByte(bytes: Uint8Array, at: number): Uint8Array {
  const t = new Uint8Array(bytes);
  const i = ((at % t.length) + t.length) % t.length;
  t[i] ^= 0x01;
  return t;
}
