/**
 * Issue #3: bytes a device downloads per check — signed revocation information (DER and
 * JSON, lib/repository/documents as the routes serve it) versus the issuer's CRL, at 100
 * and 100,000 revoked certificates. Bodies only; a revalidation with If-None-Match costs a
 * 304 with no body for either while nothing changed.
 * Run alone: npm run bench -- bytes
 */
import zlib from "node:zlib";
import { FLEET_ISSUER, populatedDataDir } from "./populate";
import { fmt, heading, releaseDb, removeTempDir, table, switchDataDir } from "./lib";

const SIZES = [100, 100_000];

export async function run(): Promise<void> {
  heading("bytes — what a device downloads per check (issue #3)");
  const docs = await import("../lib/repository/documents");
  const rows: (string | number)[][] = [];
  const ratios: (string | number)[][] = [];
  for (const n of SIZES) {
    const pop = await populatedDataDir(n);
    await switchDataDir(pop.dir);
    const der = await docs.revocationInfoDer(FLEET_ISSUER);
    const json = await docs.revocationInfoJson(FLEET_ISSUER);
    const crl = await docs.crl(FLEET_ISSUER);
    const gz = (b: Uint8Array) => zlib.gzipSync(b, { level: 6 }).length;
    const { parseCrl } = await import("../lib/pki/crl");
    const entries = parseCrl(crl.body).entries.length;
    if (entries !== n) throw new Error(`CRL lists ${entries} entries, expected ${n}`);
    rows.push([fmt(n), "revocation-info.der", fmt(der.body.length), fmt(gz(der.body)), der.contentType]);
    rows.push([fmt(n), "revocation-info (JSON)", fmt(json.body.length), fmt(gz(json.body)), json.contentType]);
    rows.push([fmt(n), "crl (DER)", fmt(crl.body.length), fmt(gz(crl.body)), crl.contentType]);
    ratios.push([fmt(n), `${fmt(crl.body.length / der.body.length, 1)}×`, `${fmt(crl.body.length / json.body.length, 1)}×`, `${fmt(gz(crl.body) / gz(json.body), 1)}×`]);
    await releaseDb();
    removeTempDir(pop.dir);
  }
  table("response body bytes per full download", ["revoked", "document", "bytes", "gzip -6 bytes", "content-type"], rows);
  table("ratio: CRL bytes / revocation-info bytes", ["revoked", "CRL / info.der", "CRL / info JSON", "gzip CRL / gzip JSON"], ratios);
  console.log("(revocation-info stays the same size whatever the number of revoked certificates; the CRL grows ~33 bytes per entry.)");
}

if (require.main === module) run().catch((e) => { console.error(e); process.exit(1); });
