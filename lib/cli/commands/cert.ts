import type { Command } from "commander";
import { printJson, readFileArg } from "../io";

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  const cert = program.command("cert").description("certificates");
  cert
    .command("issue")
    .description("issue a certificate from a PKCS#10 CSR (PEM or DER); prints the certificate PEM")
    .requiredOption("--issuer <name>", "issuer name")
    .requiredOption("--csr <file>", "CSR file")
    .option("--profile <profile>", "server | client | both | proxy | a custom profile", "server")
    .option("--validity-days <n>", "validity in days (default and maximum: the issuer's certificate validity, or the profile's maximum)")
    .option("--san <san>", "subject alternative name DNS:name or IP:address (repeatable)", collect)
    .action(async (o: { issuer: string; csr: string; profile: string; san?: string[]; validityDays?: string }) => {
      const { issueCertificate, requestFromCsr } = await import("../../certificates");
      const { cliActor } = await import("../../auth/actor");
      const { pemEncode } = await import("../../pki/pem");
      const req = await requestFromCsr({ csr: new Uint8Array(readFileArg(o.csr, "csr")), profile: o.profile, sans: o.san, validityDays: o.validityDays });
      const c = await issueCertificate(cliActor(), o.issuer, req);
      if (c.cappedAtCaExpiry) process.stderr.write(`note: notAfter capped at the CA's expiry (${c.notAfter.toISOString()})\n`);
      process.stdout.write(pemEncode("CERTIFICATE", c.der));
    });
  cert
    .command("chain")
    .description("print the certificate and every CA above it (its issuer, that issuer's parent, … the root), in PEM")
    .requiredOption("--issuer <name>", "issuer name")
    .requiredOption("--serial <serial>", "serial (decimal)")
    .action(async (o: { issuer: string; serial: string }) => {
      const { certificateChainPem } = await import("../../certificates");
      const { serialFromDecimal } = await import("../../pki/fingerprint");
      const { cliActor } = await import("../../auth/actor");
      process.stdout.write(await certificateChainPem(cliActor(), o.issuer, serialFromDecimal(o.serial, "serial")));
    });
  cert
    .command("list")
    .description("list certificates of an issuer")
    .requiredOption("--issuer <name>", "issuer name")
    .option("--status <status>", "valid | revoked | superseded | expired")
    .option("--json", "print JSON")
    .action(async (o: { issuer: string; status?: string; json?: boolean }) => {
      const { listCertificates } = await import("../../certificates");
      const { getIssuerByName } = await import("../../issuers/service");
      await getIssuerByName(o.issuer);
      const rows = [];
      for (let page = 1; ; page++) {
        const r = await listCertificates({ issuer: o.issuer, status: o.status, sort: "serial", dir: "asc", page, pageSize: 500 });
        rows.push(...r.rows);
        if (page >= r.pages) break;
      }
      const out = rows.map((c) => ({ serial: c.serial, subject: c.subject, sans: c.sans, profile: c.profile, notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString(), status: c.status, id: c.id }));
      if (o.json) printJson(out);
      else for (const c of out) process.stdout.write(`${c.serial}\t${c.status}\t${c.notAfter.slice(0, 10)}\t${c.subject}\t${c.sans}\n`);
    });
}
