import fs from "node:fs";
import path from "node:path";
import { db } from "../db";
import { caCertificate, crl, issuerList, revocationInfoDer, revocationInfoJson } from "./documents";

/**
 * Writes the repository as static files, for any static host or CDN: the same bytes
 * the app serves under /api/repository/. Layout mirrors the URLs.
 */
export async function exportRepository(dir: string): Promise<string[]> {
  const written: string[] = [];
  const write = (rel: string, body: Uint8Array) => {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body);
    written.push(rel);
  };
  write("issuers", (await issuerList()).body);
  for (const { name } of await db().issuer.findMany({ select: { name: true }, orderBy: { name: "asc" } })) {
    write(`${name}/ca.crt`, (await caCertificate(name, "der")).body);
    write(`${name}/ca.pem`, (await caCertificate(name, "pem")).body);
    write(`${name}/revocation-info`, (await revocationInfoJson(name)).body);
    write(`${name}/revocation-info.der`, (await revocationInfoDer(name)).body);
    write(`${name}/crl`, (await crl(name)).body);
  }
  return written;
}
