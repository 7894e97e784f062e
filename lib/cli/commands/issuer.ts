import type { Command } from "commander";
import { printJson, readFileArg } from "../io";

export function register(program: Command): void {
  const issuer = program.command("issuer").description("certificate authorities");
  issuer
    .command("create")
    .description("create a CA: new key pair and self-signed CA certificate")
    .requiredOption("--name <name>", "issuer name (used in repository URLs)")
    .requiredOption("--key <type>", "ec-p256 | ec-p384 | rsa-2048 | rsa-3072 | rsa-4096")
    .option("--subject <dn>", 'subject DN, e.g. "CN=Fleet CA, O=Acme" (default CN=<name>)')
    .option("--validity-days <n>", "CA validity in days (default 20 years)")
    .option("--cert-validity-days <n>", "validity of issued certificates in days (default 396, about 13 months)")
    .option("--first-serial <n>", "first serial to issue (default 1)")
    .action(async (o: { name: string; key: string; subject?: string; validityDays?: string; certValidityDays?: string; firstSerial?: string }) => {
      const { createIssuer } = await import("../../issuers/service");
      const { cliActor } = await import("../../auth/actor");
      const i = await createIssuer(cliActor(), { name: o.name, keyType: o.key, subject: o.subject, validityDays: o.validityDays, certValidityDays: o.certValidityDays, firstSerial: o.firstSerial });
      printJson({ name: i.name, subject: i.subject, keyType: i.keyType, notAfter: i.notAfter, firstSerial: i.firstSerial });
    });
  issuer
    .command("import")
    .description("import an existing CA from its certificate and private key (PEM or DER)")
    .requiredOption("--name <name>", "issuer name")
    .requiredOption("--cert <file>", "CA certificate file")
    .requiredOption("--key <file>", "CA private key file (unencrypted)")
    .option("--cert-validity-days <n>", "validity of issued certificates in days")
    .requiredOption("--first-serial <n>", "first serial to issue: above every serial this CA issued before (Rootline cannot know them; a reused serial makes two certificates one for revocation)")
    .option("--rollover", "the subject is already an issuer's with another key: this CA is its next generation")
    .action(async (o: { name: string; cert: string; key: string; certValidityDays?: string; firstSerial: string; rollover?: boolean }) => {
      const { importIssuer } = await import("../../issuers/service");
      const { cliActor } = await import("../../auth/actor");
      const i = await importIssuer(cliActor(), { name: o.name, certificate: new Uint8Array(readFileArg(o.cert, "cert")), privateKey: new Uint8Array(readFileArg(o.key, "key")), certValidityDays: o.certValidityDays, firstSerial: o.firstSerial, rollover: o.rollover === true });
      printJson({ name: i.name, subject: i.subject, keyType: i.keyType, notAfter: i.notAfter, firstSerial: i.firstSerial });
    });
  issuer
    .command("list")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const { listIssuers } = await import("../../issuers/service");
      const issuers = await listIssuers();
      const rows = issuers.map((i) => ({ name: i.name, subject: i.subject, keyType: i.keyType, notAfter: i.notAfter.toISOString(), revocationNumber: i.revocationNumber, nextSerial: i.nextSerial }));
      if (o.json) printJson(rows);
      else for (const r of rows) process.stdout.write(`${r.name}\t${r.keyType}\t${r.subject}\tRN ${r.revocationNumber}\tnext serial ${r.nextSerial}\n`);
    });
}
